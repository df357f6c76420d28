"""Services on real PostgreSQL: publishing policies, recording orders, opening and moving cases."""

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from test_models import PLACED, make_order_facts

from saleor_aftersales_plugin.domain.actors import Actor
from saleor_aftersales_plugin.domain.cases import TransitionError
from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.models import Case, CaseEvent, OrderLineRecord, OrderRecord, PolicyVersion
from saleor_aftersales_plugin.services import NotFoundError, ServiceError, cases, orders, policies

POLICY = {"version": 1, "return_window": {"days": 30, "from": "delivery"}, "rules": []}


def publish(channel: str, document: dict, **kwargs) -> tuple[PolicyVersion, bool]:
    return policies.publish_policy(channel, document, source=str(document), source_format="json", **kwargs)


# Policies


@pytest.mark.django_db
def test_publish_numbers_versions_per_channel_and_skips_unchanged_documents():
    first, created = publish("eu", POLICY, created_by="staff:1")
    assert created and first.version == 1 and first.created_by == "staff:1"
    # Same content in another key order, another source text: no new version.
    reordered = {"rules": [], "return_window": {"from": "delivery", "days": 30}, "version": 1}
    again, created = policies.publish_policy("eu", reordered, "rules: []\n...", "yaml")
    assert (again.pk, created) == (first.pk, False)
    second, created = publish("eu", {**POLICY, "rules": [{"name": "final sale"}]})
    assert created and second.version == 2
    assert publish("us", POLICY)[0].version == 1
    assert policies.current_policy("eu") == second
    assert policies.policy_version("eu", 1) == first
    assert first.content_hash == policies.content_hash(POLICY) == policies.content_hash(reordered)
    with pytest.raises(NotFoundError):
        policies.policy_version("eu", 3)
    assert policies.current_policy("nowhere") is None


@pytest.mark.django_db
def test_republishing_a_replaced_document_rolls_back_as_a_new_version():
    first, _ = publish("eu", POLICY)
    publish("eu", {**POLICY, "rules": [{"name": "x"}]})
    rollback, created = publish("eu", POLICY)
    assert created and rollback.version == 3 and rollback.content_hash == first.content_hash
    assert policies.current_policy("eu") == rollback


@pytest.mark.django_db
def test_future_effective_version_is_not_current_yet():
    now = timezone.now()
    first, _ = publish("eu", POLICY)
    publish("eu", {**POLICY, "rules": [{"name": "x"}]}, effective_from=now + timedelta(days=7))
    assert policies.current_policy("eu") == first
    assert policies.policy_in_force("eu", now + timedelta(days=8)).version == 2


@pytest.mark.django_db
def test_stored_document_is_the_hashed_json():
    version, _ = publish("eu", {"opens": datetime(2026, 1, 1, tzinfo=UTC).date(), "fee": Decimal("2.50")})
    version.refresh_from_db()
    assert version.document == {"opens": "2026-01-01", "fee": "2.50"}
    assert version.content_hash == policies.content_hash(version.document)


@pytest.mark.django_db(transaction=True)
def test_concurrent_publishes_get_distinct_versions(concurrently):
    documents = [{**POLICY, "rules": [{"name": f"rule {i}"}]} for i in range(8)]
    results = concurrently([lambda d=d: publish("eu", d) for d in documents])
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sorted(version.version for version, _ in results) == list(range(1, 9))
    assert all(created for _, created in results)


@pytest.mark.django_db(transaction=True)
def test_concurrent_identical_publishes_make_one_version(concurrently):
    results = concurrently([lambda: publish("eu", POLICY)] * 6)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert {version.version for version, _ in results} == {1}
    assert sum(created for _, created in results) == 1
    assert PolicyVersion.objects.filter(channel="eu").count() == 1


# Orders


