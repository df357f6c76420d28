"""The case type with its lines, events, decision and deadlines; pages of cases; undelivered messages."""

from typing import Any

import graphene
from django.utils.dateparse import parse_datetime

from ...domain import cases as machine
from ...domain.facts import Resolution
from ...i18n import reason_text
from ...models import Case, CaseEvent, CaseLine, OutboxMessage
from ...rules.document import Policy
from ...services import ServiceError
from ...services.eligibility import load_policy, policy_for_order
from ..complaints.enums import ComplaintCategory
from ..core.connection import CountableConnection
from ..core.fields import BlankIsNull, GlobalIdOf
from ..core.scalars import JSON
from ..core.types import Money, NonNullList, money
from ..policy.texts import reason_entries, window_end
from ..policy.types import Reason
from ..returns.types import ShopLocalTime
from .enums import (
    AfterSalesCaseKind,
    AfterSalesCaseStatus,
    AfterSalesResolution,
    ItemConditionEnum,
    resolutions_offered,
)
from .visibility import customer_visible

__all__ = ["AfterSalesCase", "AfterSalesCaseCountableConnection", "AfterSalesMessage"]


def _instant(value: Any) -> Any:
    return parse_datetime(value) if isinstance(value, str) else value


def _deciding_policy(case: Case) -> Policy | None:
    """The policy version that decided the case (its texts, its time zone), else the one its order is judged by."""
    if case.policy_version_id is not None:
        return load_policy(case.policy_version)
    try:
        return policy_for_order(case.order)[0]
    except ServiceError:
        return None


_LANGUAGE = "Language of the text; the policy's first language by default."


class AfterSalesCaseLine(graphene.ObjectType):
    """One order line in a case."""

    order_line_id = GlobalIdOf(
        "OrderLine", "order_line.line_id", required=True, description="Saleor order line id."
    )
    sku = graphene.String(description="SKU of the item.")
    product_name = graphene.String(description="Name of the product.")
    quantity = graphene.Int(required=True, description="Units in the case.")
    reason = graphene.String(description="Reason given for this line.")
    requested_resolution = BlankIsNull(AfterSalesResolution, description="Resolution asked for this line.")
    condition = ItemConditionEnum(description="Condition found at inspection (UNKNOWN before).")
    eligible = graphene.Boolean(description="Decision: whether the line was eligible.")
    reasons = NonNullList(graphene.String, description="Decision reason codes.")
    reason_texts = NonNullList(
        Reason,
        required=True,
        language=graphene.String(description=_LANGUAGE),
        description="The decision's reasons with their texts (the policy's own texts first), as `reasons` orders "
        "them.",
    )
    window_ends_at = graphene.DateTime(
        description="End of the return window of this line: the first instant a request is no longer accepted."
    )
    window_ends_at_local = graphene.Field(
        ShopLocalTime, description="The window's last minute on the shop's clock; null without a window."
    )
    window_ends_text = graphene.String(
        language=graphene.String(description=_LANGUAGE),
        description="The same in words, e.g. 'until November 17, 2026, 23:59 New York time'; null without a window.",
    )
    refund = graphene.Field(Money, description="Refund for this line after fees.")
    fee = graphene.Field(Money, description="Fees charged on this line.")
    paid = graphene.Field(
        Money,
        description=(
            "What the customer paid for the whole order line (all its units, after its share of order discounts): "
            "staff and apps only."
        ),
    )
    already_refunded = graphene.Field(
        Money,
        description=(
            "Money refunded for the whole order line so far, by this service or in Saleor outside it (never more "
            "than paid): staff and apps only."
        ),
    )
    decision = JSON(description="The line's decision with its rule trace: staff and apps only.")

    @staticmethod
    def resolve_sku(line: CaseLine, info: Any) -> str:
        return line.order_line.sku

    @staticmethod
    def resolve_product_name(line: CaseLine, info: Any) -> str:
        return line.order_line.product_name

    @staticmethod
    def resolve_eligible(line: CaseLine, info: Any) -> bool | None:
        return (line.decision or {}).get("eligible")

    @staticmethod
    def resolve_reasons(line: CaseLine, info: Any) -> list[str]:
        return list((line.decision or {}).get("reasons") or [])

    @staticmethod
    def resolve_reason_texts(line: CaseLine, info: Any, language: str | None = None) -> list[dict[str, str]]:
        codes = list((line.decision or {}).get("reasons") or [])
        policy = _deciding_policy(line.case)
        if policy is None:
            return [{"code": code, "text": reason_text(code, language)} for code in codes]
        return reason_entries(policy, codes, language)

    @staticmethod
    def resolve_window_ends_at(line: CaseLine, info: Any) -> Any:
        window = (line.decision or {}).get("window") or {}
        return _instant(window.get("ends_at"))

    @staticmethod
    def resolve_window_ends_at_local(line: CaseLine, info: Any) -> dict[str, Any] | None:
        return _window_end(line, None)["window_ends_at_local"]

    @staticmethod
    def resolve_window_ends_text(line: CaseLine, info: Any, language: str | None = None) -> str | None:
        return _window_end(line, language)["window_ends_text"]

    @staticmethod
    def resolve_refund(line: CaseLine, info: Any) -> dict[str, Any] | None:
        return money(line.refund_amount, line.case.currency)

    @staticmethod
    def resolve_fee(line: CaseLine, info: Any) -> dict[str, Any] | None:
        return money(line.fee_amount, line.case.currency)

    @staticmethod
    def resolve_paid(line: CaseLine, info: Any) -> dict[str, Any] | None:
        return money(line.order_line.paid_total, line.case.currency)

    @staticmethod
    def resolve_already_refunded(line: CaseLine, info: Any) -> dict[str, Any] | None:
        return money(line.order_line.refunded_amount, line.case.currency)

    @staticmethod
    def resolve_decision(line: CaseLine, info: Any) -> dict[str, Any] | None:
        return line.decision


