"""Money in conditions: a threshold names its currency and is only ever compared with an amount in that currency.

``order_total``, ``line_unit_price`` and ``prior_returns_value`` are amounts in the order's currency. A threshold is
``{amount, currency}`` or an amount per currency; a bare number only where the policy names one currency. A condition
whose threshold has no amount in the order's currency does not match, in the compiled engine and in business-rules'
own, and the trace names the currency.
"""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from business_rules.engine import check_condition
from factories import order_line, return_facts
from hypothesis import given, settings
from hypothesis import strategies as st

from saleor_aftersales_plugin.domain.facts import CaseFacts, CustomerHistory, ProductFacts
from saleor_aftersales_plugin.domain.money import currency_precision
from saleor_aftersales_plugin.publishing import render_policy_text
from saleor_aftersales_plugin.rules.document import Policy
from saleor_aftersales_plugin.rules.engine import decide, decide_reference, format_decision
from saleor_aftersales_plugin.rules.validation import (
    PolicyInvalid,
    normalise_policy,
    parse_policy,
    validate_policy,
)
from saleor_aftersales_plugin.rules.variables import MONEY_VARIABLES, LineContext, PolicyVariables
from saleor_aftersales_plugin.rules.warnings import threshold_warnings

CURRENCIES = ["EUR", "USD", "JPY", "CNY", "GBP", "KWD", "CHF"]
OPERATORS = ["equal_to", "greater_than", "greater_than_or_equal_to", "less_than", "less_than_or_equal_to"]
DELIVERED = datetime(2026, 3, 2, 12, tzinfo=UTC)


def document(
    value: Any,
    *,
    currency: str = "EUR",
    name: str = "order_total",
    operator: str = "greater_than",
    actions: list[dict] | None = None,
) -> dict[str, Any]:
    return {
        "schema_version": 1.1,
        "defaults": {
            "currency": currency,
            "country": "DE",
            "time_zone": "Europe/Berlin",
            "window": {"days": 30},
        },
        "rules": [
            {
                "id": "threshold",
                "conditions": {"all": [{"name": name, "operator": operator, "value": value}]},
                "actions": actions or [{"name": "set_window", "params": {"days": 99}}],
            }
        ],
    }


def case(currency: str, price: str, *, prior: str = "0") -> CaseFacts:
    return return_facts(
        currency,
        (order_line(ProductFacts(sku="SKU"), line_id="1", unit_price=price, delivered_at=DELIVERED),),
        delivered_at=DELIVERED,
        asked_after=timedelta(days=1),
        reason="no_reason",
        history=CustomerHistory(1, Decimal(prior)),
    )


def errors(data: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(error.path, error.code, error.message) for error in validate_policy(data)]


VALUE = "$.rules[0].conditions.all[0].value"


# --- the property: no currency, no match, and the trace says which


@st.composite
def amount_of(draw: st.DrawFn, currency: str) -> Decimal:
    places = currency_precision(currency)
    units = draw(st.integers(0, 10**6))
    return Decimal(units).scaleb(-places)


@st.composite
def threshold_and_foreign_order(draw: st.DrawFn) -> tuple[dict[str, Any], str, CaseFacts, str, str]:
    """A policy whose one condition has thresholds in currencies A, and a case in a currency B not in A."""
    given_in = draw(st.lists(st.sampled_from(CURRENCIES), min_size=1, max_size=4, unique=True))
    order_currency = draw(st.sampled_from([code for code in CURRENCIES if code not in given_in]))
    amounts = {code: draw(amount_of(code)) for code in given_in}
    if len(given_in) == 1 and draw(st.booleans()):
        value: dict[str, Any] = {"amount": str(amounts[given_in[0]]), "currency": given_in[0]}
    else:
        value = {code: draw(st.sampled_from([str(amount), amount])) for code, amount in amounts.items()}
    name = draw(st.sampled_from(sorted(MONEY_VARIABLES)))
    operator = draw(st.sampled_from(OPERATORS))
    data = document(value, currency=draw(st.sampled_from(given_in)), name=name, operator=operator)
    price = str(draw(amount_of(order_currency)))
    return data, name, case(order_currency, price, prior=price), order_currency, operator