@pytest.mark.django_db
def test_record_order_is_idempotent_and_pins_the_version_at_purchase():
    v1, _ = publish("eu", POLICY)
    facts = make_order_facts("eu", created_at=timezone.now())
    first = orders.record_order(facts)
    assert first.policy_version == v1
    v2, _ = publish("eu", {**POLICY, "rules": [{"name": "stricter"}]})
    again = orders.record_order(facts)
    assert again.pk == first.pk
    assert OrderRecord.objects.count() == 1 and OrderLineRecord.objects.count() == 2
    again.refresh_from_db()
    assert again.policy_version == v1  # a later publish does not re-pin
    assert again.to_facts().policy_version == 1
    assert policies.current_policy("eu") == v2


@pytest.mark.django_db
def test_late_recorded_order_gets_the_version_in_force_when_placed():
    placed = timezone.now()
    v1, _ = publish("eu", POLICY)
    PolicyVersion.objects.filter(pk=v1.pk).update(effective_from=placed - timedelta(days=1))
    publish("eu", {**POLICY, "rules": [{"name": "new"}]})  # effective now, after the order was placed
    record = orders.record_order(make_order_facts("eu", created_at=placed))
    assert record.policy_version.version == 1
    # Placed before any policy existed: the current one applies.
    older = orders.record_order(make_order_facts("eu", created_at=placed - timedelta(days=30)))
    assert older.policy_version.version == 2
    assert orders.record_order(make_order_facts("no-policy")).policy_version is None


@pytest.mark.django_db
def test_record_order_updates_lines_without_losing_plugin_counters():
    facts = make_order_facts()
    jacket, gift = facts.lines
    orders.record_order(facts)
    orders.record_refund(facts.order_id, jacket.line_id, Decimal("80.91"))
    # A hook replays the order as the host sees it: no refund known yet, gift card line removed, new email.
    updated = make_order_facts(
        order_id=facts.order_id, lines=(jacket,), customer_email="ada@new.example", total=Decimal("161.82")
    )
    record = orders.record_order(updated)
    record.refresh_from_db()
    assert record.customer_email == "ada@new.example"
    (line,) = record.to_facts().lines
    assert line.refunded_amount == Decimal("80.91")
    assert line.line_id == jacket.line_id


@pytest.mark.django_db
def test_removed_line_stays_when_a_case_refers_to_it():
    facts = make_order_facts()
    jacket, gift = facts.lines
    orders.record_order(facts)
    cases.create_case(facts.order_id, "return", actor=Actor("customer"), lines=[LineRequest(gift.line_id, 1)])
    record = orders.record_order(make_order_facts(order_id=facts.order_id, lines=(jacket,)))
    assert record.lines.count() == 2


@pytest.mark.django_db
def test_update_fulfilment_and_delivery():
    # Nothing fulfilled yet.
    lines = tuple(replace(line, fulfilled_at=None, delivered_at=None) for line in make_order_facts().lines)
    facts = make_order_facts(lines=lines)
    orders.record_order(facts)
    jacket, gift = facts.lines
    day1, day2 = PLACED + timedelta(days=1), PLACED + timedelta(days=2)
    record = orders.update_fulfilment(facts.order_id, {jacket.line_id: day1})
    assert record.fulfilled_at is None  # the gift card is not fulfilled yet
    record = orders.update_fulfilment(facts.order_id, {gift.line_id: day2})
    assert record.fulfilled_at == day2 and record.delivered_at is None
    record = orders.update_fulfilment(
        facts.order_id, {jacket.line_id: day2, gift.line_id: day2}, delivered=True
    )
    assert record.delivered_at == day2
    # A replayed older event changes nothing.
    orders.update_fulfilment(facts.order_id, {jacket.line_id: day1}, delivered=True)
    assert OrderLineRecord.objects.get(line_id=jacket.line_id).delivered_at == day2
    with pytest.raises(NotFoundError):
        orders.update_fulfilment(facts.order_id, {str(uuid.uuid4()): day1})
    with pytest.raises(NotFoundError):
        orders.update_fulfilment(uuid.uuid4(), {jacket.line_id: day1})


@pytest.mark.django_db
def test_record_refund_refuses_more_than_paid():
    facts = make_order_facts()
    jacket = facts.lines[0]
    orders.record_order(facts)
    orders.record_refund(facts.order_id, jacket.line_id, Decimal("161.82"))
    with pytest.raises(ServiceError, match="more than the 161.8200 paid") as raised:
        orders.record_refund(facts.order_id, jacket.line_id, Decimal("0.01"))
    assert raised.value.code == "refund_exceeds_paid"
    with pytest.raises(ServiceError):
        orders.record_refund(facts.order_id, jacket.line_id, Decimal("-1"))


