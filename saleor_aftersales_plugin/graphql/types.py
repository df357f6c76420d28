"""GraphQL types: enums with stable codes, money, cases with their lines and events, eligibility answers."""

from decimal import Decimal as PyDecimal
from typing import Any

import graphene
from graphene.types.generic import GenericScalar

from ..domain import cases as machine
from ..domain.facts import CaseKind, ItemCondition, Resolution
from ..domain.money import quantize
from ..models import Case, CaseEvent, CaseLine
from ..services.conversations import COMPLAINT_CATEGORIES
from .access import order_id
from .visibility import customer_visible


class AfterSalesCaseKind(graphene.Enum):
    class Meta:
        enum = CaseKind
        description = "What the customer asks for."


class AfterSalesCaseStatus(graphene.Enum):
    class Meta:
        enum = machine.CaseStatus
        description = "Where a case stands; each kind has its own state machine."


class AfterSalesResolution(graphene.Enum):
    class Meta:
        enum = Resolution
        description = "How a case is settled."


class ItemConditionEnum(graphene.Enum):
    class Meta:
        enum = ItemCondition
        name = "ItemCondition"
        description = "Condition of a returned item, recorded at inspection."


ComplaintCategory = graphene.Enum(
    "ComplaintCategory",
    [(category.upper(), category) for category in COMPLAINT_CATEGORIES],
    description="What a complaint is about.",
)

ERROR_CODES = (
    "GRAPHQL_ERROR",
    "INVALID",
    "REQUIRED",
    "NOT_FOUND",
    "PERMISSION_DENIED",
    "INVALID_STATUS",
    "INVALID_KIND",
    "NOT_ELIGIBLE",
    "NOT_ALLOWED",
    "PHOTOS_REQUIRED",
    "DUPLICATED",
    "IN_WARRANTY",
    "QUOTE_REQUIRED",
    "REFUND_EXCEEDS_PAID",
    "REFUND_REASON_REQUIRED",
    "REFUND_PENDING",
    "NO_POLICY",
    "FORBIDDEN",
)
AfterSalesErrorCode = graphene.Enum(
    "AfterSalesErrorCode",
    [(code, code) for code in ERROR_CODES],
    description="Stable error codes of after-sales mutations.",
)


def error_code(code: str) -> str:
    upper = (code or "").upper()
    return upper if upper in ERROR_CODES else "INVALID"


class JSON(GenericScalar):
    """Arbitrary JSON data (objects, lists, strings, numbers, booleans, null)."""


class Decimal(graphene.Decimal):
    """Graphene's Decimal, but text that is not a number is refused instead of failing inside the parser.

    Non-finite and out-of-range values are parsed so that the argument check can name the field they are in.
    """

    class Meta:
        name = "Decimal"

    @staticmethod
    def parse_value(value: Any) -> PyDecimal | None:
        if isinstance(value, bool) or not isinstance(value, str | int | float | PyDecimal):
            return None
        try:
            return PyDecimal(str(value).strip())
        except ArithmeticError:
            return None

    @classmethod
    def parse_literal(cls, node: Any) -> PyDecimal | None:
        value = getattr(node, "value", None)
        return cls.parse_value(value) if isinstance(value, str) else None


class AfterSalesError(graphene.ObjectType):
    field = graphene.String(
        description="Name of the input field the error is about (e.g. `lines.0.quantity`); null when it is about "
        "the request as a whole."
    )
    code = AfterSalesErrorCode(required=True, description="The error code.")
    message = graphene.String(required=True, description="What went wrong and how to fix it.")

    class Meta:
        description = "An error of an after-sales mutation."


class Money(graphene.ObjectType):
    amount = Decimal(required=True, description="The amount as a decimal string at the currency's precision.")
    currency = graphene.String(required=True, description="ISO 4217 currency code.")

    class Meta:
        description = "An amount of money in a currency."


def money(amount: PyDecimal | str | None, currency: str) -> dict[str, Any] | None:
    if amount is None:
        return None
    return {"amount": quantize(PyDecimal(str(amount)), currency), "currency": currency}


