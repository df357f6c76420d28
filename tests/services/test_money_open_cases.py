"""Money of a line returned over several cases that are open at the same time.

Each case's units are priced by their position on the line (:func:`~saleor_aftersales_plugin.domain.money.
paid_for_units`: cumulative half-up shares, 333 + 334 + 333 for 1000 JPY over three units). Units held by other
open cases count for availability (a unit cannot be asked for twice) but not for that position: only units whose
money is settled do, so the line's last units settled get exactly what is left of what was paid, whatever the
order in which cases were filed and resolved.
"""

from decimal import Decimal

import pytest
from factories import STAFF_ACTOR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from money_steps import approved_to_inspection, money_out, place_order, publish_fee_policy, request

from saleor_aftersales_plugin.domain.money import paid_for_units
from saleor_aftersales_plugin.models import Case, PolicyVersion
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import ServiceError, returns
from saleor_aftersales_plugin.services.ledger import balances
from saleor_aftersales_plugin.services.orders import get_order

pytestmark = pytest.mark.django_db

CURRENCIES = {"JPY": 0, "EUR": 2, "KWD": 3}


@pytest.mark.parametrize(("currency", "paid"), [("JPY", "1000"), ("EUR", "30.01"), ("KWD", "10.000")])
def test_three_cases_open_at_once_on_one_line_refund_everything_paid(currency, paid):
    """Three one-unit returns filed before staff resolve any: the customer gets back all 1000 JPY, not 999."""
    publish_fee_policy("c1", currency)
    order_id, line_id = place_order("c1", currency, 3, Decimal(paid))
    host = SandboxHost()
    cases = [request(order_id, line_id, 1, host) for _ in range(3)]
    for case in cases:
        approved_to_inspection(case, line_id, host)
    amounts = [
        returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host).refund_amount for case in cases
    ]
    assert money_out(order_id) == Decimal(paid)
    assert sum(amounts, Decimal(0)) == Decimal(paid)
    # Each case got one unit's share, in the order the cases were settled.
    assert amounts == [paid_for_units(Decimal(paid), 3, 1, currency, already) for already in range(3)]
    line = balances(get_order(order_id), host)[line_id]
    assert (line.refunded, line.returnable) == (Decimal(paid), 0)


def test_units_of_open_cases_still_cannot_be_asked_for_twice():
    publish_fee_policy("c1", "JPY")
    order_id, line_id = place_order("c1", "JPY", 3, Decimal(1000))
    host = SandboxHost()
    request(order_id, line_id, 2, host)
    request(order_id, line_id, 1, host)
    with pytest.raises(ServiceError) as refused:
        request(order_id, line_id, 1, host)
    assert refused.value.code == "not_eligible"


def test_an_open_cases_estimate_is_its_provisional_share():
    """Before anything is settled every open case's estimate is the share of the line's first units; what each
    case gets is fixed at its resolution, by the units settled before it."""
    publish_fee_policy("c1", "JPY")
    order_id, line_id = place_order("c1", "JPY", 3, Decimal(1000))
    host = SandboxHost()
    first, second = request(order_id, line_id, 1, host), request(order_id, line_id, 2, host)
    assert (first.refund_amount, second.refund_amount) == (Decimal(333), Decimal(667))
    for case in (second, first):
        approved_to_inspection(case, line_id, host)
    second = returns.resolve(second.pk, "refund", actor=STAFF_ACTOR, host=host)
    first = returns.resolve(first.pk, "refund", actor=STAFF_ACTOR, host=host)
    assert (second.refund_amount, first.refund_amount) == (Decimal(667), Decimal(333))
    assert money_out(order_id) == Decimal(1000)


def test_a_fee_is_charged_on_the_share_the_case_gets_at_its_resolution():
    """With a 10 % fee, the case settled last is charged on the share it is paid (334 JPY -> fee 33)."""
    publish_fee_policy("c1", "JPY", percent="10")
    order_id, line_id = place_order("c1", "JPY", 3, Decimal(1000))
    host = SandboxHost()
    cases = [request(order_id, line_id, 1, host) for _ in range(3)]
    for case in cases:
        approved_to_inspection(case, line_id, host)
    resolved = [returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host) for case in cases]
    assert [case.refund_amount for case in resolved] == [Decimal(300), Decimal(301), Decimal(300)]
    assert [case.fees_amount for case in resolved] == [Decimal(33)] * 3
    assert money_out(order_id) == Decimal(901)


# --- any interleaving of filing and resolving


