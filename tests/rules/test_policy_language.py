"""Policy language 1.1 as customers read it: money with its currency (never reinterpreted), stated rounding, and
the merchant's own reason catalogue in the published text."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from factories import order_line, return_facts

from saleor_aftersales_plugin.domain.facts import CaseFacts, ProductFacts
from saleor_aftersales_plugin.publishing import render_policy_text
from saleor_aftersales_plugin.rules.document import Policy
from saleor_aftersales_plugin.rules.engine import ENGINE_REASONS, REASON_NO_AMOUNT_IN_CURRENCY, decide
from saleor_aftersales_plugin.rules.validation import PolicyInvalid, parse_policy

DELIVERED = datetime(2026, 3, 2, 12, tzinfo=UTC)


def policy(currency: str, actions: list[dict], **defaults) -> object:
    return parse_policy(
        {
            "schema_version": 1.1,
            "defaults": {
                "currency": currency,
                "country": "US",
                "time_zone": "UTC",
                "languages": ["en", "zh_Hans"],
            }
            | defaults,
            "rules": [
                {
                    "id": "fees",
                    "conditions": {"all": [{"name": "quantity", "operator": "greater_than", "value": 0}]},
                    "actions": actions,
                }
            ],
        }
    )


def case(currency: str, *prices: str) -> CaseFacts:
    lines = tuple(
        order_line(
            ProductFacts(sku=f"SKU{index}"), line_id=str(index), unit_price=price, delivered_at=DELIVERED
        )
        for index, price in enumerate(prices)
    )
    return return_facts(
        currency, lines, delivered_at=DELIVERED, asked_after=timedelta(days=1), reason="changed_mind"
    )


SHIPPING = {"name": "charge_return_shipping", "params": {"amount": {"USD": "5.00", "JPY": "800"}}}


def test_a_fixed_fee_is_charged_in_the_order_currency_from_its_own_amount():
    usd_and_jpy = policy("USD", [SHIPPING])
    usd = decide(usd_and_jpy, case("USD", "40.00"))
    jpy = decide(usd_and_jpy, case("JPY", "4000"))
    assert (usd.currency, usd.settlement.fees_total, usd.settlement.net) == (
        "USD",
        Decimal("5.00"),
        Decimal("35.00"),
    )
    assert (jpy.currency, jpy.settlement.fees_total, jpy.settlement.net) == (
        "JPY",
        Decimal("800"),
        Decimal("3200"),
    )


def test_an_order_in_a_currency_the_policy_has_no_amount_for_is_refused_with_a_reason_not_converted():
    decision = decide(policy("USD", [SHIPPING]), case("EUR", "40.00"))
    [line] = decision.lines
    assert line.eligible is False and decision.eligible is False
    assert line.reasons[0] == REASON_NO_AMOUNT_IN_CURRENCY
    assert "no amount in this order's currency" in ENGINE_REASONS[REASON_NO_AMOUNT_IN_CURRENCY]
    assert decision.settlement.fees_total == Decimal("0.00") and decision.settlement.net == Decimal("0.00")


@pytest.mark.parametrize(
    ("rounding", "fees", "net"),
    [
        # 12.5 % of 0.20 is 0.025 on each line: half up 0.03 + 0.03, half even 0.02 + 0.02, down 0.02 + 0.02
        ("half_up", "0.06", "0.34"),
        ("half_even", "0.04", "0.36"),
        ("down", "0.04", "0.36"),
    ],
)
def test_rounding_is_the_policy_setting_applied_per_line(rounding, fees, net):
    restocking = {"name": "add_fee", "params": {"code": "restocking", "kind": "percent", "amount": 12.5}}
    decision = decide(policy("USD", [restocking], rounding=rounding), case("USD", "0.20", "0.20"))
    assert (decision.settlement.fees_total, decision.settlement.net) == (Decimal(fees), Decimal(net))


def test_down_rounds_a_third_decimal_away():
    restocking = {"name": "add_fee", "params": {"code": "restocking", "kind": "percent", "amount": 15}}
    decision = decide(policy("USD", [restocking], rounding="down"), case("USD", "199.99"))
    assert decision.settlement.fees_total == Decimal("29.99")  # 29.9985


def test_the_published_text_states_the_rounding_with_a_worked_example_in_each_language():
    restocking = {"name": "add_fee", "params": {"code": "restocking", "kind": "percent", "amount": 15}}
    half_up = policy("USD", [restocking, SHIPPING])
    english = render_policy_text(half_up, "en")
    assert (
        "Percentage fees and bonuses are worked out for each item separately and rounded to the currency's smallest "
        "unit half up (a half is rounded up): for example, 15% of $199.99 is 29.9985 USD, which is charged as "
        "$30.00." in english
    )
    assert "a return shipping fee (the return label) of $5.00 per request" in english
    chinese = render_policy_text(policy("USD", [restocking], rounding="down"), "zh_Hans")
    assert "按百分比计算的费用和奖励逐件商品分别计算，并按货币最小单位舍去尾数（对您有利）" in chinese
    assert "US$199.99 的 15% 为 29.9985 USD，按 US$29.99 收取。" in chinese


def test_a_jpy_policy_quotes_yen():
    restocking = {"name": "add_fee", "params": {"code": "restocking", "kind": "percent", "amount": 15}}
    text = render_policy_text(policy("JPY", [restocking, SHIPPING]), "en")
    assert "15% of ¥19,999 is 2,999.85 JPY, which is charged as ¥3,000." in text
    assert "$" not in text


def test_a_rule_on_a_merchant_reason_is_published_with_its_label_in_each_language():
    document = {
        "schema_version": 1.1,
        "defaults": {"currency": "EUR", "country": "DE", "time_zone": "UTC", "languages": ["en", "zh_Hans"]},
        "reasons": [
            {
                "code": "no_reason",
                "labels": {"en": "Changed my mind", "zh_Hans": "不想要了"},
                "no_reason": True,
            },
            {"code": "no_power", "labels": {"en": "Does not switch on", "zh_Hans": "无法开机"}},
        ],
        "rules": [
            {
                "id": "dead-on-arrival",
                "conditions": {"all": [{"name": "reason", "operator": "equal_to", "value": "no_power"}]},
                "actions": [{"name": "set_window", "params": {"days": 60}}],
            }
        ],
    }
    policy = parse_policy(document)
    assert "If you give the reason “Does not switch on”: 60 days after delivery." in render_policy_text(
        policy, "en"
    )
    assert "如果退货原因为“无法开机”：签收后 60 个自然日内。" in render_policy_text(policy, "zh_Hans")


def test_a_version_published_before_1_1_still_loads_with_its_amounts_in_its_own_currency():
    """Orders stay pinned to versions published before schema_version 1.1: their bare amounts meant the channel's
    currency, which publishing wrote into defaults.currency, so loading names them in it; a new text with a bare
    amount is still refused."""
    stored = {
        "schema_version": 1,
        "defaults": {"currency": "EUR", "country": "DE", "time_zone": "Europe/Berlin", "languages": ["en"]},
        "rules": [
            {
                "id": "shipping",
                "priority": 1,
                "conditions": {"all": [{"name": "line_unit_price", "operator": "greater_than", "value": 0}]},
                "actions": [
                    {"name": "charge_return_shipping", "params": {"amount": "4.95"}},
                    {
                        "name": "add_fee",
                        "params": {"code": "handling", "kind": "fixed", "amount": 5, "scope": "line"},
                    },
                    {"name": "add_fee", "params": {"code": "restocking", "kind": "percent", "amount": 15}},
                ],
            }
        ],
    }
    (rule,) = Policy.from_dict(stored).rules
    assert [action["params"]["amount"] for action in rule.actions] == [{"EUR": "4.95"}, {"EUR": "5"}, 15]
    with pytest.raises(PolicyInvalid) as refused:
        parse_policy(stored)
    assert [(error.path, error.code) for error in refused.value.errors] == [
        ("$.rules[0].actions[0].params.amount", "amount_without_currency"),
        ("$.rules[0].actions[1].params.amount", "amount_without_currency"),
    ]
