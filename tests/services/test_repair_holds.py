"""A unit in an open repair (or warranty claim) is held by it, as a unit in an open return is.

From the repair's request until the item is shipped back (or the case is declined, cancelled or closed) the unit
cannot also be returned, exchanged or sent in for a second repair, and the refusal names the case that holds it.
Once the item is back with the customer it may be returned within the policy. The units a repair holds are never
settled: they move no return's position on the line, so the line's refunds still add up to what was paid, never more.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from factories import CUSTOMER_ACTOR, STAFF_ACTOR, TV, order_facts, order_line
from money_steps import money_out, place_order
from notification_fixtures import publish_example
from return_steps import inspected_return

from saleor_aftersales_plugin.domain.facts import CaseKind, LineRequest
from saleor_aftersales_plugin.domain.money import paid_for_units
from saleor_aftersales_plugin.models import Case
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import ServiceError, repairs, returns
from saleor_aftersales_plugin.services.cases import transition
from saleor_aftersales_plugin.services.eligibility import REASON_IN_OPEN_CASE, evaluate
from saleor_aftersales_plugin.services.ledger import balances, holding_case_numbers
from saleor_aftersales_plugin.services.orders import get_order, record_order

pytestmark = pytest.mark.django_db

PHOTOS = ("https://example.com/1.jpg", "https://example.com/2.jpg")
HELD = (
    "requested",
    "approved",
    "received",
    "diagnosing",
    "repairing",
    "quoted",
    "quote_accepted",
    "quote_declined",
)
"""Every status of a repair that holds its unit, as :func:`_repair_at` reaches it."""
RELEASED = ("shipped_back", "closed", "declined", "declined_closed", "declined_quote_shipped_back")
"""Ends of a repair after which the unit is the customer's again (the last two: declined then closed; a quote
declined and the item shipped back unrepaired)."""
_PATHS = {
    "requested": (),
    "approved": ("approved",),
    "received": ("approved", "received"),
    "diagnosing": ("approved", "received", "diagnosing"),
    "repairing": ("approved", "received", "diagnosing", "repairing"),
    "quoted": ("approved", "received", "diagnosing", "quoted"),
    "quote_accepted": ("approved", "received", "diagnosing", "quoted", "quote_accepted"),
    "quote_declined": ("approved", "received", "diagnosing", "quoted", "quote_declined"),
    "shipped_back": ("approved", "received", "diagnosing", "repairing", "shipped_back"),
    "closed": ("approved", "received", "diagnosing", "repairing", "shipped_back", "closed"),
    "declined": ("declined",),
    "declined_closed": ("declined", "closed"),
    "declined_quote_shipped_back": (
        "approved",
        "received",
        "diagnosing",
        "quoted",
        "quote_declined",
        "shipped_back",
    ),
}


def _tv_order(quantity: int = 1) -> tuple[str, str]:
    """An order of ``quantity`` TVs at 499.00 delivered two days ago on the example policy; (order, line) ids."""
    publish_example()
    now = timezone.now()
    line = order_line(
        TV,
        quantity=quantity,
        unit_price="499.00",
        fulfilled_at=now - timedelta(days=3),
        delivered_at=now - timedelta(days=2),
    )
    facts = order_facts((line,), number="2001")
    record_order(facts)
    return facts.order_id, line.line_id


def _repair(order_id: str, line_id: str, quantity: int = 1) -> Case:
    """The customer's warranty claim for ``quantity`` defective units (the example policy sends it to review)."""
    case, _ = repairs.request_repair(
        order_id, LineRequest(line_id, quantity, reason="defective"), actor=CUSTOMER_ACTOR, photo_urls=PHOTOS
    )
    assert case.status == "requested"
    return case


def _repair_at(case: Case, stop: str) -> Case:
    """``case`` moved by staff (and the customer, for a quote's answer) along the path to ``stop``."""
    for status in _PATHS[stop]:
        if status in ("approved", "declined"):
            case = transition(case.pk, status, actor=STAFF_ACTOR)
        elif status == "quoted":
            case = repairs.create_quote(
                case.pk, Decimal("80.00"), actor=STAFF_ACTOR, override_reason="Screen cracked by a fall."
            )
        elif status in ("quote_accepted", "quote_declined"):
            case = repairs.answer_quote(case.pk, accept=status == "quote_accepted", actor=CUSTOMER_ACTOR)
        else:
            case = repairs.update_repair_status(case.pk, status, actor=STAFF_ACTOR)
    return case


def _ask_return(order_id: str, line_id: str, quantity: int = 1, *, kind=CaseKind.RETURN, host=None) -> Case:
    case, _ = returns.request_return(
        order_id,
        [
            LineRequest(
                line_id, quantity, reason="defective", resolution="refund" if kind == CaseKind.RETURN else ""
            )
        ],
        actor=CUSTOMER_ACTOR,
        kind=kind,
        photo_urls=PHOTOS,
        host=host,
    )
    return case


@pytest.mark.parametrize("host", [None, SandboxHost()], ids=["cached", "sandbox"])
@pytest.mark.parametrize("kind", [CaseKind.RETURN, CaseKind.EXCHANGE])
@pytest.mark.parametrize("stop", HELD)
def test_a_unit_in_an_open_repair_cannot_be_returned_nor_exchanged(stop, kind, host):
    order_id, line_id = _tv_order()
    repair = _repair_at(_repair(order_id, line_id), stop)
    assert repair.status == stop
    with pytest.raises(ServiceError) as refused:
        _ask_return(order_id, line_id, kind=kind, host=host)
    assert (refused.value.code, refused.value.field) == ("not_eligible", "lines.0")
    if host is not None:  # the host's ledger tells why: the unit is in an open case
        assert "already in an open after-sales case" in refused.value.message
    assert not Case.objects.filter(order__order_id=order_id, kind=kind).exists()


