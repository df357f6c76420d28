"""The variables a rule's conditions can test, in one registry.

Each variable is computed from a :class:`LineContext` (one requested order line in one case) by a plain getter. The
business-rules ``Variables`` class that the reference engine runs is generated from this registry, and the compiled
evaluator calls the same getters, so both engines always see the same values.
"""

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

import re2
from business_rules.operators import BaseType, BooleanType, NumericType, SelectMultipleType, StringType
from business_rules.variables import BaseVariables, rule_variable

from ..domain.facts import CaseFacts, CaseKind, ItemCondition, LineRequest, OrderLineFacts, Resolution
from .calendar import Anchor, BusinessCalendar, DayKind, resolve_anchor
from .reasons import DEFAULT_REASONS, canonical_reason
from .thresholds import AmountIn, MoneyType


@dataclass(frozen=True, slots=True)
class LineContext:
    """One requested line of a case, with what is needed to compute every variable."""

    facts: CaseFacts
    line: OrderLineFacts
    request: LineRequest
    calendar: BusinessCalendar
    prior_returns_days: int = 90
    currency: str = ""
    """The currency the case is decided in (the order's); money variables are amounts in it."""

    @property
    def order_currency(self) -> str:
        return self.currency or self.facts.order.currency.upper()


Getter = Callable[[LineContext], Any]

_PATTERN_OPTIONS = re2.Options()
_PATTERN_OPTIONS.log_errors = False


_EXCLUDED_WORDS = re.compile(r"^\^\(\?!\(?((?:[A-Za-z0-9_-]+\|)*[A-Za-z0-9_-]+)\)?\$\)(\.\*)?$")
"""``^(?!(CN|HK)$)``: "anything but these words", the one lookahead the policy language keeps (a set test)."""


def compile_pattern(pattern: str) -> Callable[[str], bool]:
    """The ``matches_regex`` operator: whether ``pattern`` is found in a text, in time linear in the text.

    RE2 (google-re2) never backtracks, so a pattern such as ``^(a+)+$`` cannot stall a decision on a
    customer-controlled text. Its syntax is Python's without backreferences and lookarounds, except the form
    ``^(?!(A|B)$)`` ("anything but A or B"), which is answered as a set test with Python's meaning of ``$``.
    ``ValueError`` says why a pattern is refused.
    """
    if excluded := _EXCLUDED_WORDS.match(pattern):
        words = frozenset(excluded.group(1).split("|"))
        return lambda text: text not in words and not (text.endswith("\n") and text[:-1] in words)
    try:
        search = re2.compile(pattern, options=_PATTERN_OPTIONS).search
    except re2.error as error:
        reason = error.args[0].decode() if error.args and isinstance(error.args[0], bytes) else str(error)
        raise ValueError(f"{pattern!r} is not a supported regular expression: {reason}.") from None
    return lambda text: search(text) is not None


@dataclass(frozen=True, slots=True)
class VariableSpec:
    name: str
    field_type: type[BaseType]
    label: str
    description: str
    getter: Getter
    options: tuple[str, ...] = ()
    example: Any = None

    @property
    def type_name(self) -> str:
        return self.field_type.name


def _anchor_instant(ctx: LineContext, anchor: Anchor) -> datetime:
    order = ctx.facts.order
    return resolve_anchor(
        anchor,
        delivered_at=ctx.line.delivered_at or order.delivered_at,
        fulfilled_at=ctx.line.fulfilled_at or order.fulfilled_at,
        ordered_at=order.created_at,
    )[1]


def _days_since(anchor: Anchor, day_kind: DayKind) -> Getter:
    def getter(ctx: LineContext) -> int:
        return ctx.calendar.days_between(_anchor_instant(ctx, anchor), ctx.facts.now, day_kind)

    return getter


def _months_since_delivery(ctx: LineContext) -> int:
    start = ctx.calendar.local_date(_anchor_instant(ctx, Anchor.DELIVERY))
    end = ctx.calendar.local_date(ctx.facts.now)
    months = (end.year - start.year) * 12 + (end.month - start.month)
    if end.day < start.day:
        months -= 1
    return max(months, 0)


_UNIT_PRICE_PLACES = Decimal("0.0001")


def _unit_price_paid(ctx: LineContext) -> AmountIn:
    line = ctx.line
    if line.quantity <= 0:
        return AmountIn(Decimal(0), ctx.order_currency)
    unit = (line.paid_total / line.quantity).quantize(_UNIT_PRICE_PLACES, ROUND_HALF_UP)
    return AmountIn(unit, ctx.order_currency)


