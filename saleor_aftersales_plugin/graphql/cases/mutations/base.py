"""What every mutation answering a case shares: the payload, the case reloaded as the caller may see it, the case a
mutation works on, and opening a case once per idempotency key."""

from collections.abc import Mapping, Sequence
from typing import Any

import graphene
from django.db import IntegrityError

from ....domain.actors import Actor, actor_for
from ....models import Case, OrderRecord
from ....services import ServiceError
from ....services.idempotency import case_for_key, scoped_key
from ....services.queries import find_case
from ...core.context import RequestContext
from ...core.errors import AfterSalesError
from ...core.lookups import case_for, order_for
from ...core.mutations import BaseMutation
from ...core.permissions import viewer
from ...core.types import NonNullList
from ..types import AfterSalesCase

__all__ = ["CaseMutation", "CasePayload", "CaseRequestMutation", "CaseWorkMutation", "photo_urls"]


class CasePayload(graphene.ObjectType):
    case = graphene.Field(AfterSalesCase, description="The case after the mutation; null when it failed.")
    errors = NonNullList(AfterSalesError, required=True, description="What went wrong.")

    class Meta:
        description = "The answer of a case mutation."


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


class CaseWorkMutation(CaseMutation):
    """A mutation on the case its ``id`` argument names (guests add ``email``), as the caller may see it:
    subclasses implement ``work(context, case, actor, **other_arguments) -> Case``."""

    class Meta:
        abstract = True

    @classmethod
    def perform(cls, context: RequestContext, id: str, email: str | None = None, **arguments: Any) -> Case:
        return cls.work(context, case_for(context, id, email), actor_for(context.principal), **arguments)

    @classmethod
    def work(cls, context: RequestContext, case: Case, actor: Actor, **arguments: Any) -> Case:
        raise NotImplementedError


class CaseRequestMutation(CaseMutation):
    """A request opening a case for the order its ``input`` names, as the caller may see it: subclasses name their
    idempotency ``operation`` and implement ``create(context, request, order, actor, key) -> (Case, created)``.

    A request repeated with its idempotency key gets the case the first one opened, also when the database's unique
    key refuses the second of two parallel inserts.
    """

    operation: str

    class Meta:
        abstract = True

    @classmethod
    def perform(cls, context: RequestContext, input: Mapping[str, Any]) -> Case:
        order = order_for(context, input["order"], input.get("email"))
        key = input.get("idempotency_key") or None
        actor = actor_for(context.principal)
        try:
            case, _created = cls.create(context, input, order, actor, key)
        except IntegrityError:
            existing = case_for_key(context.channel, scoped_key(context.channel, actor, cls.operation, key))
            if existing is None:
                raise
            return existing
        return case

    @classmethod
    def create(
        cls,
        context: RequestContext,
        request: Mapping[str, Any],
        order: OrderRecord,
        actor: Actor,
        key: str | None,
    ) -> tuple[Case, bool]:
        raise NotImplementedError


def photo_urls(urls: Sequence[str] | None) -> tuple[str, ...]:
    result = []
    for index, url in enumerate(urls or ()):
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise ServiceError(
                f"Photo URL {url!r} must be an http(s) address.", code="invalid", field=f"photoUrls.{index}"
            )
        result.append(url)
    return tuple(result)
