"""Money under concurrency, 0- and 3-decimal currencies, partial returns, overrides and fees."""

from decimal import Decimal

import pytest
from factories import CUSTOMER_ACTOR, STAFF_ACTOR
from money_steps import fee_policy_text, inspected, money_out, place_order, publish_fee_policy, publish_text

from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.models import SandboxLedgerEntry
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import ServiceError, returns


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("currency", "paid", "unit"),
    [("JPY", "1000", "334"), ("KWD", "10.000", "3.334"), ("EUR", "10.00", "3.34"), ("BHD", "0.010", "0.004")],
)
@pytest.mark.parametrize("rounding", ["half_up", "half_even", "down"])
def test_three_partial_refunds_of_one_line_sum_to_at_most_paid(currency, paid, unit, rounding):
    publish_fee_policy("c1", currency, rounding=rounding, percent="0")
    order_id, line_id = place_order("c1", currency, 3, paid, unit)
    host = SandboxHost()
    for _ in range(3):
        case = inspected(order_id, line_id, 1)
        returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host)
    assert money_out(order_id) <= Decimal(paid)
    # ... and the customer got everything back for three unopened units with no fee
    assert money_out(order_id) == Decimal(paid)
    with pytest.raises(ServiceError):
        returns.request_return(
            order_id, [LineRequest(line_id, 1, reason="no_reason")], actor=CUSTOMER_ACTOR, host=host
        )


@pytest.mark.django_db
@pytest.mark.parametrize(("currency", "paid", "unit"), [("JPY", "1000", "334"), ("KWD", "10.000", "3.334")])
def test_partial_refunds_with_a_percent_fee_never_exceed_paid(currency, paid, unit):
    publish_fee_policy("c1", currency, percent="33")
    order_id, line_id = place_order("c1", currency, 3, paid, unit)
    host = SandboxHost()
    refunds = []
    for quantity in (1, 2):
        case = inspected(order_id, line_id, quantity)
        refunds.append(returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host).refund_amount)
    assert all(refund > 0 for refund in refunds), refunds
    assert money_out(order_id) == sum(refunds) <= Decimal(paid)


def _first_unit_as_store_credit_with_bonus(host: SandboxHost):
    """Two units of 50.00 EUR: the first resolved as store credit with a 10 % bonus; the second inspected."""
    publish_fee_policy("c1", "EUR", bonus=10)
    order_id, line_id = place_order("c1", "EUR", 2, "100.00", "50.00")
    first = inspected(order_id, line_id, 1)
    first = returns.resolve(first.pk, "store_credit", actor=STAFF_ACTOR, host=host)
    return first, inspected(order_id, line_id, 1)


@pytest.mark.django_db
def test_store_credit_bonus_does_not_eat_the_next_units_refund():
    """Unit 1 as store credit with a 10 % bonus, unit 2 as refund: unit 2's refund is its full share."""
    host = SandboxHost()
    first, second = _first_unit_as_store_credit_with_bonus(host)
    assert first.store_credit_amount == Decimal("55.00")
    second = returns.resolve(second.pk, "refund", actor=STAFF_ACTOR, host=host)
    assert second.refund_amount == Decimal("50.00")


@pytest.mark.django_db
def test_override_above_what_is_left_after_store_credit_is_refused():
    host = SandboxHost()
    _first, second = _first_unit_as_store_credit_with_bonus(host)
    with pytest.raises(ServiceError) as refused:
        returns.resolve(
            second.pk,
            "refund",
            actor=STAFF_ACTOR,
            host=host,
            amount=Decimal("50.01"),
            override_reason="goodwill",
        )
    assert refused.value.code == "refund_exceeds_paid"


@pytest.mark.django_db
def test_a_fee_larger_than_the_line_never_makes_a_negative_refund():
    text = (
        fee_policy_text("EUR")
        .replace("kind: percent, amount: 0, scope: line", "kind: fixed, amount: {EUR: '50.00'}, scope: line")
        .replace("review: required", "review: required\n  zero_refund: allow")
    )
    publish_text("c1", text)
    order_id, line_id = place_order("c1", "EUR", 1, "10.00", "10.00")
    case = inspected(order_id, line_id, 1)
    assert case.refund_amount == Decimal("0.00")
    assert [line.refund_amount for line in case.lines.all()] == [Decimal("0.00")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "pair", [("refund", "refund"), ("refund", "store_credit"), ("store_credit", "keep_item")]
)
def test_two_concurrent_resolves_of_one_case_move_money_once(concurrently, pair):
    publish_fee_policy("c1", "EUR")
    order_id, line_id = place_order("c1", "EUR", 1, "100.00", "100.00")
    case = inspected(order_id, line_id, 1)
    host = SandboxHost()
    results = concurrently(
        [lambda r=r: returns.resolve(case.pk, r, actor=STAFF_ACTOR, host=host) for r in pair]
    )
    crashed = [r for r in results if isinstance(r, BaseException) and not isinstance(r, ServiceError)]
    assert not crashed, crashed
    assert money_out(order_id) <= Decimal("100.00")
    kinds = set(
        SandboxLedgerEntry.objects.filter(order_id=order_id)
        .exclude(kind="return")
        .values_list("kind", flat=True)
    )
    assert len(kinds) == 1, kinds


@pytest.mark.django_db(transaction=True)
def test_two_cases_on_one_line_resolved_concurrently_with_overrides(concurrently):
    publish_fee_policy("c1", "EUR")
    order_id, line_id = place_order("c1", "EUR", 2, "100.00", "50.00")
    a = inspected(order_id, line_id, 1)
    b = inspected(order_id, line_id, 1)
    host = SandboxHost()
    calls = [
        lambda c=c: returns.resolve(
            c.pk, "refund", actor=STAFF_ACTOR, host=host, amount=Decimal("50.00"), override_reason="x"
        )
        for c in (a, b)
    ]
    results = concurrently(calls)
    crashed = [r for r in results if isinstance(r, BaseException) and not isinstance(r, ServiceError)]
    assert not crashed, crashed
    assert money_out(order_id) <= Decimal("100.00")


@pytest.mark.django_db(transaction=True)
def test_outside_refund_racing_a_resolve_never_exceeds_paid(concurrently):
    publish_fee_policy("c1", "EUR")
    order_id, line_id = place_order("c1", "EUR", 1, "100.00", "100.00")
    case = inspected(order_id, line_id, 1)
    host = SandboxHost()
    results = concurrently(
        [
            lambda: returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host),
            lambda: host.record_outside_refund(order_id, Decimal("60.00"), line_id),
        ]
    )
    crashed = [r for r in results if isinstance(r, BaseException) and not isinstance(r, ServiceError)]
    assert not crashed, crashed
    assert money_out(order_id) <= Decimal("100.00"), results


@pytest.mark.django_db
def test_exchange_then_refund_of_the_same_unit_is_refused():
    publish_fee_policy("c1", "EUR")
    order_id, line_id = place_order("c1", "EUR", 1, "100.00", "100.00")
    host = SandboxHost()
    case = inspected(order_id, line_id, 1)
    returns.resolve(case.pk, "exchange", actor=STAFF_ACTOR, host=host)
    with pytest.raises(ServiceError):
        returns.request_return(
            order_id, [LineRequest(line_id, 1, reason="no_reason")], actor=CUSTOMER_ACTOR, host=host
        )