class Reason(graphene.ObjectType):
    code = graphene.String(required=True, description="Stable reason code (from the policy or the engine).")
    text = graphene.String(required=True, description="The reason in the requested language, for customers.")

    class Meta:
        description = "Why a line is (or is not) eligible."


class Fee(graphene.ObjectType):
    code = graphene.String(required=True, description="Fee code, e.g. `restocking` or `return_shipping`.")
    amount = graphene.Field(Money, required=True, description="The fee charged.")
    line_id = graphene.ID(description="Order line the fee is charged on; null for a case-wide fee.")

    class Meta:
        description = "A fee deducted from a refund."


class ReturnWindow(graphene.ObjectType):
    days = graphene.Int(required=True, description="Length of the window.")
    anchor = graphene.String(
        required=True, description="When the window starts: delivery, fulfillment or order."
    )
    day_kind = graphene.String(required=True, description="calendar or business days.")

    class Meta:
        description = "The period during which an item can be returned."


class ReturnReason(graphene.ObjectType):
    code = graphene.String(required=True, description="What to send as a line's `reason`, e.g. `defective`.")
    label = graphene.String(required=True, description="What the customer reads, in the requested language.")
    parent = graphene.String(
        description="Code of the reason this one refines (nested reasons); null at the top."
    )
    counts_as_defect = graphene.Boolean(required=True, description="Counted as a product defect in the KPIs.")
    photos_required = graphene.Boolean(
        required=True, description="Ask the customer for photos when they give this reason."
    )
    no_reason = graphene.Boolean(
        required=True, description="The no-questions-asked return (`no_reason`, the only such code)."
    )

    class Meta:
        description = "A return reason of the channel's policy catalogue, in the order storefronts show them."


class FeeTerm(graphene.ObjectType):
    code = graphene.String(required=True, description="Fee code.")
    kind = graphene.String(required=True, description="percent or fixed.")
    amount = Decimal(required=True, description="Percentage, or the fixed amount in `currency`.")
    scope = graphene.String(required=True, description="line or case.")
    cap = Decimal(description="Upper limit of this fee in `currency`, if any.")
    currency = graphene.String(
        required=True, description="ISO 4217 currency of a fixed amount and of the cap."
    )
    estimate = graphene.Field(
        Money, description="What the fee would be for the given price; null without a price."
    )

    class Meta:
        description = "A fee the policy would charge."


class ShopLocalTime(graphene.ObjectType):
    date = graphene.Date(required=True, description="The day on the shop's calendar, e.g. `2026-11-17`.")
    time = graphene.String(required=True, description="The time on the shop's clock, `HH:MM`, e.g. `23:59`.")
    time_zone = graphene.String(
        required=True, description="The shop's IANA time zone, e.g. `America/New_York`."
    )

    class Meta:
        description = "A moment as the shop's wall clock shows it, with the zone it is read in."


class LineEligibility(graphene.ObjectType):
    line_id = graphene.ID(required=True, description="Saleor order line id (`OrderLine` global id).")
    quantity = graphene.Int(required=True, description="Units asked about.")
    eligible = graphene.Boolean(required=True, description="Whether these units can go back.")
    reasons = graphene.List(
        graphene.NonNull(Reason), required=True, description="Why not (or the policy's reason to allow)."
    )
    window_ends_at = graphene.DateTime(
        description="When the return window of this line ends: the first instant a request is no longer accepted."
    )
    window_ends_at_local = graphene.Field(
        ShopLocalTime,
        description="The last minute a request is accepted, on the shop's clock (e.g. 2026-11-17 23:59 "
        "America/New_York); null without a window.",
    )
    window_ends_text = graphene.String(
        description="The same in words in the requested language, e.g. 'until November 17, 2026, 23:59 New York "
        "time'; null without a window."
    )
    fees = graphene.List(graphene.NonNull(Fee), required=True, description="Fees charged on this line.")
    refund_estimate = graphene.Field(Money, description="Refund for this line after fees.")
    allowed_resolutions = graphene.List(
        graphene.NonNull(AfterSalesResolution),
        required=True,
        description="Resolutions offered for this line.",
    )
    photos_required = graphene.Int(required=True, description="Photos the customer must attach.")
    review_required = graphene.Boolean(required=True, description="Whether staff review the request.")
    warranty_ends_at = graphene.DateTime(description="End of the warranty (repair requests).")
    in_warranty = graphene.Boolean(description="Whether the item is inside its warranty (repair requests).")

    class Meta:
        description = "The answer for one order line."


