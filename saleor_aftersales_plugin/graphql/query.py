"""Queries: the published policy, the terms for a product, eligibility, cases, and KPIs."""

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import graphene
from babel.numbers import is_currency
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from graphql_relay.connection.arrayconnection import cursor_to_offset, offset_to_cursor

from ..domain.facts import CaseFacts, CaseKind, LineRequest, OrderFacts, OrderLineFacts, ProductFacts
from ..models import OrderRecord
from ..notifications.outbox import undelivered
from ..publishing import product_summary, render_policy_text
from ..publishing.language import Phrases, UnsupportedLanguage, last_local_minute, resolve_language
from ..rules.decision import CaseDecision, LineDecision
from ..rules.document import Policy
from ..rules.engine import ENGINE_REASONS, decide
from ..rules.fees import FeeKind
from ..rules.reasons import DEFAULT_REASONS, canonical_reason
from ..rules.zero_refund import REASON_ZERO_REFUND, ZERO_REFUND_TEXT
from ..services import ServiceError
from ..services.eligibility import ZeroRefundDecision, evaluate, load_policy, policy_for_order
from ..services.policies import current_policy
from ..services.queries import CaseFilter, Viewer, case_counts, customer_cases, list_cases, requests_for_order
from .access import case_for, decode_id, decode_uuid, is_manager, order_for, order_id, require_manager
from .api import RequestContext
from .inputs import amount_in
from .types import (
    AfterSalesCase,
    AfterSalesCaseCountableConnection,
    AfterSalesCaseKind,
    AfterSalesCaseStatus,
    AfterSalesMessage,
    AfterSalesPolicy,
    AfterSalesResolution,
    AfterSalesStats,
    ItemConditionEnum,
    PolicyForProduct,
    ReturnEligibility,
    ReturnReason,
    money,
)
from .types import Decimal as DecimalScalar

MAX_PAGE = 100
DEFAULT_STATS_DAYS = 30


def _language(policy: Policy, language: str | None) -> str:
    languages = policy.defaults.languages or ("en",)
    return language if language in languages else languages[0]


def reason_text(policy: Policy, code: str, language: str | None) -> str:
    """The customer-facing text of a reason: the policy's text in the language, the engine's, then the default."""
    texts = policy.texts.get(_language(policy, language)) or {}
    if code in texts:
        return texts[code]
    if code in ENGINE_REASONS:
        return ENGINE_REASONS[code]
    if code == REASON_ZERO_REFUND:
        return ZERO_REFUND_TEXT
    default = policy.texts.get(policy.defaults.languages[0]) if policy.defaults.languages else None
    return (default or {}).get(code) or code.replace("_", " ").capitalize() + "."


def _phrases(policy: Policy, language: str | None) -> Phrases:
    """The published text's phrases in the requested language, else the policy's, else English."""
    for candidate in (language, _language(policy, language)):
        try:
            return Phrases(resolve_language(candidate or ""))
        except UnsupportedLanguage:
            continue
    return Phrases("en")


def _reasons(policy: Policy, codes: Sequence[str], language: str | None) -> list[dict[str, str]]:
    return [{"code": code, "text": reason_text(policy, code, language)} for code in codes]


class PolicyView:
    """The published version with its typed policy, resolved lazily for the text field."""

    def __init__(self, version: Any) -> None:
        self.version_row = version
        self.policy = load_policy(version)

    @property
    def channel(self) -> str:
        return self.version_row.channel

    @property
    def version(self) -> int:
        return self.version_row.version

    @property
    def effective_from(self) -> datetime:
        return self.version_row.effective_from

    @property
    def effective_date(self) -> date:
        return self.policy.calendar.local_date(self.version_row.effective_from)

    @property
    def name(self) -> str:
        return self.policy.name

    @property
    def languages(self) -> list[str]:
        return list(self.policy.defaults.languages)

    @property
    def document(self) -> dict[str, Any]:
        return self.version_row.document

    def text_in(self, language: str | None = None) -> str:
        """The policy as plain text in ``language`` (the policy's first language when it has no such language)."""
        try:
            return render_policy_text(
                self.policy,
                _language(self.policy, language),
                version=self.version,
                effective_from=self.effective_from,
            )
        except ValueError as error:  # e.g. a language the renderer does not support
            raise ServiceError(str(error), field="language") from None


