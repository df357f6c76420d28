"""The batched SLA sweep: two sweepers running at once share the overdue cases and never escalate one twice."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from notification_fixtures import publish_example, record_tv_order

from saleor_aftersales_plugin.domain.actors import CUSTOMER, Actor
from saleor_aftersales_plugin.models import Case, CaseEvent, OutboxMessage
from saleor_aftersales_plugin.services import conversations, sla

CUSTOMER_ACTOR = Actor(CUSTOMER, "customer-1")
CASES = 40


def _overdue_complaints(count: int, hours: float) -> list[Case]:
    publish_example()
    order = record_tv_order()
    cases = [
        conversations.open_complaint(
            order.order_id, category="logistics", comment=f"Late {n}", actor=CUSTOMER_ACTOR
        )[0]
        for n in range(count)
    ]
    Case.objects.filter(pk__in=[case.pk for case in cases]).update(
        first_response_due=timezone.now() - timedelta(hours=hours)
    )
    return cases


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweepers_escalate_every_case_exactly_once(concurrently):
    cases = _overdue_complaints(CASES, hours=30)
    reports = concurrently([lambda: sla.sweep(batch_size=3), lambda: sla.sweep(batch_size=3)])
    assert not [report for report in reports if isinstance(report, BaseException)], reports
    first, second = reports
    assert first.escalated + second.escalated == CASES
    assert not set(first.escalated_cases) & set(second.escalated_cases)
    assert sorted(first.escalated_cases + second.escalated_cases) == sorted(case.number for case in cases)
    # The complaints path: agent after 0 h, supervisor after 24 h: 30 hours late is tier 2, once per case.
    assert set(Case.objects.values_list("escalation_tier", flat=True)) == {2}
    events = CaseEvent.objects.filter(type="escalated")
    assert Counter(events.values_list("case_id", flat=True)) == Counter({case.pk: 1 for case in cases})
    assert {event.payload["tier_name"] for event in events} == {"supervisor"}
    rows = OutboxMessage.objects.filter(event="staff_escalation")
    assert Counter(rows.values_list("case_id", flat=True)) == Counter({case.pk: 1 for case in cases})
    assert set(rows.values_list("recipient", flat=True)) == {"group:supervisors"}
    assert sla.sweep().escalated == 0


@pytest.mark.django_db
def test_a_sweep_writes_in_bulk_so_its_queries_do_not_grow_with_the_cases():
    _overdue_complaints(5, hours=30)
    with CaptureQueriesContext(connection) as few:
        assert sla.sweep(batch_size=100).escalated == 5
    Case.objects.update(escalation_tier=0)
    _overdue_complaints(25, hours=30)
    with CaptureQueriesContext(connection) as many:
        assert sla.sweep(batch_size=100).escalated == 30
    assert len(many) == len(few)


@pytest.mark.django_db
def test_a_sweep_rejects_a_batch_size_out_of_range():
    with pytest.raises(ValueError, match="between 1 and 10,000"):
        sla.sweep(batch_size=0)