class ReturnEligibility(graphene.ObjectType):
    order_id = graphene.ID(required=True, description="Saleor order id.")
    kind = AfterSalesCaseKind(required=True, description="The kind of request decided.")
    eligible = graphene.Boolean(required=True, description="Whether at least one line is eligible.")
    lines = graphene.List(graphene.NonNull(LineEligibility), required=True, description="Per line answers.")
    refund_estimate = graphene.Field(
        Money, required=True, description="Refund for the eligible lines after fees."
    )
    fees_total = graphene.Field(Money, required=True, description="All fees together.")
    store_credit_estimate = graphene.Field(
        Money, required=True, description="Store credit instead of a refund (bonus included)."
    )
    allowed_resolutions = graphene.List(
        graphene.NonNull(AfterSalesResolution),
        required=True,
        description="Resolutions offered for all lines.",
    )
    review_required = graphene.Boolean(required=True, description="Whether staff will review the request.")
    photos_required = graphene.Int(required=True, description="Photos the request needs.")
    policy_version = graphene.Int(description="Version of the policy the order is judged by.")
    trace = JSON(description="Full rule trace per line: staff and apps only, null for customers.")

    class Meta:
        description = "What the policy says about a possible request, line by line."


class AfterSalesCaseLine(graphene.ObjectType):
    order_line_id = graphene.ID(required=True, description="Saleor order line id.")
    sku = graphene.String(description="SKU of the item.")
    product_name = graphene.String(description="Name of the product.")
    quantity = graphene.Int(required=True, description="Units in the case.")
    reason = graphene.String(description="Reason given for this line.")
    requested_resolution = AfterSalesResolution(description="Resolution asked for this line.")
    condition = ItemConditionEnum(description="Condition found at inspection (UNKNOWN before).")
    eligible = graphene.Boolean(description="Decision: whether the line was eligible.")
    reasons = graphene.List(graphene.NonNull(graphene.String), description="Decision reason codes.")
    window_ends_at = graphene.DateTime(description="End of the return window of this line.")
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

    class Meta:
        description = "One order line in a case."

    @staticmethod
    def resolve_order_line_id(line: CaseLine, info: Any) -> str:
        return graphene.Node.to_global_id("OrderLine", str(line.order_line.line_id))

    @staticmethod
    def resolve_requested_resolution(line: CaseLine, info: Any) -> str | None:
        return line.requested_resolution or None

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
    def resolve_window_ends_at(line: CaseLine, info: Any) -> str | None:
        window = (line.decision or {}).get("window") or {}
        return _instant(window.get("ends_at"))

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


def _instant(value: Any) -> Any:
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value) if isinstance(value, str) else value


class AfterSalesCaseEvent(graphene.ObjectType):
    type = graphene.String(
        required=True, description="Event type, e.g. created, status_changed, reply, note."
    )
    at = graphene.DateTime(required=True, description="When it happened.")
    from_status = AfterSalesCaseStatus(description="Status before a status change.")
    to_status = AfterSalesCaseStatus(description="Status after a status change.")
    actor_type = graphene.String(required=True, description="customer, staff, app or system.")
    actor_id = graphene.String(description="Who acted: staff and apps only.")
    message = graphene.String(description="The message of the event.")
    internal = graphene.Boolean(required=True, description="True for events customers never see.")
    trace = JSON(description="The rule trace recorded with the event: staff and apps only.")
    payload = JSON(description="Details (references, amounts): staff and apps only.")

    class Meta:
        description = "One entry of a case's history."

    @staticmethod
    def resolve_from_status(event: CaseEvent, info: Any) -> str | None:
        return event.from_status or None

    @staticmethod
    def resolve_to_status(event: CaseEvent, info: Any) -> str | None:
        return event.to_status or None

    @staticmethod
    def resolve_internal(event: CaseEvent, info: Any) -> bool:
        return not customer_visible(event)