# Cases


@pytest.mark.django_db
def test_create_case_numbers_per_channel_and_honours_idempotency_keys():
    eu = orders.record_order(make_order_facts("eu"))
    us = orders.record_order(make_order_facts("us"))
    line = eu.lines.first()
    first, created = cases.create_case(
        eu.order_id,
        "return",
        actor=Actor("customer", "VXNlcjox"),
        lines=[LineRequest(str(line.line_id), 1, reason="too_small", resolution="refund")],
        idempotency_key="req-1",
        trace={"rules": ["window ok"]},
    )
    assert created and (first.number, first.status, first.currency) == (1, "requested", "EUR")
    assert first.customer_email == "ada@example.com"
    repeat, created = cases.create_case(
        eu.order_id, "return", actor=Actor("customer"), idempotency_key="req-1"
    )
    assert (repeat.pk, created) == (first.pk, False)
    assert cases.create_case(eu.order_id, "complaint", actor=Actor("customer"))[0].number == 2
    assert cases.create_case(us.order_id, "complaint", actor=Actor("customer"))[0].status == "open"
    assert Case.objects.get(channel="us").number == 1
    (case_line,) = first.lines.all()
    assert (case_line.quantity, case_line.reason, case_line.requested_resolution) == (
        1,
        "too_small",
        "refund",
    )
    (event,) = first.events.all()
    assert (event.type, event.to_status, event.trace) == ("created", "requested", {"rules": ["window ok"]})


@pytest.mark.django_db
def test_create_case_checks_lines_against_the_order():
    order = orders.record_order(make_order_facts())
    with pytest.raises(NotFoundError) as raised:
        cases.create_case(
            order.order_id, "return", actor=Actor("customer"), lines=[LineRequest(str(uuid.uuid4()), 1)]
        )
    assert raised.value.field == "lines.0.line_id"
    line = order.lines.first()
    with pytest.raises(ServiceError, match="out of range"):
        cases.create_case(
            order.order_id, "return", actor=Actor("customer"), lines=[LineRequest(str(line.line_id), 3)]
        )
    with pytest.raises(ServiceError, match="actor type"):
        cases.create_case(order.order_id, "return", actor=Actor("robot"))
    assert not Case.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_case_creation_gets_distinct_numbers(concurrently):
    order = orders.record_order(make_order_facts("eu"))
    results = concurrently(
        [lambda: cases.create_case(order.order_id, "complaint", actor=Actor("customer"))] * 6
    )
    assert len({case.number for case, _ in results}) == 6


@pytest.mark.django_db
def test_transition_appends_an_event_with_actor_time_and_trace():
    order = orders.record_order(make_order_facts())
    case, _ = cases.create_case(order.order_id, "return", actor=Actor("customer"))
    before = timezone.now()
    trace = {"rule": "within window", "matched": True, "refund": Decimal("89.90")}
    case = cases.transition(
        case.pk,
        "approved",
        actor=Actor("staff", "staff:7"),
        message="ok",
        trace=trace,
        payload={"a": 1},
    )
    assert case.status == "approved"
    assert Case.objects.get(pk=case.pk).status == "approved"
    assert case.first_responded_at is not None and case.resolved_at is None
    event = case.events.last()
    assert (event.type, event.from_status, event.to_status) == ("status_changed", "requested", "approved")
    assert (event.actor_type, event.actor_id, event.message, event.payload) == (
        "staff",
        "staff:7",
        "ok",
        {"a": 1},
    )
    assert before <= event.at <= timezone.now()
    assert event.trace == {"rule": "within window", "matched": True, "refund": "89.90"}
    cases.transition(case.pk, "resolved", actor=Actor("system", ""))
    case = cases.transition(case.pk, "closed", actor=Actor("staff", "staff:7"))
    assert [(e.from_status, e.to_status) for e in case.events.all()] == [
        ("", "requested"),
        ("requested", "approved"),
        ("approved", "resolved"),
        ("resolved", "closed"),
    ]
    assert case.resolved_at is not None


