"""SLA deadlines on the shop's calendar, pausing while the customer has the next move, the escalation sweep, its
indexes, and the KPIs."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone
from factories import CUSTOMER_ACTOR, STAFF_ACTOR
from notification_fixtures import (
    CHANNEL,
    publish_example,
    record_tv_order,
    return_one_tv,
)

from saleor_aftersales_plugin.domain.actors import CUSTOMER, Actor
from saleor_aftersales_plugin.domain.facts import CaseKind, LineRequest
from saleor_aftersales_plugin.models import Case, CaseEvent, OutboxMessage
from saleor_aftersales_plugin.notifications.events import variables_of
from saleor_aftersales_plugin.notifications.outbox import deliver_due
from saleor_aftersales_plugin.rules.calendar import BusinessCalendar
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import conversations, returns, sla
from saleor_aftersales_plugin.services.cases import create_case
from saleor_aftersales_plugin.services.stats import case_stats
from saleor_aftersales_plugin.tasks import sla_sweep

BERLIN = ZoneInfo("Europe/Berlin")
SHOP = BusinessCalendar(
    time_zone="Europe/Berlin",
    country="DE",
    subdivision="BE",
    extra_holidays=frozenset({datetime(2026, 12, 24).date(), datetime(2026, 12, 31).date()}),
    working_hours=(datetime(2000, 1, 1, 9).time(), datetime(2000, 1, 1, 17).time()),
)


def berlin(*args) -> datetime:
    return datetime(*args, tzinfo=BERLIN)


def test_first_response_skips_the_weekend_and_counts_opening_hours_only():
    # Friday 15:00: 2 h on Friday, 8 h on Monday, 8 h on Tuesday, 6 h on Wednesday.
    due = sla.first_response_deadline(SHOP, berlin(2026, 11, 27, 15), Decimal(24))
    assert due == berlin(2026, 12, 2, 15).astimezone(UTC)


def test_a_calendar_clock_runs_through_the_weekend_and_a_working_clock_does_not():
    friday_3pm = berlin(2026, 11, 27, 15)
    # 48 h around the clock: Sunday 15:00. 48 working hours of 8 h: 2 h Fri, 8 h Mon..Fri, 6 h the Monday after.
    assert sla.first_response_deadline(SHOP, friday_3pm, Decimal(48), "calendar") == berlin(
        2026, 11, 29, 15
    ).astimezone(UTC)
    assert sla.first_response_deadline(SHOP, friday_3pm, Decimal(48), "working") == berlin(
        2026, 12, 7, 15
    ).astimezone(UTC)


def test_official_make_up_working_days_count_only_when_the_policy_follows_the_official_calendar():
    # Sunday 4 January 2026 is an official working day in China (调休 for New Year).
    follows = BusinessCalendar(time_zone="Asia/Shanghai", country="CN")
    ignores = BusinessCalendar(time_zone="Asia/Shanghai", country="CN", follow_official_calendar=False)
    sunday = datetime(2026, 1, 4).date()
    assert follows.is_business_day(sunday) and not ignores.is_business_day(sunday)
    saturday_noon = datetime(2026, 1, 3, 12, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert sla.first_response_deadline(follows, saturday_noon, Decimal(24)) == datetime(
        2026, 1, 5, 0, tzinfo=ZoneInfo("Asia/Shanghai")
    ).astimezone(UTC)
    assert sla.first_response_deadline(ignores, saturday_noon, Decimal(24)) == datetime(
        2026, 1, 6, 0, tzinfo=ZoneInfo("Asia/Shanghai")
    ).astimezone(UTC)


def test_deadlines_skip_public_and_shop_holidays():
    # Wed 23 Dec 10:00: 7 h that day; 24th (shop holiday), 25th/26th (public holidays) and the weekend are skipped.
    due = sla.first_response_deadline(SHOP, berlin(2026, 12, 23, 10), Decimal(24))
    assert due == berlin(2026, 12, 30, 10).astimezone(UTC)
    # Five working days of 8 h from Mon 28 Dec 09:00: 28, 29, 30 Dec, (31 Dec and 1 Jan closed), 2 Jan is a
    # Saturday, so Mon 4 and Tue 5 Jan.
    assert sla.resolution_deadline(SHOP, berlin(2026, 12, 28, 9), Decimal(5)) == berlin(
        2027, 1, 5, 17
    ).astimezone(UTC)


def test_whole_business_days_count_without_opening_hours():
    plain = BusinessCalendar(time_zone="UTC")
    friday_noon = datetime(2026, 11, 27, 12, tzinfo=UTC)
    assert sla.first_response_deadline(plain, friday_noon, Decimal(24)) == datetime(
        2026, 11, 30, 12, tzinfo=UTC
    )
    assert sla.resolution_deadline(plain, friday_noon, Decimal(7)) == datetime(2026, 12, 8, 12, tzinfo=UTC)


def _complaint(order, comment: str, category: str = "service") -> Case:
    """A customer's complaint on ``order``."""
    return conversations.open_complaint(
        order.order_id, category=category, comment=comment, actor=CUSTOMER_ACTOR
    )[0]