class DecisionSummary(graphene.ObjectType):
    eligible = graphene.Boolean(description="Whether the request was eligible.")
    review_required = graphene.Boolean(description="Whether staff review the request.")
    photos_required = graphene.Int(description="Photos the request needs.")
    resolutions = graphene.List(graphene.NonNull(AfterSalesResolution), description="Resolutions offered.")
    escalation_path = graphene.String(description="Escalation path of the case: staff and apps only.")
    policy_version = graphene.Int(description="Policy version that decided.")
    decided_at = graphene.DateTime(description="As of when the case was decided.")

    class Meta:
        description = "The policy's decision on a case, without its rule trace."


class Deadlines(graphene.ObjectType):
    first_response_due = graphene.DateTime(description="When the first response is due.")
    first_responded_at = graphene.DateTime(description="When the shop first responded.")
    resolution_due = graphene.DateTime(description="When the case should be resolved.")
    resolved_at = graphene.DateTime(description="When the case was resolved.")

    class Meta:
        description = "Service-level deadlines of a case."


class AfterSalesCase(graphene.ObjectType):
    id = graphene.ID(required=True, description="Global id (`AfterSalesCase`).")
    number = graphene.Int(required=True, description="Case number, a sequence per channel.")
    channel = graphene.String(required=True, description="Channel slug.")
    kind = AfterSalesCaseKind(required=True, description="Return, exchange, repair or complaint.")
    status = AfterSalesCaseStatus(required=True, description="Current status.")
    allowed_next_statuses = graphene.List(
        graphene.NonNull(AfterSalesCaseStatus),
        required=True,
        description="Statuses the case may move to next.",
    )
    order_id = graphene.ID(required=True, description="Saleor order id.")
    order_number = graphene.String(description="Order number.")
    customer_email = graphene.String(description="Email of the order.")
    reason = graphene.String(description="Reason given by the customer.")
    comment = graphene.String(description="Customer's comment.")
    category = ComplaintCategory(description="Complaint category (complaints only).")
    photo_urls = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="Attached photos."
    )
    requested_resolution = AfterSalesResolution(description="Resolution the customer asked for.")
    resolution = AfterSalesResolution(description="Resolution carried out; null until resolved.")
    lines = graphene.List(
        graphene.NonNull(AfterSalesCaseLine), required=True, description="Order lines in the case."
    )
    refund = graphene.Field(Money, description="Refund after fees (estimate until resolved).")
    fees = graphene.Field(Money, description="Fees deducted, or the repair quote.")
    store_credit = graphene.Field(Money, description="Store credit offered instead of a refund.")
    deadlines = graphene.Field(Deadlines, required=True, description="Service-level deadlines.")
    assignee = graphene.String(description="Who works on the case: staff and apps only.")
    escalation_tier = graphene.Int(
        description="Escalation tier, 0 when not escalated: staff and apps only, null for customers."
    )
    decision = graphene.Field(DecisionSummary, required=True, description="Summary of the policy's decision.")
    events = graphene.List(
        graphene.NonNull(AfterSalesCaseEvent),
        required=True,
        description="History; customers see only customer-visible events, never notes or traces.",
    )
    failure_message = graphene.String(
        description="Why the last resolution attempt failed: staff and apps only."
    )
    policy_version = graphene.Int(description="Policy version the case is judged by.")
    created_at = graphene.DateTime(required=True, description="When the case was opened.")
    updated_at = graphene.DateTime(required=True, description="When the case last changed.")

    class Meta:
        description = "A return, exchange, repair or warranty claim, or complaint."

    @staticmethod
    def resolve_id(case: Case, info: Any) -> str:
        return graphene.Node.to_global_id("AfterSalesCase", str(case.pk))

    @staticmethod
    def resolve_allowed_next_statuses(case: Case, info: Any) -> list[str]:
        return list(machine.allowed_next(case.kind, case.status))

    @staticmethod
    def resolve_order_id(case: Case, info: Any) -> str:
        return order_id(case.order)

    @staticmethod
    def resolve_order_number(case: Case, info: Any) -> str:
        return case.order.number

    @staticmethod
    def resolve_requested_resolution(case: Case, info: Any) -> str | None:
        return case.requested_resolution or None

    @staticmethod
    def resolve_resolution(case: Case, info: Any) -> str | None:
        return case.resolution or None

    @staticmethod
    def resolve_category(case: Case, info: Any) -> str | None:
        return case.category or None

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


