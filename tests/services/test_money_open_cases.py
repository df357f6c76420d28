"""Money of a line returned over several cases that are open at the same time.

Each case's units are priced by their position on the line (:func:`~saleor_aftersales_plugin.domain.money.
paid_for_units`: cumulative half-up shares, 333 + 334 + 333 for 1000 JPY over three units). Units held by other
open cases count for availability (a unit cannot be asked for twice) but not for that position: only units whose
money is settled do, so the line's last units settled get exactly what is left of what was paid, whatever the
order in which cases were filed and resolved.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from factories import CUSTOMER_ACTOR, STAFF_ACTOR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleor_aftersales_plugin.domain.facts import LineRequest, OrderFacts, OrderLineFacts, ProductFacts
from saleor_aftersales_plugin.domain.money import paid_for_units
from saleor_aftersales_plugin.models import Case, PolicyVersion, SandboxLedgerEntry
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import ServiceError, returns
from saleor_aftersales_plugin.services.ledger import balances
from saleor_aftersales_plugin.services.orders import get_order, record_order
from saleor_aftersales_plugin.services.policies import publish_policy

pytestmark = pytest.mark.django_db

POLICY = """
schema_version: 1.1
name: open cases
defaults:
  currency: {currency}
  country: DE
  time_zone: UTC
  languages: [en]
  eligible: true
  window: {{days: 30, anchor: delivery, day_kind: calendar}}
  resolutions: [refund, store_credit, exchange, keep_item]
  review: required
  rounding: half_up
rules:
  - id: fee
    priority: 10
    conditions:
      all:
        - {{name: reason, operator: equal_to, value: no_reason}}
    actions:
      - {{name: add_fee, params: {{code: restocking, kind: percent, amount: {percent}, scope: line}}}}
