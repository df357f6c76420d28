"""Hypothesis strategies for valid policy documents and cases, drawn from small value pools so rules often match."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from business_rules.operators import BooleanType, NumericType, SelectMultipleType, StringType
from factories import order_facts
from hypothesis import strategies as st

from saleor_aftersales_plugin.domain.facts import (
    CaseFacts,
    CaseKind,
    CustomerHistory,
    ItemCondition,
    LineRequest,
    OrderLineFacts,
    ProductFacts,
    Resolution,
)
from saleor_aftersales_plugin.rules.thresholds import MoneyType
from saleor_aftersales_plugin.rules.variables import VARIABLES

PRODUCT_TYPES = ["electronics", "apparel", "books", "Electronics", ""]
CATEGORIES = ["root", "tv", "audio", "shoes", "kids", "TV"]
COLLECTIONS = ["sale", "new", "outlet", "Sale"]
ATTRIBUTES = ["final-sale", "final-sale:true", "opened", "material:wool"]
SKUS = ["TV-1", "TV-2", "SHOE-1", "BOOK-1", "tv-1"]
REASONS = ["no_reason", "defective", "wrong_item", "damaged_in_transit", "DEFECTIVE", ""]
COUNTRIES = ["DE", "CN", "US", "FR", ""]
EMAILS = ["a@example.com", "vip@example.com", ""]
TEXT_POOL = {
    "product_type": PRODUCT_TYPES,
    "sku": SKUS,
    "reason": REASONS,
    "requested_resolution": [r.value for r in Resolution] + [""],
    "item_condition": [c.value for c in ItemCondition],
    "customer_email": EMAILS,
    "shipping_country": COUNTRIES,
    "channel": ["default", "cn", "Default"],
    "case_kind": [k.value for k in CaseKind],
}
LIST_POOL = {"category": CATEGORIES, "collections": COLLECTIONS, "product_attributes": ATTRIBUTES}
NUMERIC_OPERATORS = [
    "equal_to",
    "greater_than",
    "greater_than_or_equal_to",
    "less_than",
    "less_than_or_equal_to",
]
STRING_OPERATORS = [
    "equal_to",
    "equal_to_case_insensitive",
    "starts_with",
    "ends_with",
    "contains",
    "non_empty",
]
MULTI_OPERATORS = [
    "contains_all",
    "is_contained_by",
    "shares_at_least_one_element_with",
    "shares_exactly_one_element_with",
    "shares_no_elements_with",
]

numbers = st.one_of(
    st.integers(min_value=-5, max_value=400),
    st.decimals(min_value=0, max_value=400, places=2, allow_nan=False, allow_infinity=False),
)
THRESHOLD_CURRENCIES = ["EUR", "CNY", "JPY", "USD"]
"""Currencies of thresholds: orders are in EUR, CNY or USD, so some thresholds have none in the order's."""
ORDER_CURRENCIES = ["EUR", "EUR", "CNY", "USD"]


@st.composite
def amounts_in(draw: st.DrawFn, currency: str) -> Any:
    """An amount of ``currency`` (JPY has no decimals), as a number or as decimal text."""
    amount = draw(st.decimals(min_value=0, max_value=400, places=2, allow_nan=False, allow_infinity=False))
    if currency == "JPY":
        amount = Decimal(int(amount * 100))
    return draw(st.sampled_from([str(amount), amount]))


@st.composite
def thresholds(draw: st.DrawFn) -> dict[str, Any]:
    """A money threshold: {amount, currency} or an amount per currency for some currencies."""
    currencies = draw(st.lists(st.sampled_from(THRESHOLD_CURRENCIES), min_size=1, max_size=3, unique=True))
    if len(currencies) == 1 and draw(st.booleans()):
        return {"amount": draw(amounts_in(currencies[0])), "currency": currencies[0]}
    return {currency: draw(amounts_in(currency)) for currency in currencies}