@pytest.mark.django_db
def test_new_cases_get_deadlines_from_their_decision_and_the_shops_calendar():
    version = publish_example()
    order = record_tv_order()
    cable = order.lines.get(sku="HDMI-2")
    case, _ = returns.request_return(
        order.order_id, [LineRequest(str(cable.line_id), 1)], actor=CUSTOMER_ACTOR
    )
    calendar = sla.case_policy(case).calendar
    assert calendar.time_zone == "Europe/Berlin" and calendar.working_hours is not None
    # The policy's sla section: returns 24 h / 5 working days.
    assert case.first_response_due == sla.first_response_deadline(calendar, case.created_at, Decimal(24))
    assert case.resolution_due == sla.resolution_deadline(calendar, case.created_at, Decimal(5))
    # The complaints rule (set_sla) gives complaints 24 h / 5 days instead of the section's 48 h / 7 days.
    complaint = _complaint(order, "Rude")
    assert complaint.decision["sla"] == {
        "first_response_hours": "24",
        "first_response_clock": "working",
        "resolution_working_days": "5",
    }
    assert complaint.first_response_due == sla.first_response_deadline(
        calendar, complaint.created_at, Decimal(24)
    )
    assert version.version == 1


@pytest.mark.django_db
def test_without_a_policy_the_builtin_targets_apply():
    order = record_tv_order(channel="bare")
    case, _ = create_case(order.order_id, CaseKind.COMPLAINT, actor=Actor(CUSTOMER))
    plain = BusinessCalendar()
    assert case.first_response_due == plain.add_working_hours(case.created_at, 48)
    assert case.resolution_due == plain.add_working_hours(case.created_at, 7 * 24)


@pytest.mark.django_db
def test_waiting_for_the_customer_pauses_and_moves_the_deadlines():
    publish_example()
    order = record_tv_order()
    case = return_one_tv(order, resolution="refund")
    case = returns.approve(case.pk, actor=STAFF_ACTOR)
    assert case.status == "awaiting_return" and case.sla_paused_at is not None
    # The parcel takes three days to arrive.
    paused_at = case.sla_paused_at - timedelta(days=3)
    Case.objects.filter(pk=case.pk).update(sla_paused_at=paused_at)
    before = Case.objects.get(pk=case.pk).resolution_due
    case = returns.mark_received(case.pk, actor=STAFF_ACTOR)
    assert case.sla_paused_at is None
    paused_for = case.updated_at - paused_at
    assert abs((case.resolution_due - before) - paused_for) < timedelta(seconds=1)
    assert case.resolution_due - before > timedelta(days=3)


@pytest.mark.django_db
def test_a_case_closed_without_a_response_owes_none():
    publish_example()
    order = record_tv_order()
    case = return_one_tv(order)
    assert case.first_response_due is not None
    case = returns.cancel(case.pk, actor=CUSTOMER_ACTOR)
    assert case.first_response_due is None and case.first_responded_at is None


def _overdue(case: Case, hours: float, field: str = "first_response_due") -> None:
    Case.objects.filter(pk=case.pk).update(**{field: timezone.now() - timedelta(hours=hours)})


@pytest.mark.django_db
def test_sweep_escalates_overdue_cases_along_their_path_and_notifies_each_tier(settings):
    publish_example()
    order = record_tv_order()
    complaint = _complaint(order, "Late", "logistics")
    _overdue(complaint, 30)
    report = sla.sweep()
    assert report.escalated == 1 and report.escalated_cases == [complaint.number]
    complaint.refresh_from_db()
    # The complaints path: agent after 0 h, supervisor after 24 h, manager after 72 h.
    assert complaint.escalation_tier == 2
    event = CaseEvent.objects.get(case=complaint, type="escalated")
    assert event.payload["tier_name"] == "supervisor" and event.payload["deadline_kind"] == "first_response"
    assert sla.sweep().escalated == 0  # nothing new
    _overdue(complaint, 80)
    sla.sweep()
    complaint.refresh_from_db()
    assert complaint.escalation_tier == 3
    escalations = OutboxMessage.objects.filter(case=complaint, event="staff_escalation")
    assert sorted((row.payload["tier_number"], row.recipient) for row in escalations) == [
        (2, "group:supervisors"),
        (3, "customer.care@volt.example"),
        (3, "group:managers"),
    ]
    settings.AFTERSALES_STAFF_GROUPS = {
        group: [f"{group}-lead@volt.example"] for group in ("supervisors", "managers")
    }
    deliver_due(SandboxHost())
    sent = {message.to[0]: message for message in mail.outbox}
    supervisors, managers = sent["supervisors-lead@volt.example"], sent["managers-lead@volt.example"]
    assert supervisors.subject == f"Escalated to supervisor: case #{complaint.number} is overdue"
    assert managers.subject == f"Escalated to manager: case #{complaint.number} is overdue"
    assert sent["customer.care@volt.example"].subject == managers.subject
    assert supervisors.body.startswith(
        f"Case #{complaint.number} (complaint, order {order.number}, status open) missed its first response "
        "deadline of "
    )
    assert "Berlin Time and was escalated to tier 2 (supervisor)." in supervisors.body
    assert "was escalated to tier 3 (manager)." in managers.body
    # The payload holds the variables the escalation templates may use, nothing more (no lines are read for it).
    assert set(escalations[0].payload) == variables_of("staff_escalation") - {"language"}


