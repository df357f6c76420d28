"""The money bound as a property of random workflows on the sandbox host (see tests/ledger_machine.py).

Also: the attribution rule for order-level refunds, overrides above the bound, bad amounts, refund truth (pending,
refused, retried once) and the exact amounts events record.
"""

import os
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from factories import CUSTOMER_ACTOR, STAFF_ACTOR
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test
from ledger_machine import LedgerWorld, ledger_machine
from return_steps import inspected_return, refused_resolve

from saleor_aftersales_plugin.domain.facts import LineRequest, OrderFacts, OrderLineFacts, ProductFacts
from saleor_aftersales_plugin.domain.money import attribute_refunds, spread_order_discount
from saleor_aftersales_plugin.models import CaseEvent, OutboxMessage
from saleor_aftersales_plugin.notifications.rendering import render
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import ServiceError, returns
from saleor_aftersales_plugin.services.eligibility import evaluate
from saleor_aftersales_plugin.services.ledger import balances
from saleor_aftersales_plugin.services.orders import get_order, record_order
from saleor_aftersales_plugin.services.policies import publish_policy
from saleor_aftersales_plugin.tasks import reconcile_refunds as reconcile_refunds_task

pytestmark = pytest.mark.django_db

CHANNEL = "volt"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "electronics-shop.yaml"


def publish_example(currency: str = "EUR"):
    """The example shop's policy (with keep-the-item) for orders in ``currency``."""
    small = {"EUR": '"50.00"', "JPY": '"5000"', "KWD": '"15.000"'}[currency]
    text = (
        EXAMPLE.read_text()
        .replace(
            "resolutions: [refund, store_credit, exchange]",
            "resolutions: [refund, store_credit, exchange, keep_item]",
        )
        .replace("currency: EUR", f"currency: {currency}")
        .replace('amount: "50.00"', f"amount: {small}")
    )
    data, _ = load_source(text)
    version, _ = publish_policy(CHANNEL, normalise_policy(data), text, "yaml")
    return version


@pytest.fixture
def policy():
    return publish_example()


LINES = (  # name, quantity, unit price, delivered
    ("OLED TV", 2, Decimal("499.99"), 2),
    ("HDMI cable", 1, Decimal("19.90"), 1),
    ("Batteries", 3, Decimal("5.55"), 2),
)
DISCOUNT = Decimal("7.00")
# The same order in currencies of 0 and 3 decimals, with odd minor units so the TV's two units' shares differ.
PRICES = {
    "EUR": ([Decimal("499.99"), Decimal("19.90"), Decimal("5.55")], DISCOUNT),
    "JPY": ([Decimal(49999), Decimal(1990), Decimal(555)], Decimal(700)),
    "KWD": ([Decimal("149.999"), Decimal("5.990"), Decimal("1.665")], Decimal("2.101")),
}


def place_order(currency: str = "EUR") -> str:
    now = timezone.now()
    prices, discount = PRICES[currency]
    totals = [price * quantity for (_, quantity, _, _), price in zip(LINES, prices, strict=True)]
    paid = spread_order_discount(totals, discount, currency)
    lines = tuple(
        OrderLineFacts(
            line_id=str(uuid.uuid4()),
            product=ProductFacts(
                sku=name[:4].upper(), product_name=name, category_path=("electronics", "tv")
            ),
            quantity=quantity,
            unit_price=price,
            paid_total=line_paid,
            quantity_fulfilled=delivered,
            fulfilled_at=now - timedelta(days=4),
            delivered_at=now - timedelta(days=3),
        )
        for (name, quantity, _, delivered), price, line_paid in zip(LINES, prices, paid, strict=True)
    )
    facts = OrderFacts(
        order_id=str(uuid.uuid4()),
        channel=CHANNEL,
        currency=currency,
        created_at=now - timedelta(days=5),
        lines=lines,
        total=sum(paid, Decimal(0)),
        customer_id="customer-1",
        customer_email="ada@example.com",
    )
    record_order(facts)
    return facts.order_id


def sandbox_world(currency: str = "EUR") -> LedgerWorld:
    host = SandboxHost()
    return LedgerWorld(
        new_order=lambda: place_order(currency),
        host=host,
        outside_refund=lambda order_id, amount, line_id: host.record_outside_refund(
            order_id, amount, line_id
        ),
        outside_return=host.record_outside_return,
        currency=currency,
    )


def _run(max_examples: int, steps: int, derandomize: bool, currency: str = "EUR") -> LedgerWorld:
    world = sandbox_world(currency)
    run_state_machine_as_test(
        ledger_machine(world),
        settings=settings(
            max_examples=max_examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=derandomize,
        ),
    )
    print(f"ledger machine on the sandbox ({currency}): {world.steps}")
    return world


def _resolved(world: LedgerWorld) -> int:
    return sum(count for name, count in world.steps.items() if name.startswith("resolve ") and "->" in name)