@st.composite
def leaf_conditions(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(sorted(VARIABLES)))
    field_type = VARIABLES[name].field_type
    if field_type is NumericType:
        return {"name": name, "operator": draw(st.sampled_from(NUMERIC_OPERATORS)), "value": draw(numbers)}
    if field_type is MoneyType:
        return {
            "name": name,
            "operator": draw(st.sampled_from(NUMERIC_OPERATORS)),
            "value": draw(thresholds()),
        }
    if field_type is BooleanType:
        return {"name": name, "operator": draw(st.sampled_from(["is_true", "is_false"])), "value": None}
    if field_type is SelectMultipleType:
        values = draw(st.lists(st.sampled_from(LIST_POOL[name]), min_size=1, max_size=3))
        return {"name": name, "operator": draw(st.sampled_from(MULTI_OPERATORS)), "value": values}
    assert field_type is StringType
    operator = draw(st.sampled_from([*STRING_OPERATORS, "matches_regex"]))
    if operator == "non_empty":
        return {"name": name, "operator": operator, "value": None}
    pool = TEXT_POOL[name]
    if operator == "matches_regex":
        value = "^" + draw(st.sampled_from([p for p in pool if p] or ["x"]))[:2]
    elif operator in ("starts_with", "ends_with", "contains"):
        value = draw(st.sampled_from(pool))[:3]
    elif VARIABLES[name].options:  # listed values: validation refuses a value the variable never takes
        value = draw(st.sampled_from(VARIABLES[name].options))
        if operator == "equal_to_case_insensitive" and draw(st.booleans()):
            value = value.upper()
    else:
        value = draw(st.sampled_from(pool))
    return {"name": name, "operator": operator, "value": value}


conditions = st.recursive(
    leaf_conditions(),
    lambda children: st.builds(
        lambda key, items: {key: items},
        st.sampled_from(["all", "any"]),
        st.lists(children, min_size=1, max_size=3),
    ),
    max_leaves=6,
).map(lambda tree: tree if ("all" in tree or "any" in tree) else {"all": [tree]})

FEE_CODES = ["restocking", "handling", "opened"]
actions = st.one_of(
    st.builds(lambda r: {"name": "allow", "params": {"reason": r}}, st.sampled_from(["ok", "goodwill"])),
    st.builds(
        lambda r: {"name": "deny", "params": {"reason": r}}, st.sampled_from(["final_sale", "hygiene"])
    ),
    st.builds(
        lambda d, a, k: {"name": "set_window", "params": {"days": d, "anchor": a, "day_kind": k}},
        st.integers(0, 60),
        st.sampled_from(["delivery", "fulfilment", "order"]),
        st.sampled_from(["calendar", "business"]),
    ),
    st.builds(
        lambda code, kind, amount, scope, cap: {
            "name": "add_fee",
            "params": {"code": code, "kind": kind, "amount": amount if kind == "percent" else money(amount)}
            | {"scope": scope}
            | ({} if cap is None else {"cap": money(cap)}),
        },
        st.sampled_from(FEE_CODES),
        st.sampled_from(["percent", "fixed"]),
        st.integers(0, 40),
        st.sampled_from(["line", "case"]),
        st.none() | st.integers(0, 30),
    ),
    st.builds(
        lambda a: {"name": "charge_return_shipping", "params": {"amount": money(a)}}, st.integers(0, 15)
    ),
    st.builds(lambda c: {"name": "waive_fee", "params": {"code": c}}, st.sampled_from([*FEE_CODES, "*"])),
    st.builds(lambda a: {"name": "cap_fees", "params": {"amount": money(a)}}, st.integers(0, 50)),
    st.builds(
        lambda rs: {"name": "set_resolutions", "params": {"resolutions": rs}},
        st.lists(st.sampled_from([r.value for r in Resolution]), min_size=1, max_size=3, unique=True),
    ),
    st.builds(lambda p: {"name": "set_store_credit_bonus", "params": {"percent": p}}, st.integers(0, 20)),
    st.just({"name": "require_review", "params": {}}),
    st.just({"name": "auto_approve", "params": {}}),
    st.builds(lambda c: {"name": "require_photos", "params": {"count": c}}, st.integers(1, 3)),
    st.builds(lambda m: {"name": "set_warranty", "params": {"months": m}}, st.integers(0, 36)),
    st.builds(lambda h: {"name": "set_sla", "params": {"first_response_hours": h}}, st.integers(1, 72)),
)