class PageInfo(graphene.ObjectType):
    has_next_page = graphene.Boolean(required=True, description="Whether more items follow.")
    has_previous_page = graphene.Boolean(required=True, description="Whether items precede.")
    start_cursor = graphene.String(description="Cursor of the first item.")
    end_cursor = graphene.String(description="Cursor of the last item.")

    class Meta:
        description = "Relay page information."


class AfterSalesCaseEdge(graphene.ObjectType):
    node = graphene.Field(AfterSalesCase, required=True, description="The case.")
    cursor = graphene.String(required=True, description="Cursor to pass as `after`.")

    class Meta:
        description = "A case in a connection."


class AfterSalesCaseCountableConnection(graphene.ObjectType):
    edges = graphene.List(graphene.NonNull(AfterSalesCaseEdge), required=True, description="The cases.")
    page_info = graphene.Field(PageInfo, required=True, description="Page information.")
    total_count = graphene.Int(required=True, description="Number of cases matching the filter.")

    class Meta:
        description = "A page of cases (Relay connection)."


class AfterSalesPolicy(graphene.ObjectType):
    channel = graphene.String(required=True, description="Channel slug.")
    version = graphene.Int(required=True, description="Published version number.")
    effective_from = graphene.DateTime(required=True, description="When this version took effect.")
    effective_date = graphene.Date(
        required=True,
        description="The day this version took effect on the shop's calendar (its time zone), as the published "
        "text and the policy page state it.",
    )
    name = graphene.String(description="Name of the policy.")
    languages = graphene.List(
        graphene.NonNull(graphene.String), required=True, description="Policy languages."
    )
    document = JSON(required=True, description="The structured policy document.")
    text = graphene.String(
        language=graphene.String(description="Language, e.g. `en`; defaults to the policy's first language."),
        description="The policy as readable plain text, in the requested language.",
    )

    class Meta:
        description = "The published after-sales policy of the channel."

    @staticmethod
    def resolve_text(view: Any, info: Any, language: str | None = None) -> str:
        return view.text_in(language)


class PolicyForProduct(graphene.ObjectType):
    eligible = graphene.Boolean(required=True, description="Whether the product can be returned at all.")
    reasons = graphene.List(graphene.NonNull(Reason), required=True, description="Why (not).")
    window = graphene.Field(ReturnWindow, description="The return window.")
    resolutions = graphene.List(
        graphene.NonNull(AfterSalesResolution), required=True, description="Resolutions offered."
    )
    fees = graphene.List(graphene.NonNull(FeeTerm), required=True, description="Fees that would apply.")
    review_required = graphene.Boolean(required=True, description="Whether returns are reviewed by staff.")
    photos_required = graphene.Int(required=True, description="Photos a return needs.")
    warranty_months = graphene.Int(required=True, description="Warranty length in months.")
    store_credit_bonus = Decimal(required=True, description="Extra percent for choosing store credit.")
    policy_version = graphene.Int(required=True, description="Policy version used.")
    summary = graphene.String(
        description="A short text for product pages; null when no renderer is installed."
    )

    class Meta:
        description = "The terms for one product, e.g. for product and checkout pages."