def test_random_workflows_never_refund_above_paid_nor_return_above_delivered(policy):
    """A fixed sample (derandomized, so CI sees the same runs) kept to a few seconds."""
    world = _run(max_examples=5, steps=10, derandomize=True)
    assert world.steps["examples"] >= 5
    assert _resolved(world) >= 5, world.steps
    assert world.steps.get("request", 0) > 0 and world.steps.get("outside order refund", 0) > 0


@pytest.mark.parametrize("currency", ["JPY", "KWD"])
def test_random_workflows_in_currencies_of_0_and_3_decimals(currency):
    """The same fixed sample for an order in yen and one in dinars: per-unit shares rounded to 0 and 3 decimals."""
    publish_example(currency)
    world = _run(max_examples=5, steps=10, derandomize=True, currency=currency)
    assert world.steps["examples"] >= 5
    assert _resolved(world) >= 5, world.steps


@pytest.mark.slow
def test_random_workflows_many_examples(policy):
    """The long run, with fresh random sequences each time: ``make test-slow`` (``-m slow``); CI sets
    ``AFTERSALES_FIXED_EXAMPLES=1`` so that its runs are the same sequences every time."""
    world = _run(
        max_examples=int(os.environ.get("LEDGER_EXAMPLES", "300")),
        steps=30,
        derandomize=os.environ.get("AFTERSALES_FIXED_EXAMPLES") == "1",
    )
    assert world.steps["examples"] >= 100
    assert _resolved(world) >= world.steps["examples"], world.steps


@given(
    paid=st.lists(st.decimals(min_value=0, max_value=500, places=2), min_size=1, max_size=5),
    data=st.data(),
)
def test_attribution_never_pushes_a_line_above_paid_and_never_double_counts(paid, data):
    own = [data.draw(st.decimals(min_value=0, max_value=600, places=2)) for _ in paid]
    order_level = data.draw(st.decimals(min_value=0, max_value=1000, places=2))
    counted = attribute_refunds(paid, own, order_level, "EUR")
    assert all(Decimal(0) <= c <= p for c, p in zip(counted, paid, strict=True))
    assert sum(counted) <= sum(own) + order_level
    assert sum(counted) == min(sum(own) + order_level, sum(paid)) or all(
        c >= min(o, p) for c, o, p in zip(counted, own, paid, strict=True)
    )
    assert all(c >= min(o, p) for c, o, p in zip(counted, own, paid, strict=True))


def test_order_level_refunds_spread_by_remaining_room():
    # 30 refunded for the order: the first line has 100 of room left, the second 50 (it had 50 refunded itself).
    assert attribute_refunds([Decimal(100), Decimal(100)], [Decimal(0), Decimal(50)], Decimal(30), "EUR") == [
        Decimal("20.00"),
        Decimal("60.00"),
    ]


def _inspected_case(order_id: str, resolution: str = "refund"):
    """One unit of the order's first line, returned for ``resolution`` and inspected unopened; and the line's id."""
    line_id = str(get_order(order_id).lines.order_by("id")[0].line_id)
    case = inspected_return(order_id, line_id, 1, "unopened", resolution=resolution, host=SandboxHost())
    return case, line_id


def test_an_override_above_what_was_paid_is_refused_naming_the_bound(policy):
    order_id = place_order()
    case, line_id = _inspected_case(order_id)
    paid_one = get_order(order_id).lines.get(line_id=line_id).paid_total / 2
    refused = refused_resolve(case, "refund", amount=Decimal("10000"), override_reason="x")
    assert (refused.code, refused.field) == ("refund_exceeds_paid", "amount")
    assert f"at most {paid_one.quantize(Decimal('0.01'))} EUR" in refused.message
    assert not CaseEvent.objects.filter(case=case, type="refund_issued").exists()


def test_outside_refunds_lower_the_bound_and_a_refunded_line_shows_already_refunded(policy):
    host = SandboxHost()
    order_id = place_order()
    order = get_order(order_id)
    cable = order.lines.get(product_name="HDMI cable")
    host.record_outside_refund(order_id, Decimal("19.80"), str(cable.line_id))

    decision, _ = evaluate(
        order, "return", [LineRequest(str(cable.line_id), 1, reason="no_reason")], host=host
    )

    assert not decision.lines[0].eligible and decision.lines[0].reasons[0] == "already_refunded"
    with pytest.raises(ServiceError) as refused:
        returns.request_return(
            order_id,
            [LineRequest(str(cable.line_id), 1, reason="no_reason")],
            actor=CUSTOMER_ACTOR,
            host=host,
        )
    assert refused.value.message == "HDMI cable cannot be returned: Already refunded."
    assert str(cable.line_id) not in refused.value.message


def test_units_returned_in_the_shop_show_already_returned(policy):
    host = SandboxHost()
    order_id = place_order()
    tv = get_order(order_id).lines.get(product_name="OLED TV")
    host.record_outside_return(order_id, str(tv.line_id), 2)
    with pytest.raises(ServiceError) as refused:
        returns.request_return(
            order_id, [LineRequest(str(tv.line_id), 1, reason="no_reason")], actor=CUSTOMER_ACTOR, host=host
        )
    assert refused.value.message.startswith("OLED TV cannot be returned: Already returned.")


