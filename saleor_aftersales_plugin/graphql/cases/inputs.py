"""Inputs naming order lines, the arguments every case operation shares, and the filters of the case list."""

from collections.abc import Mapping, Sequence
from typing import Any

import graphene

from ...domain.facts import LineRequest
from ...models import OrderRecord
from ...rules.reasons import canonical_reason
from ...services import ServiceError
from ...services.queries import CaseFilter, requests_for_order
from ..core.enums import OrderDirection
from ..core.ids import from_global_id, uuid_from_global_id
from ..core.types import NonNullList
from .enums import (
    AfterSalesCaseKind,
    AfterSalesCaseStatus,
    AfterSalesResolution,
    CaseSortField,
    ItemConditionEnum,
)

__all__ = [
    "AfterSalesCaseFilterInput",
    "AfterSalesCaseSortingInput",
    "CaseLineInput",
    "CaseRequestInput",
    "LineQuantityInput",
    "case_filter",
    "case_id_argument",
    "email_argument",
    "line_requests",
]


def email_argument() -> graphene.String:
    return graphene.String(description="The order's email: required for guests.")


def case_id_argument() -> graphene.ID:
    return graphene.ID(required=True, description="Case id.")


def idempotency_key_argument() -> graphene.String:
    return graphene.String(description="Repeating a request with the same key returns the same case.")


class LineQuantityInput(graphene.InputObjectType):
    """Units of one order line."""

    line_id = graphene.ID(required=True, description="Saleor order line id (`OrderLine` global id or UUID).")
    quantity = graphene.Int(required=True, description="Units.")
    reason = graphene.String(
        description="Reason for this line: a code of afterSalesReturnReasons (overrides the request's reason)."
    )
    resolution = AfterSalesResolution(description="Resolution for this line (overrides the request's).")
    condition = ItemConditionEnum(description="Condition of the item, if known.")


class CaseLineInput(LineQuantityInput):
    """Units of one order line to put in a case."""


class CaseRequestInput(graphene.InputObjectType):
    """What every request opening a case starts with: the order, and for guests its email."""

    order = graphene.ID(required=True, description="Saleor order id.")
    email = email_argument()

    class Meta:
        abstract = True


def line_requests(
    order: OrderRecord,
    lines: Sequence[Mapping[str, Any]] | None,
    reason: str = "",
    resolution: str = "",
) -> list[LineRequest]:
    """Decode requested lines (global ids or UUIDs) and check they belong to the order; all returnable units of
    the order without ``lines``."""
    if not lines:
        return requests_for_order(order, reason, resolution)
    known = {str(line.line_id) for line in order.lines.all()}
    requests = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        line_id = uuid_from_global_id(line["line_id"], "OrderLine", f"lines.{index}.lineId")
        if line_id in seen:
            raise ServiceError(
                f"Line {line['line_id']} is listed twice; list each line once with all its units.",
                code="duplicated",
                field=f"lines.{index}.lineId",
            )
        seen.add(line_id)
        if line_id not in known:
            raise ServiceError(
                f"Order {order.number or order.order_id} has no line {line['line_id']}.",
                code="not_found",
                field=f"lines.{index}.lineId",
            )
        quantity = line["quantity"]
        if quantity is None or quantity < 1:
            raise ServiceError(
                f"Quantity must be at least 1, got {quantity}.",
                code="invalid",
                field=f"lines.{index}.quantity",
            )
        requests.append(
            LineRequest(
                line_id,
                quantity,
                reason=canonical_reason(line.get("reason") or reason),
                resolution=line.get("resolution") or resolution,
                condition=line.get("condition") or "unknown",
            )
        )
    return requests


class AfterSalesCaseSortingInput(graphene.InputObjectType):
    """How to sort cases."""

    field = CaseSortField(required=True, description="Sort by this field.")
    direction = OrderDirection(required=True, description="Ascending or descending.")


class AfterSalesCaseFilterInput(graphene.InputObjectType):
    """Filters of the case list."""

    kind = AfterSalesCaseKind(description="Only cases of this kind.")
    status = NonNullList(AfterSalesCaseStatus, description="Only cases in these statuses.")
    overdue = graphene.Boolean(description="Only cases past (true) or within (false) an SLA deadline.")
    assignee = graphene.String(description="Only cases assigned to this person (empty string: unassigned).")
    created_from = graphene.DateTime(description="Created at or after this instant.")
    created_to = graphene.DateTime(description="Created before this instant.")
    customer_id = graphene.String(description="Only cases of this customer.")
    order = graphene.ID(description="Only cases of this Saleor order.")
    reason = graphene.String(description="Only cases with this reason code, e.g. `defective`.")
    search = graphene.String(description="A case number, an order number or part of the customer's email.")


def case_filter(filter_input: Mapping[str, Any]) -> CaseFilter:
    order = filter_input.get("order")
    return CaseFilter(
        kind=filter_input.get("kind"),
        status=tuple(filter_input.get("status") or ()),
        overdue=filter_input.get("overdue"),
        assignee=filter_input.get("assignee"),
        created_from=filter_input.get("created_from"),
        created_to=filter_input.get("created_to"),
        customer_id=filter_input.get("customer_id"),
        order_id=from_global_id(order, "Order", "filter.order") if order else None,
        reason=filter_input.get("reason"),
        search=filter_input.get("search"),
    )