@pytest.mark.parametrize("stop", ("requested", "repairing", "quote_declined"))
def test_the_refusal_names_the_repair_that_holds_the_unit(stop):
    order_id, line_id = _tv_order()
    repair = _repair_at(_repair(order_id, line_id), stop)
    order = get_order(order_id)
    for kind in (CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REPAIR):
        decision, _ = evaluate(order, kind, [LineRequest(line_id, 1, reason="defective")], host=SandboxHost())
        (line,) = decision.lines
        assert (line.eligible, line.reasons, line.refundable) == (
            False,
            (REASON_IN_OPEN_CASE,),
            Decimal(0),
        ), kind
    assert holding_case_numbers(order) == {line_id: [repair.number]}


@pytest.mark.parametrize("stop", HELD)
def test_a_unit_in_an_open_repair_cannot_be_sent_in_for_a_second_repair(stop):
    order_id, line_id = _tv_order()
    _repair_at(_repair(order_id, line_id), stop)
    with pytest.raises(ServiceError) as refused:
        _repair(order_id, line_id)
    assert refused.value.code == "not_eligible"
    assert Case.objects.filter(order__order_id=order_id, kind=CaseKind.REPAIR).count() == 1


@pytest.mark.parametrize("host", [None, SandboxHost()], ids=["cached", "sandbox"])
@pytest.mark.parametrize("stop", RELEASED)
def test_once_the_repair_is_over_the_unit_may_be_returned(stop, host):
    order_id, line_id = _tv_order()
    _repair_at(_repair(order_id, line_id), stop)
    assert holding_case_numbers(get_order(order_id)) == {}
    case = _ask_return(order_id, line_id, host=host)
    assert case.status == "requested"
    assert case.refund_amount == Decimal("499.00")


def test_a_repair_holds_only_its_own_units():
    """Three TVs, one in the workshop: the other two may still be returned, and the eligibility offers those two."""
    order_id, line_id = _tv_order(quantity=3)
    _repair_at(_repair(order_id, line_id), "repairing")
    host = SandboxHost()
    line = balances(get_order(order_id), host)[line_id]
    assert (line.held, line.unsettled, line.settled, line.returnable) == (1, 1, 0, 2)
    with pytest.raises(ServiceError):
        _ask_return(order_id, line_id, 3, host=host)
    assert _ask_return(order_id, line_id, 2, host=host).refund_amount == Decimal("998.00")


def test_units_a_repair_holds_do_not_move_a_returns_price_and_the_refunds_add_up_to_what_was_paid():
    """1000.00 EUR paid for three units (333.33 + 333.34 + 333.33). One is in the workshop while another is returned:
    the return is priced as the line's first unit settled (333.33), not as if the repaired one were settled before
    it. Once the repaired unit is shipped back it may be returned too; the three refunds add up to 1000.00."""
    publish_example()
    order_id, line_id = place_order("volt", "EUR", 3, Decimal("1000.00"), unit="333.33")
    host = SandboxHost()
    repair = _repair_at(_repair(order_id, line_id), "repairing")
    first = inspected_return(order_id, line_id, 1, "unopened", host=host)
    assert first.refund_amount == paid_for_units(Decimal("1000.00"), 3, 1, "EUR", 0) == Decimal("333.33")
    line = balances(get_order(order_id), host)[line_id]
    assert (line.held, line.unsettled, line.settled, line.returnable) == (2, 2, 0, 1)
    assert returns.resolve(first.pk, "refund", actor=STAFF_ACTOR, host=host).refund_amount == Decimal(
        "333.33"
    )
    second = inspected_return(order_id, line_id, 1, "unopened", host=host)
    assert returns.resolve(second.pk, "refund", actor=STAFF_ACTOR, host=host).refund_amount == Decimal(
        "333.34"
    )
    with pytest.raises(ServiceError):  # the last unit is still in the workshop
        inspected_return(order_id, line_id, 1, "unopened", host=host)
    repairs.update_repair_status(repair.pk, "shipped_back", actor=STAFF_ACTOR)
    third = inspected_return(order_id, line_id, 1, "unopened", host=host)
    assert returns.resolve(third.pk, "refund", actor=STAFF_ACTOR, host=host).refund_amount == Decimal(
        "333.33"
    )
    assert money_out(order_id) == Decimal("1000.00")
    line = balances(get_order(order_id), host)[line_id]
    assert (line.refunded, line.refundable, line.returnable) == (Decimal("1000.00"), Decimal(0), 0)


def test_a_refunded_unit_cannot_be_sent_in_for_a_warranty_repair():
    """The reverse order, already refused: the customer has their money back and the shop has the TV."""
    order_id, line_id = _tv_order()
    host = SandboxHost()
    case = inspected_return(order_id, line_id, 1, "unopened", host=host)
    assert returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host).status == "resolved"
    with pytest.raises(ServiceError) as refused:
        _repair(order_id, line_id)
    assert refused.value.code == "not_eligible"