@settings(max_examples=300, deadline=None, derandomize=True)
@given(threshold_and_foreign_order())
def test_a_threshold_without_the_order_currency_never_matches_and_the_trace_names_it(example):
    data, name, facts, order_currency, operator = example
    assert validate_policy(data) == []
    policy = Policy.from_dict(normalise_policy(data))
    compiled = decide(policy, facts)
    reference = decide_reference(policy, facts)
    for decision in (compiled, reference):
        assert decision.lines[0].decided_by["window"] == "defaults"
        assert decision.lines[0].window.days == 30
    [trace] = compiled.lines[0].trace
    [condition] = trace.conditions
    assert trace.matched is False and condition.passed is False
    assert f"no threshold in {order_currency}" in condition.note
    assert condition.actual["currency"] == order_currency
    assert f"no threshold in {order_currency}" in format_decision(compiled)
    # business-rules itself, on the same leaf and line
    variables = PolicyVariables(
        LineContext(facts, facts.order.lines[0], facts.lines[0], policy.calendar, 90, order_currency)
    )
    leaf = policy.rules[0].conditions["all"][0]
    assert (leaf["name"], leaf["operator"]) == (name, operator)
    assert check_condition(leaf, variables) is False


@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    currency=st.sampled_from(CURRENCIES),
    operator=st.sampled_from(OPERATORS),
    name=st.sampled_from(sorted(MONEY_VARIABLES)),
    data=st.data(),
)
def test_in_the_order_currency_a_threshold_compares_as_a_number(currency, operator, name, data):
    threshold = data.draw(amount_of(currency))
    price = data.draw(st.sampled_from([threshold, data.draw(amount_of(currency))]))
    policy = parse_policy(
        document({currency: str(threshold), "XAF": "1"}, currency=currency, name=name, operator=operator)
    )
    expected = {
        "equal_to": price == threshold,
        "greater_than": price > threshold,
        "greater_than_or_equal_to": price >= threshold,
        "less_than": price < threshold,
        "less_than_or_equal_to": price <= threshold,
    }[operator]
    facts = case(currency, str(price), prior=str(price))
    for decision in (decide(policy, facts), decide_reference(policy, facts)):
        assert (decision.lines[0].window.days == 99) is expected


# --- writing thresholds


def test_a_bare_number_means_the_policys_one_currency():
    data = document(500)
    assert errors(data) == []
    assert normalise_policy(data)["rules"][0]["conditions"]["all"][0]["value"] == {"EUR": "500.00"}
    policy = parse_policy(data)
    assert decide(policy, case("EUR", "500.01")).lines[0].window.days == 99
    assert decide(policy, case("USD", "9999.00")).lines[0].window.days == 30


def test_a_bare_number_is_refused_where_the_policy_names_more_than_one_currency():
    shipping = {"name": "charge_return_shipping", "params": {"amount": {"EUR": "4.95", "JPY": "800"}}}
    [(path, code, message)] = errors(document(500, actions=[shipping]))
    assert (path, code) == (VALUE, "amount_without_currency")
    assert message == (
        "order_total greater_than is the bare amount 500, but this policy names amounts in EUR, JPY, so a bare "
        "number could be any of them: write {amount: '500.00', currency: EUR}, or a threshold per currency, e.g. "
        "{EUR: '500.00', JPY: ...}."
    )
    data = document(500)
    data["rules"].append(
        {
            "id": "small",
            "conditions": {
                "all": [{"name": "line_unit_price", "operator": "less_than", "value": {"USD": 20}}]
            },
            "actions": [{"name": "auto_approve"}],
        }
    )
    assert [(path, code) for path, code, _ in errors(data)] == [(VALUE, "amount_without_currency")]


@pytest.mark.parametrize(
    ("value", "currency", "path"),
    [
        ({"JPY": 4.95}, "EUR", f"{VALUE}.JPY"),
        ({"amount": "4.95", "currency": "JPY"}, "EUR", f"{VALUE}.amount"),
        (4.95, "JPY", VALUE),
        ({"EUR": "10.005"}, "EUR", f"{VALUE}.EUR"),
    ],
)
def test_a_threshold_with_more_decimals_than_its_currency_is_an_error_on_its_field(value, currency, path):
    [(found, code, message)] = errors(document(value, currency=currency))
    assert (found, code) == (path, "too_many_decimals")
    assert "has more decimals than" in message and "order_total greater_than" not in message.split(";")[1]


