"""The base of every mutation (Saleor's ``BaseMutation`` idea): a declared :class:`~.permissions.Audience`, checked
before anything else, and every refusal answered in the payload's ``errors``, never as a top-level error."""

from typing import Any

import graphene
from graphene.types.mutation import MutationOptions

from .context import RequestContext
from .errors import REFUSALS, error_entries
from .permissions import Audience, check_audience

__all__ = ["BaseMutation"]


class BaseMutationOptions(MutationOptions):
    audience: Audience | None = None


class BaseMutation(graphene.Mutation):
    """Subclasses declare ``audience`` in ``Meta`` and implement :meth:`perform_mutation`; the payload (``Output``)
    has ``errors: [AfterSalesError!]!``. As for every type of the API, the description is the class's docstring (or
    ``Meta.description`` where it takes more than a line)."""

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(
        cls, audience: Audience | None = None, _meta: BaseMutationOptions | None = None, **options: Any
    ) -> None:
        if not isinstance(audience, Audience):
            raise TypeError(f"{cls.__name__} must declare who may call it: Meta.audience = Audience.<...>.")
        _meta = _meta or BaseMutationOptions(cls)
        _meta.audience = audience
        super().__init_subclass_with_meta__(_meta=_meta, **options)

    @classmethod
    def Field(cls, **options: Any) -> graphene.Field:  # noqa: N802 (graphene's name)
        """The mutation's root field, described as the mutation and carrying its audience."""
        options.setdefault("description", cls._meta.description)
        field = super().Field(**options)
        field.audience = cls._meta.audience
        return field

    @classmethod
    def mutate(cls, root: Any, info: Any, **data: Any) -> dict[str, Any]:
        context: RequestContext = info.context
        try:
            check_audience(cls._meta.audience, context)
            return {"errors": [], **cls.perform_mutation(context, **data)}
        except REFUSALS as refusal:
            return {**cls.refused(refusal), "errors": error_entries(refusal)}

    @classmethod
    def perform_mutation(cls, context: RequestContext, **data: Any) -> dict[str, Any]:
        """Carry the mutation out; returns the payload's fields (without ``errors``) or raises a refusal."""
        raise NotImplementedError

    @classmethod
    def refused(cls, refusal: Exception) -> dict[str, Any]:
        """The payload's fields besides ``errors`` when ``refusal`` refused the mutation."""
        return {}
