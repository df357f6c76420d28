"""The after-sales workflows end to end on real PostgreSQL: request, review, receive, inspect, resolve."""

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from factories import CUSTOMER_ACTOR, STAFF_ACTOR, TV, cable_line, order_facts, order_line
from return_steps import inspected_return, refused_resolve

from saleor_aftersales_plugin.domain.actors import STAFF, Actor
from saleor_aftersales_plugin.domain.cases import TransitionError
from saleor_aftersales_plugin.domain.facts import LineRequest, OrderFacts
from saleor_aftersales_plugin.domain.host import HostError, HostResult, RefundRequest, ReturnedLine
from saleor_aftersales_plugin.models import CaseEvent, OrderLineRecord, OutboxMessage
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import ServiceError, conversations, repairs, returns
from saleor_aftersales_plugin.services.cases import transition
from saleor_aftersales_plugin.services.orders import record_order
from saleor_aftersales_plugin.services.policies import publish_policy

pytestmark = pytest.mark.django_db

CHANNEL = "volt"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "electronics-shop.yaml"


@pytest.fixture
def policy():
    data, _ = load_source(EXAMPLE.read_text())
    version, _ = publish_policy(CHANNEL, normalise_policy(data), EXAMPLE.read_text(), "yaml")
    return version


def _order(delivered_days_ago: int = 3, **product_changes) -> OrderFacts:
    now = timezone.now()
    placed = now - timedelta(days=delivered_days_ago + 2)
    delivered = now - timedelta(days=delivered_days_ago)
    tv = order_line(
        replace(TV, **product_changes),
        quantity=2,
        unit_price="1299.00",
        fulfilled_at=placed + timedelta(days=1),
        delivered_at=delivered,
    )
    return order_facts((tv, cable_line(delivered_at=delivered)), created_at=placed)


def _statuses(case) -> list[str]:
    return [
        e.to_status for e in CaseEvent.objects.filter(case=case, type="status_changed").order_by("at", "id")
    ]


def test_opened_tv_is_refunded_minus_the_restocking_fee_through_the_whole_flow(policy):
    facts = _order()
    record_order(facts)
    tv = facts.lines[0]
    case, created = returns.request_return(
        facts.order_id,
        [LineRequest(tv.line_id, 1, reason="no_reason", resolution="refund")],
        actor=CUSTOMER_ACTOR,
        idempotency_key="key-1",
    )
    assert created and case.status == "requested" and case.refund_amount == Decimal("1299.00")
    assert OrderLineRecord.objects.get(line_id=tv.line_id).quantity_returned == 1
    again, created_again = returns.request_return(
        facts.order_id,
        [LineRequest(tv.line_id, 1, reason="no_reason")],
        actor=CUSTOMER_ACTOR,
        idempotency_key="key-1",
    )
    assert again.pk == case.pk and not created_again
    assert OrderLineRecord.objects.get(line_id=tv.line_id).quantity_returned == 1

    returns.approve(case.pk, actor=STAFF_ACTOR)
    returns.mark_received(case.pk, actor=STAFF_ACTOR)
    case = returns.inspect(case.pk, {tv.line_id: "opened"}, actor=STAFF_ACTOR)
    assert case.status == "inspected"
    # 15 % of 1299.00 = 194.85 restocking fee, decided by the rule that says so.
    assert case.fees_amount == Decimal("194.85") and case.refund_amount == Decimal("1104.15")
    assert case.decision["refund"]["fees"][0]["rule"] == "opened-electronics-restocking"

    case = returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=SandboxHost())
    assert case.status == "resolved" and case.resolution == "refund"
    assert _statuses(case) == ["approved", "awaiting_return", "received", "inspected", "resolved"]
    refund_event = CaseEvent.objects.get(case=case, type="refund_issued")
    assert refund_event.payload["amount"] == "1104.15" and "no money moved" in refund_event.message
    assert OrderLineRecord.objects.get(line_id=tv.line_id).refunded_amount == Decimal("1104.15")


