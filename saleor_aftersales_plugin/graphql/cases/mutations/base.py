"""What every mutation answering a case shares: the payload, the case reloaded as the caller may see it, the case a
mutation works on with its ``id`` (and for owners ``email``) arguments, and opening a case once per idempotency key."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import graphene
from django.db import IntegrityError
from graphene.utils.props import props

from ....domain.actors import Actor
from ....models import Case, OrderRecord
from ....services import ServiceError
from ....services.idempotency import case_for_key, scoped_key
from ....services.queries import find_case
from ...core.context import RequestContext
from ...core.errors import AfterSalesError
from ...core.lookups import case_for, order_for
from ...core.mutations import BaseMutation
from ...core.permissions import Audience, acting_actor, viewer
from ...core.types import NonNullList
from ..inputs import case_id_argument, email_argument
from ..types import AfterSalesCase

__all__ = [
    "CaseAtHand",
    "CaseMessage",
    "CaseMutation",
    "CaseOpening",
    "CasePayload",
    "CaseRequestMutation",
    "CaseStep",
    "CaseWorkMutation",
    "MessageMutation",
    "photo_urls",
]


class CasePayload(graphene.ObjectType):
    """The answer of a case mutation."""

    case = graphene.Field(AfterSalesCase, description="The case after the mutation; null when it failed.")
    errors = NonNullList(AfterSalesError, required=True, description="What went wrong.")


class CaseMutation(BaseMutation):
    """Base of case mutations: subclasses implement ``perform(context, **arguments) -> Case``."""

    Output = CasePayload

    class Meta:
        abstract = True

    @classmethod
    def perform(cls, context: RequestContext, **arguments: Any) -> Case:
        raise NotImplementedError

    @classmethod
    def perform_mutation(cls, context: RequestContext, **arguments: Any) -> dict[str, Any]:
        case = cls.perform(context, **arguments)
        # Reloaded with its lines and events in a fixed number of queries, and only as the caller (with the email
        # they gave) may see it.
        email = arguments.get("email") or (arguments.get("input") or {}).get("email")
        return {"case": find_case(context.channel, case.pk, viewer(context, email))}


@dataclass(frozen=True)
class CaseAtHand:
    """The case a mutation works on, as the caller may see it; who acts; and the request (its host moves money)."""

    context: RequestContext
    case: Case
    actor: Actor


class CaseWorkMutation(CaseMutation):
    """A mutation on the case its ``id`` argument names, as the caller may see it; a mutation for owners also takes
    the order's ``email`` (guests prove with it). Subclasses declare their other ``Arguments`` and implement
    ``work(at_hand, **those arguments) -> Case``."""

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(
        cls, audience: Audience | None = None, arguments: dict[str, Any] | None = None, **options: Any
    ) -> None:
        declared = getattr(cls, "Arguments", None)
        case_arguments = {"id": case_id_argument()}
        if audience is Audience.OWNER:
            case_arguments["email"] = email_argument()
        case_arguments.update(arguments if arguments is not None else props(declared) if declared else {})
        # In name order, as graphene lists the arguments of a mutation's ``Arguments`` class.
        super().__init_subclass_with_meta__(
            audience=audience, arguments=dict(sorted(case_arguments.items())), **options
        )

    @classmethod
    def perform(cls, context: RequestContext, id: str, email: str | None = None, **arguments: Any) -> Case:
        at_hand = CaseAtHand(context, case_for(context, id, email), acting_actor(context))
        return cls.work(at_hand, **arguments)

    @classmethod
    def work(cls, at_hand: CaseAtHand, **arguments: Any) -> Case:
        raise NotImplementedError


class MessageMutation(CaseWorkMutation):
    """A mutation on a case whose one argument is a text (``message`` unless the subclass names another
    ``argument``), carried out by the function the subclass names:
    ``class CaseApprove(CaseStep, by=case_work.approve, message="<what the message is>")``."""

    message_required = False

    class Meta:
        abstract = True

    by: Callable[..., Any]
    argument: str

    @classmethod
    def __init_subclass_with_meta__(
        cls, by: Callable[..., Any], message: str, argument: str = "message", **options: Any
    ) -> None:
        cls.by = staticmethod(by)
        cls.argument = argument
        text = graphene.String(required=cls.message_required, description=message)
        super().__init_subclass_with_meta__(arguments={argument: text}, **options)


class CaseStep(MessageMutation):
    """A step of a case with an optional message to the other side: ``by(case, *, actor, message) -> Case``."""

    class Meta:
        abstract = True

    @classmethod
    def work(cls, at_hand: CaseAtHand, message: str = "") -> Case:
        return cls.by(at_hand.case, actor=at_hand.actor, message=message or "")


class CaseMessage(MessageMutation):
    """A text the case needs (a message, an assignee): ``by(case_id, text, *, actor)``; the answer is the case."""

    class Meta:
        abstract = True

    message_required = True

    @classmethod
    def work(cls, at_hand: CaseAtHand, **text: str) -> Case:
        cls.by(at_hand.case.pk, text[cls.argument], actor=at_hand.actor)
        return at_hand.case


@dataclass(frozen=True)
class CaseOpening:
    """A request opening a case: its ``input``, the order it names as the caller may see it, who asks, the
    idempotency key, and the request (its host)."""

    context: RequestContext
    request: Mapping[str, Any]
    order: OrderRecord
    actor: Actor
    key: str | None

    def with_photos(self) -> dict[str, Any]:
        """The arguments a return or repair request passes on as they are: who asks, the comment and photos, the
        idempotency key and the host."""
        return {
            "actor": self.actor,
            "comment": self.request.get("comment") or "",
            "photo_urls": photo_urls(self.request.get("photo_urls")),
            "idempotency_key": self.key,
            "host": self.context.host,
        }


class CaseRequestMutation(CaseMutation):
    """A request opening a case for the order its ``input`` argument names, as the caller may see it (owners, and
    managers for them), by the function the subclass names:
    ``class ComplaintCreate(CaseRequestMutation, operation=OPERATION_COMPLAINT, opens=open_complaint)``, where
    ``operation`` scopes the idempotency key and ``opens(opening) -> (Case, created)``.

    A request repeated with its idempotency key gets the case the first one opened, also when the database's unique
    key refuses the second of two parallel inserts.
    """

    class Meta:
        abstract = True

    operation: str
    opens: Callable[[CaseOpening], tuple[Case, bool]]

    @classmethod
    def __init_subclass_with_meta__(
        cls, operation: str, opens: Callable[[CaseOpening], tuple[Case, bool]], **options: Any
    ) -> None:
        cls.operation = operation
        cls.opens = staticmethod(opens)
        super().__init_subclass_with_meta__(audience=Audience.OWNER, **options)

    @classmethod
    def perform(cls, context: RequestContext, input: Mapping[str, Any]) -> Case:
        order = order_for(context, input["order"], input.get("email"))
        key = input.get("idempotency_key") or None
        actor = acting_actor(context)
        try:
            case, _created = cls.opens(CaseOpening(context, input, order, actor, key))
        except IntegrityError:
            existing = case_for_key(context.channel, scoped_key(context.channel, actor, cls.operation, key))
            if existing is None:
                raise
            return existing
        return case


def photo_urls(urls: Sequence[str] | None) -> tuple[str, ...]:
    result = []
    for index, url in enumerate(urls or ()):
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ServiceError(
                f"Photo URL {url!r} must be an http(s) address.", code="invalid", field=f"photoUrls.{index}"
            )
        result.append(url)
    return tuple(result)