def _published(context: RequestContext) -> Any:
    version = current_policy(context.channel)
    if version is None:
        raise ServiceError(
            f"No after-sales policy is published for channel {context.channel!r} yet.", code="no_policy"
        )
    return version


class AttributeInput(graphene.InputObjectType):
    slug = graphene.String(required=True, description="Attribute slug, e.g. `final-sale`.")
    values = graphene.List(graphene.NonNull(graphene.String), required=True, description="Value slugs.")

    class Meta:
        description = "One product attribute with its values."


class LineQuantityInput(graphene.InputObjectType):
    line_id = graphene.ID(required=True, description="Saleor order line id (`OrderLine` global id or UUID).")
    quantity = graphene.Int(required=True, description="Units.")
    reason = graphene.String(
        description="Reason for this line: a code of afterSalesReturnReasons (overrides the request's reason)."
    )
    resolution = AfterSalesResolution(description="Resolution for this line (overrides the request's).")
    condition = ItemConditionEnum(description="Condition of the item, if known.")

    class Meta:
        description = "Units of one order line."


class CaseSortField(graphene.Enum):
    NUMBER = "number"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    STATUS = "status"
    RESOLUTION_DUE = "resolution_due"
    FIRST_RESPONSE_DUE = "first_response_due"

    class Meta:
        description = "Fields cases can be sorted by."


class OrderDirection(graphene.Enum):
    ASC = "asc"
    DESC = "desc"

    class Meta:
        description = "Sort direction."


class AfterSalesCaseSortingInput(graphene.InputObjectType):
    field = CaseSortField(required=True, description="Sort by this field.")
    direction = OrderDirection(required=True, description="Ascending or descending.")

    class Meta:
        description = "How to sort cases."


class AfterSalesCaseFilterInput(graphene.InputObjectType):
    kind = AfterSalesCaseKind(description="Only cases of this kind.")
    status = graphene.List(
        graphene.NonNull(AfterSalesCaseStatus), description="Only cases in these statuses."
    )
    overdue = graphene.Boolean(description="Only cases past (true) or within (false) an SLA deadline.")
    assignee = graphene.String(description="Only cases assigned to this person (empty string: unassigned).")
    created_from = graphene.DateTime(description="Created at or after this instant.")
    created_to = graphene.DateTime(description="Created before this instant.")
    customer_id = graphene.String(description="Only cases of this customer.")
    order = graphene.ID(description="Only cases of this Saleor order.")
    reason = graphene.String(description="Only cases with this reason code, e.g. `defective`.")
    search = graphene.String(description="A case number, an order number or part of the customer's email.")

    class Meta:
        description = "Filters of the case list."


def line_requests(
    order: OrderRecord,
    lines: Sequence[Mapping[str, Any]] | None,
    reason: str = "",
    resolution: str = "",
) -> list[LineRequest]:
    """Decode requested lines (global ids or UUIDs) and check they belong to the order."""
    if not lines:
        return requests_for_order(order, reason, resolution)
    known = {str(line.line_id) for line in order.lines.all()}
    requests = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        line_id = decode_uuid(line["line_id"], "OrderLine", f"lines.{index}.lineId")
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