def _attributes(ctx: LineContext) -> list[str]:
    """Attribute slugs, and ``slug:value`` for each value, so rules can test presence or a value."""
    attributes = ctx.line.product.attributes
    if not attributes:
        return []
    values: list[str] = []
    for slug, slug_values in sorted(attributes.items()):
        values.append(slug)
        values.extend(f"{slug}:{value}" for value in slug_values)
    return values


_DAY_ANCHOR_TEXT = {
    Anchor.DELIVERY: "delivery (the fulfilment, then the order, stands in while delivery is unknown)",
    Anchor.FULFILMENT: "fulfilment (the order stands in while nothing is fulfilled)",
    Anchor.ORDER: "the order being placed",
}


_DAY_KINDS = (
    # (day kind, name prefix, label prefix, what is counted, example)
    (DayKind.CALENDAR, "days", "Days", "Whole calendar days in the shop's time zone", 7),
    (
        DayKind.BUSINESS,
        "business_days",
        "Business days",
        "Business days (the shop's working days, public holidays excluded)",
        5,
    ),
)


def _day_variables() -> list[VariableSpec]:
    return [
        VariableSpec(
            f"{prefix}_since_{anchor.value}",
            NumericType,
            f"{label} since {anchor.value}",
            f"{counted} since {_DAY_ANCHOR_TEXT[anchor]}.",
            _days_since(anchor, day_kind),
            example=example,
        )
        for anchor in (Anchor.DELIVERY, Anchor.FULFILMENT, Anchor.ORDER)
        for day_kind, prefix, label, counted, example in _DAY_KINDS
    ]


MONEY_EXAMPLE = {"amount": "100.00", "currency": "EUR"}


def _listed(
    name: str, label: str, what: str, values: type[StrEnum], getter: Getter, example: StrEnum
) -> VariableSpec:
    """A text variable whose values are the members of ``values`` (validation refuses any other)."""
    options = tuple(value.value for value in values)
    return VariableSpec(
        name,
        StringType,
        label,
        f"{what}: {', '.join(options)}.",
        getter,
        options=options,
        example=example.value,
    )