"""

CURRENCIES = {"JPY": 0, "EUR": 2, "KWD": 3}


def publish(channel: str, currency: str, percent: str = "0") -> None:
    text = POLICY.format(currency=currency, percent=percent)
    data, _ = load_source(text)
    publish_policy(channel, normalise_policy(data), text, "yaml")


def place_order(channel: str, currency: str, quantity: int, paid: Decimal) -> tuple[str, str]:
    """An order of one delivered line of ``quantity`` units that the customer paid ``paid`` for."""
    now = timezone.now()
    line = OrderLineFacts(
        line_id=str(uuid.uuid4()),
        product=ProductFacts(sku="X", product_name="Thing", category_path=("misc",)),
        quantity=quantity,
        unit_price=paid / quantity,
        paid_total=paid,
        quantity_fulfilled=quantity,
        fulfilled_at=now - timedelta(days=3),
        delivered_at=now - timedelta(days=2),
    )
    facts = OrderFacts(
        order_id=str(uuid.uuid4()),
        channel=channel,
        currency=currency,
        created_at=now - timedelta(days=4),
        lines=(line,),
        total=paid,
        customer_id="customer-1",
        customer_email="ada@example.com",
        shipping_country="DE",
    )
    record_order(facts)
    return facts.order_id, line.line_id


def file(order_id: str, line_id: str, quantity: int, host: SandboxHost, resolution: str = "") -> Case:
    case, _ = returns.request_return(
        order_id,
        [LineRequest(line_id, quantity, reason="no_reason", resolution=resolution)],
        actor=CUSTOMER_ACTOR,
        host=host,
    )
    return case


def refunded(order_id: str) -> Decimal:
    """The money the host paid back for the order (refunds and store credit, not the failed ones)."""
    entries = (
        SandboxLedgerEntry.objects.filter(order_id=order_id).exclude(kind="return").exclude(outcome="failure")
    )
    return sum((entry.amount or Decimal(0) for entry in entries), Decimal(0))


@pytest.mark.parametrize(("currency", "paid"), [("JPY", "1000"), ("EUR", "30.01"), ("KWD", "10.000")])
def test_three_cases_open_at_once_on_one_line_refund_everything_paid(currency, paid):
    """Three one-unit returns filed before staff resolve any: the customer gets back all 1000 JPY, not 999."""
    publish("c1", currency)
    order_id, line_id = place_order("c1", currency, 3, Decimal(paid))
    host = SandboxHost()
    cases = [file(order_id, line_id, 1, host) for _ in range(3)]
    for case in cases:
        returns.approve(case.pk, actor=STAFF_ACTOR)
        returns.mark_received(case.pk, actor=STAFF_ACTOR)
        returns.inspect(case.pk, {line_id: "unopened"}, actor=STAFF_ACTOR, host=host)
    amounts = [
        returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host).refund_amount for case in cases
    ]
    assert refunded(order_id) == Decimal(paid)
    assert sum(amounts, Decimal(0)) == Decimal(paid)
    # Each case got one unit's share, in the order the cases were settled.
    assert amounts == [paid_for_units(Decimal(paid), 3, 1, currency, already) for already in range(3)]
    line = balances(get_order(order_id), host)[line_id]
    assert (line.refunded, line.returnable) == (Decimal(paid), 0)


def test_units_of_open_cases_still_cannot_be_asked_for_twice():
    publish("c1", "JPY")
    order_id, line_id = place_order("c1", "JPY", 3, Decimal(1000))
    host = SandboxHost()
    file(order_id, line_id, 2, host)
    file(order_id, line_id, 1, host)
    with pytest.raises(ServiceError) as refused:
        file(order_id, line_id, 1, host)
    assert refused.value.code == "not_eligible"


def test_an_open_cases_estimate_is_its_provisional_share():
    """Before anything is settled every open case's estimate is the share of the line's first units; what each
    case gets is fixed at its resolution, by the units settled before it."""
    publish("c1", "JPY")
    order_id, line_id = place_order("c1", "JPY", 3, Decimal(1000))
    host = SandboxHost()
    first, second = file(order_id, line_id, 1, host), file(order_id, line_id, 2, host)
    assert (first.refund_amount, second.refund_amount) == (Decimal(333), Decimal(667))
    for case in (second, first):
        returns.approve(case.pk, actor=STAFF_ACTOR)
        returns.mark_received(case.pk, actor=STAFF_ACTOR)
        returns.inspect(case.pk, {line_id: "unopened"}, actor=STAFF_ACTOR, host=host)
    second = returns.resolve(second.pk, "refund", actor=STAFF_ACTOR, host=host)
    first = returns.resolve(first.pk, "refund", actor=STAFF_ACTOR, host=host)
    assert (second.refund_amount, first.refund_amount) == (Decimal(667), Decimal(333))
    assert refunded(order_id) == Decimal(1000)


def test_a_fee_is_charged_on_the_share_the_case_gets_at_its_resolution():
    """With a 10 % fee, the case settled last is charged on the share it is paid (334 JPY -> fee 33)."""
    publish("c1", "JPY", percent="10")
    order_id, line_id = place_order("c1", "JPY", 3, Decimal(1000))
    host = SandboxHost()
    cases = [file(order_id, line_id, 1, host) for _ in range(3)]
    for case in cases:
        returns.approve(case.pk, actor=STAFF_ACTOR)
        returns.mark_received(case.pk, actor=STAFF_ACTOR)
        returns.inspect(case.pk, {line_id: "unopened"}, actor=STAFF_ACTOR, host=host)
    resolved = [returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host) for case in cases]
    assert [case.refund_amount for case in resolved] == [Decimal(300), Decimal(301), Decimal(300)]
    assert [case.fees_amount for case in resolved] == [Decimal(33)] * 3
    assert refunded(order_id) == Decimal(901)


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
        publish(channel, currency)
    order_id, line_id = place_order(channel, currency, units, paid)
    host = SandboxHost()
    cases: dict[int, Case] = {}
    done = dict.fromkeys(range(len(sizes)), 0)
    for index in order:
        step, done[index] = done[index], done[index] + 1
        if step == 0:
            cases[index] = file(order_id, line_id, sizes[index], host, resolutions[index])
            continue
        take_step(cases[index], step, resolutions[index], line_id, host)
        assert refunded(order_id) <= paid
    assert refunded(order_id) == paid, (currency, units, paid, sizes, resolutions, order)
    line = balances(get_order(order_id), host)[line_id]
    assert (line.refunded, line.returnable) == (paid, 0)


def test_a_case_whose_refund_was_refused_does_not_count_as_settled():
    """The items of the first case came back but the payment app refused its refund: the cases resolved meanwhile
    are priced before it, and its retry gets what is left."""
    publish("c1", "JPY")
    order_id, line_id = place_order("c1", "JPY", 3, Decimal(1000))
    host = SandboxHost()
    cases = [file(order_id, line_id, 1, host) for _ in range(3)]
    for case in cases:
        returns.approve(case.pk, actor=STAFF_ACTOR)
        returns.mark_received(case.pk, actor=STAFF_ACTOR)
        returns.inspect(case.pk, {line_id: "unopened"}, actor=STAFF_ACTOR, host=host)
    failed = returns.resolve(cases[0].pk, "refund", actor=STAFF_ACTOR, host=SandboxHost(refunds="refused"))
    assert failed.status == "resolution_failed"
    later = [returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host) for case in cases[1:]]
    retried = returns.resolve(cases[0].pk, "refund", actor=STAFF_ACTOR, host=host)
    assert [case.refund_amount for case in later] == [Decimal(333), Decimal(334)]
    assert (retried.status, retried.refund_amount) == ("resolved", Decimal(333))
    assert refunded(order_id) == Decimal(1000)