def eligibility_answer(
    policy: Policy, decision: CaseDecision, order: OrderRecord, language: str | None, manager: bool
) -> dict[str, Any]:
    currency = decision.currency
    settlement = decision.settlement
    fees_by_line: dict[str, list[dict[str, Any]]] = {}
    for charge in settlement.charges:
        if charge.line_id:
            fees_by_line.setdefault(charge.line_id, []).append(
                {
                    "code": charge.code,
                    "amount": money(charge.amount, currency),
                    "line_id": _line_gid(charge.line_id),
                }
            )

    phrases = _phrases(policy, language)
    zeroed = (
        {item.line_id: item for item in decision.zero_refunds}
        if isinstance(decision, ZeroRefundDecision)
        else {}
    )

    def reasons(item: LineDecision) -> list[dict[str, str]]:
        found = _reasons(policy, item.reasons, language)
        if item.line_id in zeroed:
            zero = zeroed[item.line_id]
            text = phrases.zero_refund(zero.before_fees, zero.fees, currency, zero.outcome.value)
            found = [
                {**reason, "text": text} if reason["code"] == REASON_ZERO_REFUND else reason
                for reason in found
            ]
        return found

    def line(item: LineDecision) -> dict[str, Any]:
        local = (
            last_local_minute(item.window_ends_at, policy.defaults.time_zone)
            if item.window_ends_at is not None
            else None
        )
        return {
            "line_id": _line_gid(item.line_id),
            "quantity": item.quantity,
            "eligible": item.eligible,
            "reasons": reasons(item),
            "window_ends_at": item.window_ends_at,
            "window_ends_at_local": None
            if local is None
            else {"date": local.date, "time": f"{local.time:%H:%M}", "time_zone": local.time_zone},
            "window_ends_text": None if local is None else phrases.until(local),
            "fees": fees_by_line.get(item.line_id, []),
            "refund_estimate": money(settlement.net_by_line.get(item.line_id, Decimal(0)), currency),
            "allowed_resolutions": list(item.resolutions),
            "photos_required": item.photos_required,
            "review_required": item.review_required,
            "warranty_ends_at": item.warranty_ends_at,
            "in_warranty": item.in_warranty,
        }

    data = decision.to_dict() if manager else None
    return {
        "order_id": order_id(order),
        "kind": decision.kind.value,
        "eligible": decision.eligible,
        "lines": [line(item) for item in decision.lines],
        "refund_estimate": money(settlement.net, currency),
        "fees_total": money(settlement.fees_total, currency),
        "store_credit_estimate": money(decision.store_credit_amount, currency),
        "allowed_resolutions": list(decision.resolutions),
        "review_required": decision.review_required,
        "photos_required": decision.photos_required,
        "policy_version": decision.policy_version,
        "trace": [{"line_id": item["line_id"], "trace": item.get("trace")} for item in data["lines"]]
        if data
        else None,
    }


def _line_gid(line_id: str) -> str:
    return graphene.Node.to_global_id("OrderLine", line_id)


def product_terms(
    policy: Policy,
    policy_version: int,
    product: ProductFacts,
    price: Decimal | None,
    reason: str,
    condition: str,
    language: str | None,
    currency: str,
) -> dict[str, Any]:
    """Decide a hypothetical return of one unit of ``product`` in ``currency``, delivered just now, to show its
    terms; fixed fees come from the policy's amount in that currency (never converted)."""
    now = timezone.now()
    unit_price = price if price is not None else Decimal(0)
    line_facts = OrderLineFacts(
        line_id="product",
        product=product,
        quantity=1,
        unit_price=unit_price,
        paid_total=unit_price,
        quantity_fulfilled=1,
        fulfilled_at=now - timedelta(seconds=1),
        delivered_at=now - timedelta(seconds=1),
    )
    order = OrderFacts(
        order_id="product-terms",
        channel="",
        currency=currency,
        created_at=now - timedelta(seconds=2),
        lines=(line_facts,),
        total=unit_price,
    )
    facts = CaseFacts(
        kind=CaseKind.RETURN,
        order=order,
        lines=(LineRequest("product", 1, reason=reason, condition=condition or "unknown"),),
        now=now,
    )
    decision = decide(policy, facts, explain=False, policy_version=policy_version)
    item = decision.lines[0]
    charges = {charge.code: charge.amount for charge in decision.settlement.charges}
    terms = {
        "eligible": item.eligible,
        "reasons": _reasons(policy, item.reasons, language),
        "window": None
        if item.window is None
        else {
            "days": item.window.days,
            "anchor": item.window.anchor.value,
            "day_kind": item.window.day_kind.value,
        },
        "resolutions": list(item.resolutions),
        "fees": [
            {
                "code": fee.code,
                "kind": fee.kind.value,
                "amount": fee.amount,
                "scope": fee.scope.value,
                "cap": fee.cap,
                "currency": currency,
                "estimate": money(charges.get(fee.code, Decimal(0)), currency)
                if price is not None
                else (money(fee.amount, currency) if fee.kind is FeeKind.FIXED else None),
            }
            for fee in item.fees
        ],
        "review_required": item.review_required,
        "photos_required": item.photos_required,
        "warranty_months": item.warranty_months,
        "store_credit_bonus": item.store_credit_bonus,
        "policy_version": policy_version,
        "summary": None,
    }
    try:
        terms["summary"] = product_summary(
            policy, product, _language(policy, language), unit_price=price, currency=currency
        )
    except ValueError as error:
        raise ServiceError(str(error), field="language") from None
    return terms