def _pending_refund():
    """A refund that the payment app has not confirmed yet: the order, the case, its line and the host."""
    order_id = place_order()
    case, line_id = _inspected_case(order_id)
    pending_host = SandboxHost(refunds="pending")
    case = returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=pending_host)
    return order_id, case, line_id, pending_host


def test_a_pending_refund_resolves_only_when_confirmed_and_a_refusal_is_retried_once(policy):
    order_id, case, line_id, pending_host = _pending_refund()

    assert case.status == "refund_pending"
    assert not OutboxMessage.objects.filter(case=case, event="refund_issued").exists()
    issued = CaseEvent.objects.get(case=case, type="refund_issued")
    pending_host.settle_refund(order_id, issued.payload["reference"], succeeded=False, message="card expired")
    assert returns.reconcile_refunds(order_id, pending_host) == 1
    assert returns.reconcile_refunds(order_id, pending_host) == 0
    case.refresh_from_db()
    assert case.status == "resolution_failed" and "card expired" in case.failure_message
    assert not OutboxMessage.objects.filter(case=case, event="refund_issued").exists()
    assert balances(get_order(order_id), pending_host)[line_id].refunded == Decimal(0)

    case = returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=SandboxHost())

    assert case.status == "resolved"
    requests = CaseEvent.objects.filter(case=case, type="refund_issued")
    assert requests.count() == 2 and len({e.payload["reference"] for e in requests}) == 1
    assert balances(get_order(order_id), SandboxHost())[line_id].refunded == case.refund_amount
    assert OutboxMessage.objects.filter(case=case, event="refund_issued").count() == 1


def test_a_refusal_quoting_the_providers_own_sentence_reads_with_one_full_stop(policy):
    order_id, case, _, host = _pending_refund()
    issued = CaseEvent.objects.get(case=case, type="refund_issued")
    saleor_says = "No app or plugin is configured to handle payment action requests."
    host.settle_refund(order_id, issued.payload["reference"], succeeded=False, message=saleor_says)
    assert returns.reconcile_refunds(order_id, host) == 1
    case.refresh_from_db()
    assert case.failure_message == (
        "The payment provider refused the refund: No app or plugin is configured to handle payment action "
        "requests. The amount stays refundable; resolve the case again to retry."
    )


def test_store_credit_event_records_the_amount_issued_with_its_bonus(policy):
    order_id = place_order()
    case, line_id = _inspected_case(order_id, resolution="store_credit")
    case = returns.resolve(case.pk, "store_credit", actor=STAFF_ACTOR, host=SandboxHost())
    issued = CaseEvent.objects.get(case=case, type="store_credit_issued")
    assert Decimal(issued.payload["amount"]) == case.store_credit_amount
    assert case.store_credit_amount == (case.refund_amount * Decimal("1.05")).quantize(Decimal("0.01"))
    assert {key: Decimal(value) for key, value in issued.payload["lines"].items()} == {
        line_id: case.refund_amount
    }


def test_the_periodic_reconcile_records_a_late_refusal_and_tells_staff_not_the_customer(policy):
    order_id, case, line_id, pending_host = _pending_refund()
    assert case.status == "refund_pending"
    issued = CaseEvent.objects.get(case=case, type="refund_issued")
    # The payment app refuses later, and no hook of the host reports it: only the periodic task finds out.
    pending_host.settle_refund(order_id, issued.payload["reference"], succeeded=False, message="card expired")

    assert reconcile_refunds_task.apply().get() == {"changed": 1}
    assert reconcile_refunds_task.apply().get() == {"changed": 0}

    case.refresh_from_db()
    assert case.status == "resolution_failed"
    staff = OutboxMessage.objects.get(case=case, event="staff_resolution_failed")
    assert staff.recipient != case.customer_email
    assert not OutboxMessage.objects.filter(case=case, recipient=case.customer_email).exclude(
        event__in=["request_received", "approved", "item_received", "inspection_result"]
    )
    english = render(staff.event, "en", staff.payload)
    assert english.subject == f"Case #{case.number}: the resolution failed, no money moved"
    assert "card expired" in english.text and f"{case.refund_amount:.2f}" in english.text
    chinese = render(staff.event, "zh_Hans", staff.payload)
    assert "处理失败" in chinese.subject and "card expired" in chinese.text
    assert balances(get_order(order_id), SandboxHost())[line_id].refunded == Decimal(0)


def test_an_amount_for_an_exchange_is_refused_on_the_field_instead_of_being_ignored(policy):
    # Found by the machine: an exchange moves no money, and an amount given with it used to vanish silently.
    order_id = place_order()
    case, _ = _inspected_case(order_id, resolution="exchange")
    refused = refused_resolve(case, "exchange", amount=Decimal("2999.99"), override_reason="goodwill")
    assert (refused.code, refused.field) == ("invalid", "amount")
    assert refused.message.startswith("An exchange moves no money, so it takes no amount")
    case.refresh_from_db()
    assert case.status == "inspected" and not CaseEvent.objects.filter(case=case, type="exchange_created")