VARIABLES: dict[str, VariableSpec] = {
    spec.name: spec
    for spec in [
        *_day_variables(),
        VariableSpec(
            "months_since_delivery",
            NumericType,
            "Months since delivery",
            "Whole months since delivery (fulfilment, then order, stands in while unknown); for warranty terms.",
            _months_since_delivery,
            example=12,
        ),
        VariableSpec(
            "order_total",
            MoneyType,
            "Order total",
            "Gross total the customer paid for the order, in the order's currency.",
            lambda ctx: AmountIn(ctx.facts.order.total, ctx.order_currency),
            example=MONEY_EXAMPLE,
        ),
        VariableSpec(
            "line_unit_price",
            MoneyType,
            "Unit price paid",
            "What one unit of the line cost after order-level discounts, in the order's currency.",
            _unit_price_paid,
            example={"amount": "50.00", "currency": "EUR"},
        ),
        VariableSpec(
            "quantity",
            NumericType,
            "Quantity requested",
            "Units of the line in this request.",
            lambda ctx: ctx.request.quantity,
            example=1,
        ),
        VariableSpec(
            "product_type",
            StringType,
            "Product type",
            "Slug of the product's type, e.g. 'electronics'.",
            lambda ctx: ctx.line.product.product_type,
            example="electronics",
        ),
        VariableSpec(
            "category",
            SelectMultipleType,
            "Category (with ancestors)",
            "Slugs of the product's category and all its parent categories.",
            lambda ctx: list(ctx.line.product.category_path),
            example=["electronics"],
        ),
        VariableSpec(
            "collections",
            SelectMultipleType,
            "Collections",
            "Slugs of the collections the product belongs to.",
            lambda ctx: list(ctx.line.product.collections),
            example=["summer-sale"],
        ),
        VariableSpec(
            "sku",
            StringType,
            "SKU",
            "The variant's stock keeping unit.",
            lambda ctx: ctx.line.product.sku,
            example="TV-55-OLED",
        ),
        VariableSpec(
            "product_attributes",
            SelectMultipleType,
            "Product attributes",
            "Attribute slugs of the product, plus 'slug:value' for each value, e.g. 'final-sale' and 'final-sale:true'.",
            _attributes,
            example=["final-sale:true"],
        ),
        VariableSpec(
            "is_gift_card",
            BooleanType,
            "Is a gift card",
            "True when the line is a gift card.",
            lambda ctx: ctx.line.product.is_gift_card,
        ),
        VariableSpec(
            "reason",
            StringType,
            "Reason",
            "The reason the customer gave for this line: a code of the policy's reason catalogue (`reasons`; by "
            "default no_reason, defective, damaged_in_transit, wrong_item, not_as_described). 'changed_mind' from a "
            "storefront is read as 'no_reason'.",
            lambda ctx: canonical_reason(str(ctx.request.reason)),
            options=tuple(spec.code for spec in DEFAULT_REASONS),
            example="defective",
        ),
        _listed(
            "requested_resolution",
            "Requested resolution",
            "What the customer asked for",
            Resolution,
            lambda ctx: str(ctx.request.resolution),
            Resolution.REFUND,
        ),
        _listed(
            "item_condition",
            "Item condition",
            "Condition found at inspection ('unknown' before)",
            ItemCondition,
            lambda ctx: str(ctx.request.condition),
            ItemCondition.OPENED,
        ),
        VariableSpec(
            "is_guest",
            BooleanType,
            "Guest customer",
            "True when the order was placed without a customer account.",
            lambda ctx: ctx.facts.order.is_guest,
        ),
        VariableSpec(
            "customer_email",
            StringType,
            "Customer email",
            "The order's customer email address.",
            lambda ctx: ctx.facts.order.customer_email,
            example="vip@example.com",
        ),
        VariableSpec(
            "prior_returns_count",
            NumericType,
            "Prior returns (count)",
            "The customer's earlier return cases within the policy's look-back period (defaults.prior_returns_days).",
            lambda ctx: ctx.facts.history.prior_returns_count,
            example=3,
        ),
        VariableSpec(
            "prior_returns_value",
            MoneyType,
            "Prior returns (value)",
            "Value refunded for the customer's earlier returns within the look-back period, in the order currency.",
            lambda ctx: AmountIn(ctx.facts.history.prior_returns_value, ctx.order_currency),
            example={"EUR": "200.00", "USD": "220.00"},
        ),
        VariableSpec(
            "shipping_country",
            StringType,
            "Shipping country",
            "ISO 3166 code of the order's shipping country, e.g. 'DE', 'CN'.",
            lambda ctx: ctx.facts.order.shipping_country,
            example="CN",
        ),
        VariableSpec(
            "channel",
            StringType,
            "Channel",
            "Slug of the sales channel (shop) the order was placed in.",
            lambda ctx: ctx.facts.order.channel,
            example="default-channel",
        ),
        _listed(
            "case_kind",
            "Case kind",
            "What the customer opened",
            CaseKind,
            lambda ctx: ctx.facts.kind.value,
            CaseKind.RETURN,
        ),
    ]
}


def _variable_method(spec: VariableSpec) -> Callable[[Any], Any]:
    def method(self: "PolicyVariables") -> Any:
        return spec.getter(self.context)

    method.__name__ = spec.name
    method.__doc__ = spec.description
    return rule_variable(spec.field_type, label=spec.label, options=list(spec.options))(method)


class PolicyVariables(BaseVariables):
    """business-rules view of :data:`VARIABLES` over one line; methods are generated from the registry."""

    def __init__(self, context: LineContext) -> None:
        self.context = context


for _spec in VARIABLES.values():
    setattr(PolicyVariables, _spec.name, _variable_method(_spec))


MONEY_VARIABLES = frozenset(name for name, spec in VARIABLES.items() if spec.field_type is MoneyType)
HISTORY_VARIABLES = frozenset({"prior_returns_count", "prior_returns_value"})
"""The variables that read the customer's earlier returns (:class:`~..domain.facts.CustomerHistory`)."""


def condition_leaves(node: Mapping[str, Any]) -> Iterator[tuple[tuple[Any, ...], Mapping[str, Any]]]:
    """(path below the tree, leaf) of each leaf ``{name, operator, value}`` of a condition tree, in document order,
    without recursion; e.g. ``(("all", 1, "any", 0), leaf)``."""
    stack: list[tuple[tuple[Any, ...], Any]] = [((), node)]
    while stack:
        path, current = stack.pop()
        if not isinstance(current, Mapping):
            continue
        group = next((key for key in ("all", "any") if key in current), None)
        if group is None:
            yield path, current
            continue
        children = current[group]
        if isinstance(children, list):
            stack.extend(
                ((*path, group, index), child) for index, child in reversed(list(enumerate(children)))
            )