@pytest.mark.django_db
def test_answered_paused_and_closed_cases_are_not_escalated_and_near_deadlines_warn_once():
    publish_example()
    order = record_tv_order()
    answered = _complaint(order, "a")
    conversations.reply(answered.pk, "We are on it.", actor=STAFF_ACTOR)
    _overdue(answered, 100)
    paused = _complaint(order, "b")
    Case.objects.filter(pk=paused.pk).update(sla_paused_at=timezone.now())
    _overdue(paused, 100)
    soon = _complaint(order, "c")
    Case.objects.filter(pk=soon.pk).update(first_response_due=timezone.now() + timedelta(hours=1))
    report = sla.sweep()
    assert report.escalated == 0 and report.warned == 1
    assert sla.sweep().warned == 0
    warning = OutboxMessage.objects.get(event="staff_sla_warning")
    assert warning.case_id == soon.pk and warning.recipient == "support@volt.example"


@pytest.mark.django_db
def test_sweep_task_runs_in_celery():
    assert sla_sweep.apply().get() == {"examined": 0, "escalated": 0, "warned": 0}


@pytest.mark.django_db
def test_sweep_queries_use_the_partial_deadline_indexes():
    publish_example()
    order = record_tv_order()
    template = _complaint(order, "x", "other")
    now = timezone.now()
    Case.objects.bulk_create(
        Case(
            number=1000 + index,
            channel=CHANNEL,
            kind="complaint",
            status="open",
            order=order,
            currency="EUR",
            created_at=now,
            first_response_due=now + timedelta(hours=1 + index % 500)
            if index % 100
            else now - timedelta(hours=1),
            resolution_due=now + timedelta(days=1 + index % 50) if index % 100 else now - timedelta(hours=1),
        )
        for index in range(5000)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Case._meta.db_table}")
    assert "aftersales_case_first_due" in sla.first_response_overdue(now).explain()
    assert "aftersales_case_resolve_due" in sla.resolution_overdue(now).explain()
    assert template.pk


@pytest.mark.django_db
def test_case_stats_reports_first_response_resolution_and_escalations():
    publish_example()
    order = record_tv_order()
    start = timezone.now() - timedelta(days=10)
    cases = [_complaint(order, str(i), "other") for i in range(4)]
    opened = start + timedelta(days=1)
    due = opened + timedelta(hours=24)
    Case.objects.filter(pk__in=[c.pk for c in cases]).update(created_at=opened, first_response_due=due)
    Case.objects.filter(pk=cases[0].pk).update(
        first_responded_at=opened + timedelta(hours=2), resolved_at=opened + timedelta(hours=10)
    )
    Case.objects.filter(pk=cases[1].pk).update(first_responded_at=opened + timedelta(hours=30))
    Case.objects.filter(pk=cases[3].pk).update(first_response_due=timezone.now() + timedelta(hours=5))
    sla.sweep()  # cases[2] is overdue by days: escalated to the manager tier at once
    stats = case_stats(CHANNEL, start, timezone.now() + timedelta(seconds=1))
    assert stats["cases"] == 4
    first = stats["first_response"]
    # Measured: two answered (one in time) and one overdue; the fourth is not due yet.
    assert (first["measured"], first["within_target"], first["share_within_target"]) == (3, 1, 0.3333)
    assert (first["median_hours"], first["p90_hours"]) == (16.0, 27.2)
    assert stats["resolution"]["median_hours"] == 10.0
    assert stats["escalations"] == {"total": 1, "by_tier": [{"tier": 3, "name": "manager", "count": 1}]}
    with pytest.raises(ValueError, match="must come after start"):
        case_stats(CHANNEL, start, start)