@pytest.mark.parametrize(
    ("value", "path", "code", "text"),
    [
        ({"eur": "5"}, f"{VALUE}.eur", "unknown_currency", "Write it in capitals: 'EUR'."),
        ({"amount": 5}, VALUE, "required", "order_total greater_than has an amount but no currency"),
        ({}, VALUE, "required", "order_total greater_than is empty"),
        (
            "100",
            VALUE,
            "wrong_type",
            "'100' is text but order_total greater_than needs an amount with its currency",
        ),
        (-1, VALUE, "out_of_range", "it must be between 0 and 1000000000"),
        ({"EUR": "1", "note": "x"}, f"{VALUE}.note", "unknown_currency", "is not an ISO 4217 currency code"),
    ],
)
def test_a_malformed_threshold_gets_a_specific_error(value, path, code, text):
    [(found, found_code, message)] = errors(document(value))
    assert (found, found_code) == (path, code)
    assert text in message


def test_a_threshold_without_the_shop_currency_is_valid_and_warned_about():
    policy = parse_policy(document({"USD": "100.00", "JPY": "15000"}))
    [warning] = threshold_warnings(policy)
    assert str(warning) == (
        f"{VALUE}: [no_threshold_in_currency] warning: order_total greater_than gives a threshold in JPY, USD "
        "but not in EUR, the currency of defaults.currency that this channel's orders are in; amounts are never "
        "converted, so for those orders this condition never matches. Add a EUR amount if it should."
    )
    assert threshold_warnings(parse_policy(document({"EUR": "1.00", "USD": "1.10"}))) == []


def test_the_published_text_names_the_threshold_in_the_shops_currency():
    policy = parse_policy(document({"EUR": "1000.00", "USD": "1100.00"}, operator="greater_than_or_equal_to"))
    assert "If the order total is at least €1,000.00: 99 days after delivery." in render_policy_text(
        policy, "en"
    )


# --- versions stored before thresholds had currencies


def test_a_stored_version_with_bare_thresholds_keeps_deciding_in_its_own_currency():
    stored = document(Decimal("99.9999"), name="line_unit_price")
    stored["rules"][0]["actions"].append(
        {"name": "charge_return_shipping", "params": {"amount": {"EUR": "4.95", "JPY": "800"}}}
    )
    stored["rules"].append(
        {
            "id": "old-customers",
            "conditions": {"all": [{"name": "prior_returns_value", "operator": "less_than", "value": -1}]},
            "actions": [{"name": "deny", "params": {"reason": "never"}}],
        }
    )
    with pytest.raises(PolicyInvalid):
        parse_policy(stored)  # as a new text: two currencies, so a bare number is ambiguous
    policy = Policy.from_dict(stored)
    leaf = policy.rules[0].conditions["all"][0]
    assert leaf["value"] == {"EUR": "99.9999"}
    assert decide(policy, case("EUR", "100.00")).lines[0].window.days == 99
    assert decide(policy, case("EUR", "99.99")).lines[0].window.days == 30
    assert decide(policy, case("JPY", "100")).lines[0].window.days == 30  # EUR 99.9999 is no yen amount
    assert policy.rules[1].conditions["all"][0]["value"] == {"EUR": "-1.00"}


def test_a_schema_version_1_document_has_its_thresholds_named_too():
    stored = document(500) | {"schema_version": 1}
    stored["rules"][0]["actions"].append({"name": "charge_return_shipping", "params": {"amount": 5}})
    (rule,) = Policy.from_dict(stored).rules
    assert rule.conditions["all"][0]["value"] == {"EUR": "500.00"}
    assert rule.actions[1]["params"]["amount"] == {"EUR": "5"}


def test_the_trace_shows_amounts_with_their_currency():
    policy = parse_policy(
        document({"EUR": "50.00", "USD": "55.00"}, name="line_unit_price", operator="less_than")
    )
    text = format_decision(decide(policy, case("EUR", "40.00")))
    assert "ok   line_unit_price less_than 50.00 EUR or 55.00 USD (actual: 40.00 EUR)" in text
    as_dict = decide(policy, case("GBP", "40.00")).to_dict()
    [condition] = as_dict["lines"][0]["trace"][0]["conditions"]
    assert condition == {
        "variable": "line_unit_price",
        "operator": "less_than",
        "expected": {"EUR": "50.00", "USD": "55.00"},
        "actual": {"amount": "40.0000", "currency": "GBP"},
        "passed": False,
        "note": "no threshold in GBP (it gives EUR, USD; amounts are never converted), so the condition does not "
        "match",
    }
