from collections.abc import Mapping
from typing import Any

from ...models import Case, OutboxMessage
from ...notifications.outbox import undelivered
from ...services.queries import Viewer, customer_cases, list_cases
from ..core.connection import Page
from ..core.context import RequestContext
from ..core.lookups import case_for
from .inputs import case_filter
from .types import AfterSalesCaseCountableConnection

__all__ = ["resolve_case", "resolve_cases", "resolve_my_cases", "resolve_outbox"]


def resolve_case(context: RequestContext, global_id: str, email: str | None) -> Case:
    return case_for(context, global_id, email, details=True)


def resolve_cases(
    context: RequestContext,
    filter_input: Mapping[str, Any] | None,
    sort_by: Mapping[str, Any] | None,
    first: int | None,
    after: str | None,
) -> AfterSalesCaseCountableConnection:
    cases_filter = case_filter(filter_input or {})
    page = Page.of(first, after)
    sort_field, descending = "created_at", True
    if sort_by:
        sort_field, descending = sort_by["field"], sort_by["direction"] == "desc"
    cases, total = list_cases(
        context.channel,
        cases_filter,
        sort_field=sort_field,
        descending=descending,
        offset=page.offset,
        limit=page.limit,
    )
    return AfterSalesCaseCountableConnection.of(cases, total, page)


def resolve_my_cases(
    context: RequestContext, first: int | None, after: str | None
) -> AfterSalesCaseCountableConnection:
    page = Page.of(first, after)
    mine = Viewer(customer_id=context.principal.id)
    cases, total = customer_cases(context.channel, mine, offset=page.offset, limit=page.limit)
    return AfterSalesCaseCountableConnection.of(cases, total, page)


def resolve_outbox(context: RequestContext, include_waiting: bool, first: int | None) -> list[OutboxMessage]:
    return undelivered(context.channel, include_waiting=include_waiting, limit=Page.of(first).limit)