def _window_end(line: CaseLine, language: str | None) -> dict[str, Any]:
    ends_at = AfterSalesCaseLine.resolve_window_ends_at(line, None)
    return window_end(ends_at, _deciding_policy(line.case) if ends_at is not None else None, language)


class AfterSalesCaseEvent(graphene.ObjectType):
    """One entry of a case's history."""

    type = graphene.String(
        required=True, description="Event type, e.g. created, status_changed, reply, note."
    )
    at = graphene.DateTime(required=True, description="When it happened.")
    from_status = BlankIsNull(AfterSalesCaseStatus, description="Status before a status change.")
    to_status = BlankIsNull(AfterSalesCaseStatus, description="Status after a status change.")
    actor_type = graphene.String(required=True, description="customer, staff, app or system.")
    actor_id = graphene.String(description="Who acted: staff and apps only.")
    message = graphene.String(description="The message of the event.")
    internal = graphene.Boolean(required=True, description="True for events customers never see.")
    trace = JSON(description="The rule trace recorded with the event: staff and apps only.")
    payload = JSON(description="Details (references, amounts): staff and apps only.")

    @staticmethod
    def resolve_internal(event: CaseEvent, info: Any) -> bool:
        return not customer_visible(event)


class DecisionSummary(graphene.ObjectType):
    """The policy's decision on a case, without its rule trace."""

    eligible = graphene.Boolean(description="Whether the request was eligible.")
    review_required = graphene.Boolean(description="Whether staff review the request.")
    photos_required = graphene.Int(description="Photos the request needs.")
    resolutions = resolutions_offered(required=False)
    escalation_path = graphene.String(description="Escalation path of the case: staff and apps only.")
    policy_version = graphene.Int(description="Policy version that decided.")
    decided_at = graphene.DateTime(description="As of when the case was decided.")


class Deadlines(graphene.ObjectType):
    """Service-level deadlines of a case."""

    first_response_due = graphene.DateTime(description="When the first response is due.")
    first_responded_at = graphene.DateTime(description="When the shop first responded.")
    resolution_due = graphene.DateTime(description="When the case should be resolved.")
    resolved_at = graphene.DateTime(description="When the case was resolved.")