@pytest.mark.django_db
def test_forbidden_transition_leaves_row_and_events_unchanged():
    order = orders.record_order(make_order_facts())
    case, _ = cases.create_case(order.order_id, "return", actor=Actor("customer"))
    cases.transition(case.pk, "approved", actor=Actor("staff", "s"))
    before = Case.objects.get(pk=case.pk)
    events_before = list(CaseEvent.objects.filter(case=case).values())
    with pytest.raises(TransitionError, match="allowed next: 'awaiting_return', 'resolved', 'cancelled'"):
        cases.transition(case.pk, "inspected", actor=Actor("staff", "s"))
    after = Case.objects.get(pk=case.pk)
    assert (after.status, after.updated_at) == (before.status, before.updated_at)
    assert list(CaseEvent.objects.filter(case=case).values()) == events_before


@pytest.mark.django_db
def test_customer_cancels_before_receipt_only():
    order = orders.record_order(make_order_facts())
    case, _ = cases.create_case(order.order_id, "return", actor=Actor("customer"))
    cases.transition(case.pk, "approved", actor=Actor("staff", "s"))
    cases.transition(case.pk, "awaiting_return", actor=Actor("system", ""))
    cases.transition(case.pk, "received", actor=Actor("staff", "s"))
    with pytest.raises(TransitionError, match="allowed next: 'inspected'"):
        cases.transition(case.pk, "cancelled", actor=Actor("customer", "c"))
    other, _ = cases.create_case(order.order_id, "return", actor=Actor("customer"))
    other = cases.transition(other.pk, "cancelled", actor=Actor("customer", "c"))
    assert other.status == "cancelled" and other.resolved_at is not None and other.first_responded_at is None


@pytest.mark.django_db
def test_reopening_a_complaint_clears_resolved_at():
    order = orders.record_order(make_order_facts())
    case, _ = cases.create_case(order.order_id, "complaint", actor=Actor("customer"))
    cases.add_event(case.pk, "reply", actor=Actor("staff", "s"), message="Sorry about that")
    case.refresh_from_db()
    assert case.first_responded_at is not None
    cases.transition(case.pk, "responded", actor=Actor("staff", "s"))
    case = cases.transition(case.pk, "resolved", actor=Actor("staff", "s"))
    assert case.resolved_at is not None
    case = cases.transition(case.pk, "open", actor=Actor("customer", "c"), message="Still broken")
    assert case.resolved_at is None


@pytest.mark.django_db
def test_add_event_records_non_status_events_only():
    order = orders.record_order(make_order_facts())
    case, _ = cases.create_case(order.order_id, "repair", actor=Actor("customer"))
    event = cases.add_event(
        case.pk, "note", actor=Actor("staff", "s"), message="check serial", payload={"k": 1}
    )
    assert (event.type, event.from_status, event.to_status, event.payload) == ("note", "", "", {"k": 1})
    case.refresh_from_db()
    assert case.first_responded_at is None  # an internal note is not a response
    with pytest.raises(ServiceError):
        cases.add_event(case.pk, "status_changed", actor=Actor("staff"))
    with pytest.raises(NotFoundError):
        cases.add_event(uuid.uuid4(), "note", actor=Actor("staff"))
    with pytest.raises(NotFoundError):
        cases.transition("not-a-uuid", "approved", actor=Actor("staff", "s"))


@pytest.mark.django_db(transaction=True)
def test_concurrent_transitions_serialise_on_the_row_lock(concurrently):
    order = orders.record_order(make_order_facts())
    case, _ = cases.create_case(order.order_id, "return", actor=Actor("customer"))
    results = concurrently(
        [lambda i=i: cases.transition(case.pk, "approved", actor=Actor("staff", f"s{i}")) for i in range(5)]
    )
    assert sum(isinstance(r, Case) for r in results) == 1
    assert all(isinstance(r, TransitionError) for r in results if not isinstance(r, Case))
    assert CaseEvent.objects.filter(case=case, type="status_changed").count() == 1