def test_ineligible_lines_are_refused_with_the_reason_and_nothing_is_held(policy):
    facts = _order(delivered_days_ago=16)
    record_order(facts)
    with pytest.raises(ServiceError) as refused:
        returns.request_return(
            facts.order_id, [LineRequest(facts.lines[0].line_id, 1, reason="no_reason")], actor=CUSTOMER_ACTOR
        )
    assert refused.value.code == "not_eligible"
    assert refused.value.message == "OLED TV cannot be returned: The return window for this item has ended."
    assert OrderLineRecord.objects.get(line_id=facts.lines[0].line_id).quantity_returned == 0
    # A defect is still inside its 30-day window, but needs two photos.
    with pytest.raises(ServiceError) as photos:
        returns.request_return(
            facts.order_id, [LineRequest(facts.lines[0].line_id, 1, reason="defective")], actor=CUSTOMER_ACTOR
        )
    assert photos.value.code == "photos_required"
    case, _ = returns.request_return(
        facts.order_id,
        [LineRequest(facts.lines[0].line_id, 1, reason="defective")],
        actor=CUSTOMER_ACTOR,
        photo_urls=["https://img.example/1.jpg", "https://img.example/2.jpg"],
    )
    assert case.decision["lines"][0]["reasons"] == ["defect_claim"]


def test_cheap_items_are_approved_automatically_and_cancelling_releases_the_units(policy):
    facts = _order()
    record_order(facts)
    cable = facts.lines[1]
    case, _ = returns.request_return(
        facts.order_id, [LineRequest(cable.line_id, 1, reason="no_reason")], actor=CUSTOMER_ACTOR
    )
    assert case.status == "awaiting_return"
    assert CaseEvent.objects.get(case=case, to_status="approved").actor_type == "system"
    with pytest.raises(ServiceError) as twice:
        returns.request_return(
            facts.order_id, [LineRequest(cable.line_id, 1, reason="no_reason")], actor=CUSTOMER_ACTOR
        )
    assert twice.value.message == (
        "HDMI cable cannot be returned: More units were requested than were delivered and not yet returned."
    )
    returns.cancel(case.pk, actor=CUSTOMER_ACTOR, reason="found it")
    assert OrderLineRecord.objects.get(line_id=cable.line_id).quantity_returned == 0
    with pytest.raises(TransitionError, match="cannot move to 'received'"):
        returns.mark_received(case.pk, actor=STAFF_ACTOR)


class FlakyHost(SandboxHost):
    """A host whose refunds fail until told otherwise; counts what really happened."""

    def __init__(self) -> None:
        self.fail = True
        self.refunds: list[Decimal] = []
        self.returns = 0

    def mark_returned(self, order_id: str, case_id: str, lines: Sequence[ReturnedLine]) -> HostResult:
        self.returns += 1
        return super().mark_returned(order_id, case_id, lines)

    def refund(self, request: RefundRequest) -> HostResult:
        if self.fail:
            raise HostError("The payment gateway declined the refund (gateway timeout).")
        self.refunds.append(request.amount)
        return super().refund(request)


def _inspected_tvs(quantity: int, condition: str):
    """A fresh order's TVs, ``quantity`` of them returned and inspected as ``condition``."""
    facts = _order()
    record_order(facts)
    return inspected_return(facts.order_id, facts.lines[0].line_id, quantity, condition)


def test_a_failed_refund_stays_visible_and_a_retry_pays_exactly_once(policy):
    case = _inspected_tvs(2, "unopened")
    host = FlakyHost()
    case = returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host)
    assert case.status == "resolution_failed" and "gateway timeout" in case.failure_message
    host.fail = False
    case = returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host)
    assert case.status == "resolved" and case.failure_message == ""
    assert host.refunds == [Decimal("2598.00")] and host.returns == 1
    with pytest.raises(ServiceError):
        returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=host)
    assert host.refunds == [Decimal("2598.00")]


def test_staff_override_needs_a_reason_and_is_recorded(policy):
    case = _inspected_tvs(1, "damaged")
    with pytest.raises(ServiceError, match="reason"):
        returns.resolve(case.pk, "refund", actor=STAFF_ACTOR, host=SandboxHost(), amount=Decimal("1000"))
    for bad in (Decimal("1000.004"), Decimal("NaN"), Decimal("Infinity"), Decimal("-1")):
        refused = refused_resolve(case, "store_credit", amount=bad, override_reason="x")
        assert (refused.code, refused.field) == ("invalid", "amount")
    case = returns.resolve(
        case.pk,
        "store_credit",
        actor=STAFF_ACTOR,
        host=SandboxHost(),
        amount=Decimal("1000.00"),
        override_reason="scratched",
    )
    assert case.refund_amount == Decimal("1000.00")
    resolved = CaseEvent.objects.get(case=case, to_status="resolved")
    assert resolved.payload["override_reason"] == "scratched" and resolved.actor_id == "staff-1"