class AfterSalesCase(graphene.ObjectType):
    """A return, exchange, repair or warranty claim, or complaint."""

    id = GlobalIdOf("AfterSalesCase", "pk", required=True, description="Global id (`AfterSalesCase`).")
    number = graphene.Int(required=True, description="Case number, a sequence per channel.")
    channel = graphene.String(required=True, description="Channel slug.")
    kind = AfterSalesCaseKind(required=True, description="Return, exchange, repair or complaint.")
    status = AfterSalesCaseStatus(required=True, description="Current status.")
    allowed_next_statuses = NonNullList(
        AfterSalesCaseStatus,
        required=True,
        description="Statuses the case may move to next.",
    )
    order_id = GlobalIdOf("Order", "order.order_id", required=True, description="Saleor order id.")
    order_number = graphene.String(description="Order number.")
    customer_email = graphene.String(description="Email of the order.")
    reason = graphene.String(description="Reason given by the customer.")
    comment = graphene.String(description="Customer's comment.")
    category = BlankIsNull(ComplaintCategory, description="Complaint category (complaints only).")
    photo_urls = NonNullList(graphene.String, required=True, description="Attached photos.")
    requested_resolution = BlankIsNull(AfterSalesResolution, description="Resolution the customer asked for.")
    resolution = BlankIsNull(AfterSalesResolution, description="Resolution carried out; null until resolved.")
    lines = NonNullList(AfterSalesCaseLine, required=True, description="Order lines in the case.")
    refund = graphene.Field(Money, description="Refund after fees (estimate until resolved).")
    fees = graphene.Field(Money, description="Fees deducted, or the repair quote.")
    store_credit = graphene.Field(
        Money,
        description="Store credit offered instead of a refund; null once the case is resolved another way.",
    )
    deadlines = graphene.Field(Deadlines, required=True, description="Service-level deadlines.")
    assignee = graphene.String(description="Who works on the case: staff and apps only.")
    escalation_tier = graphene.Int(
        description="Escalation tier, 0 when not escalated: staff and apps only, null for customers."
    )
    decision = graphene.Field(DecisionSummary, required=True, description="Summary of the policy's decision.")
    events = NonNullList(
        AfterSalesCaseEvent,
        required=True,
        description="History; customers see only customer-visible events, never notes or traces.",
    )
    failure_message = graphene.String(
        description="Why the last resolution attempt failed: staff and apps only."
    )
    policy_version = graphene.Int(description="Policy version the case is judged by.")
    created_at = graphene.DateTime(required=True, description="When the case was opened.")
    updated_at = graphene.DateTime(required=True, description="When the case last changed.")

    @staticmethod
    def resolve_allowed_next_statuses(case: Case, info: Any) -> list[str]:
        return list(machine.allowed_next(case.kind, case.status))

    @staticmethod
    def resolve_order_number(case: Case, info: Any) -> str:
        return case.order.number

    @staticmethod
    def resolve_lines(case: Case, info: Any) -> list[CaseLine]:
        return list(case.lines.all())

    @staticmethod
    def resolve_refund(case: Case, info: Any) -> dict[str, Any] | None:
        return money(case.refund_amount, case.currency)

    @staticmethod
    def resolve_fees(case: Case, info: Any) -> dict[str, Any] | None:
        return money(case.fees_amount, case.currency)

    @staticmethod
    def resolve_store_credit(case: Case, info: Any) -> dict[str, Any] | None:
        if case.resolution and case.resolution != Resolution.STORE_CREDIT:
            return None  # the offer of an option not taken: no store credit was issued
        return money(case.store_credit_amount, case.currency)

    @staticmethod
    def resolve_deadlines(case: Case, info: Any) -> dict[str, Any]:
        return {
            "first_response_due": case.first_response_due,
            "first_responded_at": case.first_responded_at,
            "resolution_due": case.resolution_due,
            "resolved_at": case.resolved_at,
        }

    @staticmethod
    def resolve_decision(case: Case, info: Any) -> dict[str, Any]:
        data = case.decision or {}
        return {
            "eligible": data.get("eligible"),
            "review_required": data.get("review_required"),
            "photos_required": data.get("photos_required"),
            "resolutions": data.get("resolutions") or [],
            "escalation_path": data.get("escalation_path"),
            "policy_version": data.get("policy_version"),
            "decided_at": _instant(data.get("decided_at")),
        }

    @staticmethod
    def resolve_events(case: Case, info: Any) -> list[CaseEvent]:
        return list(case.events.all())

    @staticmethod
    def resolve_policy_version(case: Case, info: Any) -> int | None:
        return case.policy_version.version if case.policy_version_id else None


class AfterSalesCaseCountableConnection(CountableConnection):
    """A page of cases (Relay connection)."""

    class Meta:
        node = AfterSalesCase
        edge_description = "A case in a connection."
        edges_description = "The cases."
        page_info_description = "Page information."

    class Edge:
        node = graphene.Field(AfterSalesCase, required=True, description="The case.")
        cursor = graphene.String(required=True, description="Cursor to pass as `after`.")

    total_count = graphene.Int(required=True, description="Number of cases matching the filter.")


class AfterSalesMessage(graphene.ObjectType):
    """An after-sales message that has not been delivered."""

    id = graphene.ID(
        required=True, description="Delivery id (the e-mail's Message-ID and notify delivery_id)."
    )
    event = graphene.String(required=True, description="Message event, e.g. approved or staff_new_case.")
    recipient = graphene.String(required=True, description="E-mail address or group:<name>.")
    status = graphene.String(
        required=True, description="pending (to be tried, or retried) or failed (gave up)."
    )
    attempts = graphene.Int(required=True, description="Delivery attempts so far.")
    last_error = graphene.String(description="Why the last attempt failed, e.g. the mail backend's error.")
    next_attempt_at = graphene.DateTime(description="When it is tried again; null once it gave up.")
    created_at = graphene.DateTime(required=True, description="When the message was written.")
    case_id = GlobalIdOf(
        "AfterSalesCase", "case_id", description="The case it is about (`AfterSalesCase` global id), if any."
    )

    @staticmethod
    def resolve_next_attempt_at(message: OutboxMessage, info: Any) -> Any:
        return None if message.status == "failed" else message.next_attempt_at
