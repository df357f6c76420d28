"""The plugin's Celery tasks inside a real Saleor: found by Saleor's Celery app, registered with its database beat
scheduler, and running under Saleor's writer guard (its test settings raise on unguarded writes in tasks)."""

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from saleor.celeryconf import app as saleor_celery
from saleor.core.tasks import RestrictWriterDBTask

from saleor_aftersales_plugin.constants import (
    DELIVER_OUTBOX,
    PERIODIC_TASKS,
    POLICY_REMINDER,
    RECONCILE_REFUNDS,
    SLA_SWEEP,
)
from saleor_aftersales_plugin.domain.actors import CUSTOMER, Actor
from saleor_aftersales_plugin.domain.facts import OrderFacts, OrderLineFacts, ProductFacts
from saleor_aftersales_plugin.models import Case, CaseEvent, OutboxMessage
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.saleor.tasks import register_periodic_tasks
from saleor_aftersales_plugin.services import conversations
from saleor_aftersales_plugin.services.orders import record_order
from saleor_aftersales_plugin.services.policies import publish_policy
from saleor_aftersales_plugin.tasks import deliver_outbox, sla_sweep

pytestmark = pytest.mark.django_db
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "electronics-shop.yaml"


def test_saleors_celery_app_finds_the_tasks_with_its_writer_guard():
    saleor_celery.loader.import_default_modules()
    for name in (DELIVER_OUTBOX, SLA_SWEEP, POLICY_REMINDER):
        assert name in saleor_celery.tasks
        assert isinstance(saleor_celery.tasks[name], RestrictWriterDBTask)


def test_the_sweep_and_delivery_are_registered_as_database_beat_rows():
    assert register_periodic_tasks() == list(PERIODIC_TASKS)
    assert register_periodic_tasks() == list(PERIODIC_TASKS)  # idempotent
    rows = {row.name: row for row in PeriodicTask.objects.filter(name__in=list(PERIODIC_TASKS))}
    assert {row.task for row in rows.values()} == {SLA_SWEEP, DELIVER_OUTBOX, RECONCILE_REFUNDS}
    assert rows["after-sales: SLA sweep"].interval.every == 5 and rows["after-sales: SLA sweep"].enabled
    reconcile = rows["after-sales: reconcile pending refunds"]
    assert reconcile.interval.every == 5 and reconcile.interval.period == "minutes" and reconcile.enabled


def test_sweep_and_delivery_tasks_write_under_saleors_writer_guard(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    text = EXAMPLE.read_text()
    data, _ = load_source(text)
    publish_policy("main", normalise_policy(data), text, "yaml")
    now = timezone.now()
    line = OrderLineFacts(
        line_id=str(uuid.uuid4()),
        product=ProductFacts(sku="TV-55", product_name="OLED TV", category_path=("electronics",)),
        quantity=1,
        unit_price=Decimal("499.00"),
        paid_total=Decimal("499.00"),
        quantity_fulfilled=1,
        delivered_at=now - timedelta(days=2),
    )
    facts = OrderFacts(
        order_id=str(uuid.uuid4()),
        channel="main",
        currency="EUR",
        created_at=now - timedelta(days=4),
        lines=(line,),
        total=Decimal("499.00"),
        number="42",
        customer_email="ada@example.com",
    )
    record_order(facts)
    case, _ = conversations.open_complaint(
        facts.order_id, category="logistics", comment="Late", actor=Actor(CUSTOMER, "c1", "ada@example.com")
    )
    Case.objects.filter(pk=case.pk).update(first_response_due=now - timedelta(hours=30))

    assert sla_sweep.apply().get()["escalated"] == 1
    assert CaseEvent.objects.filter(case=case, type="escalated").count() == 1
    deliver_outbox.apply().get()
    assert not OutboxMessage.objects.exclude(status="sent").exists()
    subjects = {message.subject for message in mail.outbox}
    assert f"We received your complaint #{case.number}" in subjects
    assert (
        f"Escalated to supervisor: case #{case.number} is overdue" not in subjects
    )  # Saleor has no staff group of that name: nobody to send it to
    assert OutboxMessage.objects.filter(event="staff_escalation", recipient="group:supervisors").exists()