@st.composite
def schedules(draw: st.DrawFn) -> tuple[str, int, Decimal, list[int], list[str], list[int]]:
    """A line (currency, units, paid), the cases that return all its units between them (units and the resolution
    that moves their money: refund, or keep the item, which refunds without a return), and an interleaving of
    the cases' steps: file; approve; (receive; inspect;) resolve."""
    currency = draw(st.sampled_from(sorted(CURRENCIES)))
    units = draw(st.integers(1, 6))
    minor = draw(st.integers(units, 10**6) | st.integers(units, 3 * units + 2))
    paid = Decimal(minor).scaleb(-CURRENCIES[currency])
    sizes: list[int] = []
    while sum(sizes) < units:
        sizes.append(draw(st.integers(1, units - sum(sizes))))
    resolutions = [draw(st.sampled_from(["refund", "refund", "keep_item"])) for _ in sizes]
    steps = [5 if resolution == "refund" else 3 for resolution in resolutions]
    if draw(st.booleans()):
        order = draw(st.permutations([index for index, count in enumerate(steps) for _ in range(count)]))
    else:  # step by step: every case filed, then every case approved, ..., then every case resolved
        cases = list(range(len(sizes)))
        order = [index for step in range(5) for index in draw(st.permutations(cases)) if steps[index] > step]
    return currency, units, paid, sizes, resolutions, order


def take_step(case: Case, step: int, resolution: str, line_id: str, host: SandboxHost) -> None:
    """Staff's ``step``-th step on a filed ``case``: approve, (receive, inspect,) then resolve by ``resolution``."""
    before = ["approve"] if resolution == "keep_item" else ["approve", "receive", "inspect"]
    action = before[step - 1] if step <= len(before) else "resolve"
    if action == "approve":
        returns.approve(case.pk, actor=STAFF_ACTOR)
    elif action == "receive":
        returns.mark_received(case.pk, actor=STAFF_ACTOR)
    elif action == "inspect":
        returns.inspect(case.pk, {line_id: "unopened"}, actor=STAFF_ACTOR, host=host)
    else:
        resolved = returns.resolve(case.pk, resolution, actor=STAFF_ACTOR, host=host)
        assert resolved.status == "resolved", (resolved.status, resolved.failure_message)


@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(schedule=schedules())
def test_a_line_returned_over_any_interleaving_of_cases_is_refunded_exactly_what_was_paid(schedule):
    """With no fees: refunded <= paid after every step, and once every unit is settled, refunded == paid."""
    currency, units, paid, sizes, resolutions, order = schedule
    channel = f"open-{currency.lower()}"
    if not PolicyVersion.objects.filter(channel=channel).exists():
        publish_fee_policy(channel, currency)
    order_id, line_id = place_order(channel, currency, units, paid)
    host = SandboxHost()
    cases: dict[int, Case] = {}
    done = dict.fromkeys(range(len(sizes)), 0)
    for index in order:
        step, done[index] = done[index], done[index] + 1
        if step == 0:
            cases[index] = request(order_id, line_id, sizes[index], host, resolutions[index])
            continue
        take_step(cases[index], step, resolutions[index], line_id, host)
        assert money_out(order_id) <= paid
    assert money_out(order_id) == paid, (currency, units, paid, sizes, resolutions, order)
    line = balances(get_order(order_id), host)[line_id]
    assert (line.refunded, line.returnable) == (paid, 0)


def test_a_case_whose_refund_was_refused_does_not_count_as_settled():
    """The items of the first case came back but the payment app refused its refund: the cases resolved meanwhile
    are priced before it, and its retry gets what is left."""
    publish_fee_policy("c1", "JPY")
    order_id, line_id = place_order("c1", "JPY", 3, Decimal(1000))
    host = SandboxHost()
    cases = [request(order_id, line_id, 1, host) for _ in range(3)]
    for case in cases:
        approved_to_inspection(case, line_id, host)
    failed = returns.resolve(cases[0].pk, "refund", actor=STAFF_ACTOR, host=SandboxHost(refunds="refused"))
    assert failed.status == "resolution_failed"
    later = [returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host) for case in cases[1:]]
    retried = returns.resolve(cases[0].pk, "refund", actor=STAFF_ACTOR, host=host)
    assert [case.refund_amount for case in later] == [Decimal(333), Decimal(334)]
    assert (retried.status, retried.refund_amount) == ("resolved", Decimal(333))
    assert money_out(order_id) == Decimal(1000)
