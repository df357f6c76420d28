"""Fields beyond graphene's: root fields that declare who may call them (Saleor's ``PermissionsField`` idea), the
global id of a related object, and values a model stores blank for none."""

from collections.abc import Callable
from operator import attrgetter
from typing import Any

import graphene

from .connection import MAX_PAGE
from .ids import to_global_id
from .permissions import Audience, check_audience

__all__ = ["AudienceField", "BlankIsNull", "ConnectionField", "GlobalIdOf"]


class AudienceField(graphene.Field):
    """A field with its :class:`Audience`; the caller is checked before the resolver runs."""

    def __init__(self, type_: Any, *args: Any, audience: Audience, **kwargs: Any) -> None:
        self.audience = audience
        super().__init__(type_, *args, **kwargs)

    def get_resolver(self, parent_resolver: Callable[..., Any]) -> Callable[..., Any]:
        resolver = super().get_resolver(parent_resolver)
        audience = self.audience

        def checked(root: Any, info: Any, **arguments: Any) -> Any:
            check_audience(audience, info.context)
            return resolver(root, info, **arguments)

        return checked


class ConnectionField(AudienceField):
    """A field answering a page of a connection, with the ``first`` and ``after`` arguments of forward paging."""

    def __init__(self, type_: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("first", graphene.Int(description=f"Page size, at most {MAX_PAGE}."))
        kwargs.setdefault("after", graphene.String(description="Cursor to start after."))
        super().__init__(type_, *args, **kwargs)


class BlankIsNull(graphene.Field):
    """A field whose model stores an empty string for none (a choice not made, e.g. no resolution yet): answered as
    null, since no enum has a value for it."""

    def get_resolver(self, parent_resolver: Callable[..., Any]) -> Callable[..., Any]:
        resolver = super().get_resolver(parent_resolver)

        def blank_is_null(root: Any, info: Any, **arguments: Any) -> Any:
            return resolver(root, info, **arguments) or None

        return blank_is_null


class GlobalIdOf(graphene.Field):
    """An ``ID`` field answering the global id of type ``type_name`` of the object id at ``path`` (dotted attributes
    of the root), e.g. ``GlobalIdOf("Order", "order.order_id")``; null where there is none."""

    def __init__(self, type_name: str, path: str, **kwargs: Any) -> None:
        super().__init__(graphene.ID, **kwargs)
        self.type_name = type_name
        self.object_id = attrgetter(path)

    def get_resolver(self, parent_resolver: Callable[..., Any]) -> Callable[..., Any]:
        def global_id(root: Any, info: Any, **arguments: Any) -> str | None:
            object_id = self.object_id(root)
            return None if object_id is None else to_global_id(self.type_name, object_id)

        return global_id