def money(amount: int) -> dict[str, str]:
    """A fixed amount in every currency the generated policies and orders use (amounts are never converted)."""
    return {"EUR": f"{amount}.00", "CNY": f"{amount}.00", "JPY": str(amount * 100)}


@st.composite
def policy_documents(draw: st.DrawFn, max_rules: int = 8) -> dict[str, Any]:
    count = draw(st.integers(0, max_rules))
    rules = [
        {
            "id": f"rule-{index}",
            "priority": draw(st.integers(-3, 3)),
            "conditions": draw(conditions),
            "actions": draw(st.lists(actions, min_size=1, max_size=3)),
        }
        for index in range(count)
    ]
    # Waivers must name a fee some rule adds (validation checks it), so one rule always adds every fee code.
    rules.append(
        {
            "id": "fees",
            "priority": draw(st.integers(-3, 3)),
            "conditions": draw(conditions),
            "actions": [
                {
                    "name": "add_fee",
                    "params": {"code": code, "kind": "fixed", "amount": money(draw(st.integers(0, 9)))},
                }
                for code in FEE_CODES
            ],
        }
    )
    return {
        "schema_version": 1.1,
        "defaults": {
            "currency": draw(st.sampled_from(["EUR", "JPY", "CNY"])),
            "country": "DE",
            "time_zone": draw(st.sampled_from(["Europe/Berlin", "Asia/Shanghai", "UTC"])),
            "eligible": draw(st.booleans()),
        },
        "rules": rules,
    }


BASE = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@st.composite
def order_lines(draw: st.DrawFn, index: int) -> OrderLineFacts:
    quantity = draw(st.integers(1, 4))
    unit_price = Decimal(draw(st.integers(1, 50000))) / 100
    paid_total = unit_price * quantity - Decimal(draw(st.integers(0, 100))) / 100
    return OrderLineFacts(
        line_id=f"line-{index}",
        product=ProductFacts(
            sku=draw(st.sampled_from(SKUS)),
            product_type=draw(st.sampled_from(PRODUCT_TYPES)),
            category_path=tuple(draw(st.lists(st.sampled_from(CATEGORIES), max_size=3, unique=True))),
            collections=tuple(draw(st.lists(st.sampled_from(COLLECTIONS), max_size=2, unique=True))),
            attributes=draw(st.sampled_from([{}, {"final-sale": ("true",)}, {"material": ("wool",)}])),
            is_gift_card=draw(st.booleans()),
        ),
        quantity=quantity,
        unit_price=unit_price,
        paid_total=max(paid_total, Decimal(0)),
        quantity_fulfilled=draw(st.integers(0, quantity)),
        quantity_returned=0,
        fulfilled_at=draw(st.none() | st.just(BASE + timedelta(days=1))),
        delivered_at=draw(st.none() | st.just(BASE + timedelta(days=3, hours=5))),
    )


@st.composite
def case_facts(draw: st.DrawFn) -> CaseFacts:
    lines = tuple(draw(order_lines(index)) for index in range(draw(st.integers(1, 3))))
    order = order_facts(
        lines,
        order_id="order-1",
        channel=draw(st.sampled_from(TEXT_POOL["channel"])),
        currency=draw(st.sampled_from(ORDER_CURRENCIES)),
        created_at=BASE,
        customer_email=draw(st.sampled_from(EMAILS)),
        customer_id=draw(st.none() | st.just("user-1")),
        shipping_country=draw(st.sampled_from(COUNTRIES)),
    )
    requests = tuple(
        LineRequest(
            line_id=line.line_id,
            quantity=draw(st.integers(1, line.quantity)),
            reason=draw(st.sampled_from(REASONS)),
            resolution=draw(st.sampled_from(TEXT_POOL["requested_resolution"])),
            condition=draw(st.sampled_from(TEXT_POOL["item_condition"])),
        )
        for line in lines
    )
    return CaseFacts(
        kind=draw(st.sampled_from(list(CaseKind))),
        order=order,
        lines=requests,
        now=BASE + timedelta(days=draw(st.integers(0, 80)), hours=draw(st.integers(0, 23))),
        history=CustomerHistory(draw(st.integers(0, 5)), Decimal(draw(st.integers(0, 500)))),
    )