class KindCount(graphene.ObjectType):
    kind = AfterSalesCaseKind(required=True, description="Case kind.")
    count = graphene.Int(required=True, description="Cases of this kind opened in the period.")

    class Meta:
        description = "Cases of one kind."


class StatusCount(graphene.ObjectType):
    status = AfterSalesCaseStatus(required=True, description="Current status.")
    count = graphene.Int(required=True, description="Cases opened in the period that are now in this status.")

    class Meta:
        description = "Cases in one status."


class SlaFigures(graphene.ObjectType):
    measured = graphene.Int(required=True, description="Cases measured: done, or past their deadline.")
    within_target = graphene.Int(required=True, description="Cases done no later than their deadline.")
    share_within_target = graphene.Float(
        description="within_target / measured (0..1); null when none measured."
    )
    median_hours = graphene.Float(description="Median hours from opening; null when none is done.")
    p90_hours = graphene.Float(description="90th percentile of hours from opening; null when none is done.")

    class Meta:
        description = "How cases met one service-level target."


class EscalationTierCount(graphene.ObjectType):
    tier = graphene.Int(required=True, description="Tier reached.")
    name = graphene.String(required=True, description="Name of the tier, e.g. supervisor.")
    count = graphene.Int(required=True, description="Escalations to this tier in the period.")

    class Meta:
        description = "Escalations to one tier."


class EscalationFigures(graphene.ObjectType):
    total = graphene.Int(required=True, description="Escalations in the period.")
    by_tier = graphene.List(graphene.NonNull(EscalationTierCount), required=True, description="Per tier.")

    class Meta:
        description = "Escalations in a period."


class AfterSalesStats(graphene.ObjectType):
    channel = graphene.String(required=True, description="Channel slug.")
    start = graphene.DateTime(name="from", required=True, description="Start of the period (inclusive).")
    end = graphene.DateTime(name="to", required=True, description="End of the period (exclusive).")
    cases = graphene.Int(required=True, description="Cases opened in the period.")
    by_kind = graphene.List(graphene.NonNull(KindCount), required=True, description="Cases per kind.")
    by_status = graphene.List(
        graphene.NonNull(StatusCount), required=True, description="Cases per current status."
    )
    first_response = graphene.Field(SlaFigures, description="First responses against their target.")
    resolution = graphene.Field(SlaFigures, description="Resolutions against their target.")
    escalations = graphene.Field(EscalationFigures, description="Escalations.")
    figures = JSON(
        required=True,
        description=(
            "Every KPI of the period as JSON, including those above: counts, first_response, resolution, "
            "escalations, reasons (per kind), return_rates (per product and category), money (refunds, store "
            "credit and fees per currency) and sla."
        ),
    )
    csv = graphene.String(
        required=True, description="The same KPIs as CSV (section,group,key,value), for spreadsheets."
    )

    class Meta:
        description = "After-sales KPIs for a period."

    @staticmethod
    def resolve_csv(root: dict[str, Any], info: Any) -> str:
        from ..services.reporting import kpis_csv

        return kpis_csv(root["channel"], root["start"], root["end"])


class AfterSalesMessage(graphene.ObjectType):
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
    case_id = graphene.ID(description="The case it is about (`AfterSalesCase` global id), if any.")

    class Meta:
        description = "An after-sales message that has not been delivered."

    @staticmethod
    def resolve_next_attempt_at(message: Any, info: Any) -> Any:
        return None if message.status == "failed" else message.next_attempt_at

    @staticmethod
    def resolve_case_id(message: Any, info: Any) -> str | None:
        return graphene.Node.to_global_id("AfterSalesCase", str(message.case_id)) if message.case_id else None


class PolicyValidationError(graphene.ObjectType):
    path = graphene.String(required=True, description="JSON path of the problem, e.g. `$.rules[0].actions`.")
    code = graphene.String(required=True, description="Stable code of the problem (see docs/policy.md).")
    message = graphene.String(required=True, description="What is wrong and how to fix it.")

    class Meta:
        description = "A problem in a policy document."