def _page(first: int | None, after: str | None) -> tuple[int, int]:
    limit = MAX_PAGE if first is None else first
    if limit < 0 or limit > MAX_PAGE:
        raise ServiceError(f"first must be between 0 and {MAX_PAGE}, got {first}.", field="first")
    offset = 0
    if after:
        position = cursor_to_offset(after)
        if position is None:
            raise ServiceError(f"{after!r} is not a cursor of this list.", field="after")
        offset = position + 1
    return offset, limit


def connection(cases: list[Any], total: int, offset: int) -> dict[str, Any]:
    edges = [{"node": case, "cursor": offset_to_cursor(offset + index)} for index, case in enumerate(cases)]
    return {
        "edges": edges,
        "total_count": total,
        "page_info": {
            "has_next_page": offset + len(cases) < total,
            "has_previous_page": offset > 0,
            "start_cursor": edges[0]["cursor"] if edges else None,
            "end_cursor": edges[-1]["cursor"] if edges else None,
        },
    }


class Query(graphene.ObjectType):
    after_sales_policy = graphene.Field(
        AfterSalesPolicy,
        description="The channel's published after-sales policy (null when none is published).",
    )
    after_sales_return_reasons = graphene.List(
        graphene.NonNull(ReturnReason),
        required=True,
        language=graphene.String(
            description="Language of the labels; defaults to the policy's first language (a label missing in a "
            "language falls back to English)."
        ),
        description="The return reasons customers choose from, per line: the published policy's catalogue, or the "
        "default catalogue while none is published.",
    )
    after_sales_policy_for_product = graphene.Field(
        graphene.NonNull(PolicyForProduct),
        product_type=graphene.String(description="Product type slug."),
        category_path=graphene.List(
            graphene.NonNull(graphene.String),
            description="Category slugs from the root to the product's category.",
        ),
        collections=graphene.List(graphene.NonNull(graphene.String), description="Collection slugs."),
        sku=graphene.String(description="SKU of the variant."),
        attributes=graphene.List(
            graphene.NonNull(AttributeInput), description="Attributes and their values."
        ),
        is_gift_card=graphene.Boolean(description="Whether the product is a gift card."),
        price=DecimalScalar(description="Unit price, to estimate fees in money."),
        currency=graphene.String(
            description="ISO 4217 currency of `price` and of the fees quoted; the channel's currency (the policy's "
            "defaults.currency) by default. Fixed fees are quoted from the policy's amount in this currency, never "
            "converted: without one the product is not returnable automatically (reason `no_amount_in_currency`)."
        ),
        reason=graphene.String(description="Return reason to assume, e.g. `defective`."),
        condition=ItemConditionEnum(description="Item condition to assume, e.g. OPENED."),
        language=graphene.String(
            description="Language of the texts; defaults to the policy's first language."
        ),
        description="The terms that apply to one product or variant: window, resolutions and fees.",
    )
    return_eligibility = graphene.Field(
        graphene.NonNull(ReturnEligibility),
        order=graphene.ID(required=True, description="Saleor order id."),
        email=graphene.String(description="The order's email: required for guests."),
        lines=graphene.List(
            graphene.NonNull(LineQuantityInput),
            description="Lines and units; all returnable units when omitted.",
        ),
        reason=graphene.String(
            description="Reason code of the policy catalogue (afterSalesReturnReasons), e.g. `no_reason` or `defective`; applies to lines without their own reason. `changed_mind` is read as `no_reason`."
        ),
        resolution=AfterSalesResolution(description="Desired resolution."),
        kind=AfterSalesCaseKind(description="Kind of request; RETURN by default."),
        language=graphene.String(description="Language of the reason texts."),
        description="Whether lines of an order can be returned, and what the customer would receive.",
    )
    after_sales_case = graphene.Field(
        AfterSalesCase,
        id=graphene.ID(required=True, description="Case id."),
        email=graphene.String(description="The order's email: required for guests."),
        description="One case: staff and apps see any case of the channel, customers their own.",
    )
    after_sales_cases = graphene.Field(
        graphene.NonNull(AfterSalesCaseCountableConnection),
        filter=AfterSalesCaseFilterInput(description="Filters."),
        sort_by=AfterSalesCaseSortingInput(description="Sorting; newest first by default."),
        first=graphene.Int(description=f"Page size, at most {MAX_PAGE}."),
        after=graphene.String(description="Cursor to start after."),
        description="The channel's cases: staff and apps with MANAGE_ORDERS.",
    )
    my_after_sales_cases = graphene.Field(
        graphene.NonNull(AfterSalesCaseCountableConnection),
        first=graphene.Int(description=f"Page size, at most {MAX_PAGE}."),
        after=graphene.String(description="Cursor to start after."),
        description="The signed-in customer's cases, newest first.",
    )
    after_sales_outbox = graphene.Field(
        graphene.NonNull(graphene.List(graphene.NonNull(AfterSalesMessage))),
        include_waiting=graphene.Boolean(
            description="Also messages not tried yet; by default only failing ones (failed, or last attempt failed)."
        ),
        first=graphene.Int(description=f"How many, newest first; at most {MAX_PAGE}."),
        description=(
            "Messages the channel could not deliver, each with its last error (e.g. no mail backend configured): "
            "staff and apps with MANAGE_ORDERS."
        ),
    )
    after_sales_stats = graphene.Field(
        graphene.NonNull(AfterSalesStats),
        start=graphene.DateTime(
            name="from",
            description=f"Start of the period (inclusive); {DEFAULT_STATS_DAYS} days before `to` by default.",
        ),
        end=graphene.DateTime(name="to", description="End of the period (exclusive); now by default."),
        description="KPIs of the channel for a period: staff and apps with MANAGE_ORDERS.",
    )

    class Meta:
        description = "After-sales queries."

    @staticmethod
    def resolve_after_sales_policy(root: Any, info: Any) -> PolicyView | None:
        version = current_policy(info.context.channel)
        return PolicyView(version) if version is not None else None

    @staticmethod
    def resolve_after_sales_return_reasons(
        root: Any, info: Any, language: str | None = None
    ) -> list[dict[str, Any]]:
        version = current_policy(info.context.channel)
        policy = load_policy(version) if version is not None else None
        catalogue = policy.reasons if policy is not None else DEFAULT_REASONS
        chosen = _language(policy, language) if policy is not None else (language or "en")
        return [
            {
                "code": spec.code,
                "label": spec.label(chosen),
                "parent": spec.parent,
                "counts_as_defect": spec.counts_as_defect,
                "photos_required": spec.photos_required,
                "no_reason": spec.no_reason,
            }
            for spec in catalogue
        ]

    @staticmethod
    def resolve_after_sales_policy_for_product(
        root: Any,
        info: Any,
        product_type: str = "",
        category_path: Sequence[str] = (),
        collections: Sequence[str] = (),
        sku: str = "",
        attributes: Sequence[Mapping[str, Any]] = (),
        is_gift_card: bool = False,
        price: Decimal | None = None,
        currency: str | None = None,
        reason: str = "",
        condition: str | None = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        version = _published(info.context)
        if price is not None and price < 0:
            raise ServiceError("price cannot be negative.", field="price")
        policy = load_policy(version)
        currency = policy.defaults.currency if currency is None else currency
        if not is_currency(currency):
            raise ServiceError(
                f"{currency!r} is not an ISO 4217 currency code such as 'EUR', 'USD' or 'JPY' (in capitals).",
                field="currency",
            )
        price = amount_in(price, currency, "price")
        product = ProductFacts(
            sku=sku or "",
            product_type=product_type or "",
            category_path=tuple(category_path or ()),
            collections=tuple(collections or ()),
            attributes={item["slug"]: tuple(item["values"]) for item in attributes or ()},
            is_gift_card=bool(is_gift_card),
        )
        return product_terms(
            policy, version.version, product, price, reason or "", condition or "", language, currency
        )

    @staticmethod
    def resolve_return_eligibility(
        root: Any,
        info: Any,
        order: str,
        email: str | None = None,
        lines: Sequence[Mapping[str, Any]] | None = None,
        reason: str = "",
        resolution: str = "",
        kind: str | None = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        context: RequestContext = info.context
        record = order_for(context, order, email)
        requests = line_requests(record, lines, reason or "", resolution or "")
        manager = is_manager(context)
        decision, _version = evaluate(
            record, CaseKind(kind or CaseKind.RETURN), requests, explain=manager, host=context.host
        )
        policy, _ = policy_for_order(record)
        return eligibility_answer(policy, decision, record, language, manager)

    @staticmethod
    def resolve_after_sales_case(root: Any, info: Any, id: str, email: str | None = None) -> Any:
        return case_for(info.context, id, email, details=True)

    @staticmethod
    def resolve_after_sales_cases(
        root: Any,
        info: Any,
        filter: Mapping[str, Any] | None = None,
        sort_by: Mapping[str, Any] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> dict[str, Any]:
        context: RequestContext = info.context
        require_manager(context)
        filter = filter or {}
        order = filter.get("order")
        case_filter = CaseFilter(
            kind=filter.get("kind"),
            status=tuple(filter.get("status") or ()),
            overdue=filter.get("overdue"),
            assignee=filter.get("assignee"),
            created_from=filter.get("created_from"),
            created_to=filter.get("created_to"),
            customer_id=filter.get("customer_id"),
            order_id=decode_id(order, "Order", "filter.order") if order else None,
            reason=filter.get("reason"),
            search=filter.get("search"),
        )
        offset, limit = _page(first, after)
        sort_field, descending = "created_at", True
        if sort_by:
            sort_field, descending = sort_by["field"], sort_by["direction"] == "desc"
        cases, total = list_cases(
            context.channel,
            case_filter,
            sort_field=sort_field,
            descending=descending,
            offset=offset,
            limit=limit,
        )
        return connection(cases, total, offset)

    @staticmethod
    def resolve_my_after_sales_cases(
        root: Any, info: Any, first: int | None = None, after: str | None = None
    ) -> dict[str, Any]:
        principal = info.context.principal
        if principal.kind not in ("customer", "staff") or not principal.id:
            from .access import PermissionDenied

            raise PermissionDenied("Sign in to see your cases; guests look a case up with its order's email.")
        offset, limit = _page(first, after)
        cases, total = customer_cases(
            info.context.channel, Viewer(customer_id=principal.id), offset=offset, limit=limit
        )
        return connection(cases, total, offset)

    @staticmethod
    def resolve_after_sales_outbox(
        root: Any, info: Any, include_waiting: bool = False, first: int | None = None
    ) -> list[Any]:
        context: RequestContext = info.context
        require_manager(context)
        _offset, limit = _page(first, None)
        return undelivered(context.channel, include_waiting=bool(include_waiting), limit=limit)

    @staticmethod
    def resolve_after_sales_stats(
        root: Any, info: Any, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, Any]:
        context: RequestContext = info.context
        require_manager(context)
        end = end or timezone.now()
        start = start or end - timedelta(days=DEFAULT_STATS_DAYS)
        if end <= start:
            raise ServiceError("`to` must be after `from`.", field="to")
        from ..services.reporting import policy_kpis
        from ..services.stats import case_stats

        counts = case_counts(context.channel, start, end)
        figures: dict[str, Any] = {
            "counts": counts,
            **policy_kpis(context.channel, start, end),
            # Last, so its "cases" total wins over the breakdown that "counts" already gives.
            **case_stats(context.channel, start, end),
        }
        return {
            "channel": context.channel,
            "start": start,
            "end": end,
            "cases": counts["total"],
            "by_kind": [{"kind": kind, "count": count} for kind, count in counts["by_kind"].items()],
            "by_status": [
                {"status": status, "count": count} for status, count in counts["by_status"].items()
            ],
            "first_response": figures.get("first_response"),
            "resolution": figures.get("resolution"),
            "escalations": figures.get("escalations"),
            "figures": json.loads(json.dumps(figures, cls=DjangoJSONEncoder)),
        }