def _requested_repair(delivered_days_ago: int):
    """The customer's repair request, with two photos, for a TV delivered ``delivered_days_ago``."""
    facts = _order(delivered_days_ago=delivered_days_ago)
    record_order(facts)
    case, _ = repairs.request_repair(
        facts.order_id,
        LineRequest(facts.lines[0].line_id, 1, reason="defective"),
        actor=CUSTOMER_ACTOR,
        photo_urls=("a", "b"),
    )
    return case


def _diagnose(case) -> None:
    """Staff approve the repair, receive the item and start the diagnosis."""
    transition(case.pk, "approved", actor=Actor(STAFF, "staff-1"))
    repairs.update_repair_status(case.pk, "received", actor=STAFF_ACTOR)
    repairs.update_repair_status(case.pk, "diagnosing", actor=STAFF_ACTOR)


def test_repairs_are_free_in_warranty_and_quoted_outside(policy):
    case = _requested_repair(delivered_days_ago=30)
    assert repairs.in_warranty(case)
    _diagnose(case)
    with pytest.raises(ServiceError) as free:
        repairs.create_quote(case.pk, Decimal("80"), actor=STAFF_ACTOR)
    assert free.value.code == "in_warranty"
    assert repairs.update_repair_status(case.pk, "repairing", actor=STAFF_ACTOR).status == "repairing"

    old_case = _requested_repair(delivered_days_ago=800)
    assert not repairs.in_warranty(old_case)
    _diagnose(old_case)
    with pytest.raises(ServiceError) as quote_first:
        repairs.update_repair_status(old_case.pk, "repairing", actor=STAFF_ACTOR)
    assert quote_first.value.code == "quote_required"
    quoted = repairs.create_quote(old_case.pk, Decimal("149.999"), actor=STAFF_ACTOR)
    assert quoted.status == "quoted" and quoted.fees_amount == Decimal("150.00")
    assert repairs.answer_quote(old_case.pk, accept=True, actor=CUSTOMER_ACTOR).status == "quote_accepted"


def test_complaints_are_answered_escalated_and_reopened(policy):
    facts = _order()
    record_order(facts)
    case, _ = conversations.open_complaint(
        facts.order_id, category="logistics", comment="The box arrived crushed.", actor=CUSTOMER_ACTOR
    )
    assert case.status == "open" and case.decision["escalation_path"] == "complaints"
    assert case.decision["sla"]["first_response_hours"] == "24"
    with pytest.raises(ServiceError):
        conversations.open_complaint(facts.order_id, category="weather", comment="x", actor=CUSTOMER_ACTOR)
    conversations.add_note(case.pk, "Check the courier's photos.", actor=STAFF_ACTOR)
    with pytest.raises(ServiceError):
        conversations.add_note(case.pk, "let me in", actor=CUSTOMER_ACTOR)
    conversations.reply(case.pk, "Sorry! We are sending a replacement box.", actor=STAFF_ACTOR)
    case = conversations.escalate(case.pk, actor=STAFF_ACTOR, reason="customer asked for a manager")
    assert case.escalation_tier == 1 and case.first_responded_at is not None
    with pytest.raises(ServiceError):
        conversations.escalate(case.pk, actor=STAFF_ACTOR, reason="again", tier=1)
    conversations.resolve_complaint(case.pk, actor=STAFF_ACTOR, message="Replacement delivered.")
    assert conversations.reopen(case.pk, actor=CUSTOMER_ACTOR, message="Still broken").status == "open"
    assert _statuses(case) == ["responded", "resolved", "open"]


def test_customer_messages_follow_the_order_language_and_staff_get_the_shop_language(policy):
    facts = replace(_order(), language_code="zh-hans")
    record_order(facts)
    case, _ = returns.request_return(
        facts.order_id, [LineRequest(facts.lines[0].line_id, 1, reason="no_reason")], actor=CUSTOMER_ACTOR
    )
    to_customer = OutboxMessage.objects.filter(case=case, recipient="ada@example.com")
    assert to_customer.exists() and {m.language for m in to_customer} == {"zh_Hans"}
    to_staff = OutboxMessage.objects.filter(case=case).exclude(recipient="ada@example.com")
    assert {m.language for m in to_staff} <= {"en"}
