"""The plugin's tables on real PostgreSQL: migrations, constraints, immutability and the facts round trip."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction

from saleor_aftersales_plugin.domain.actors import Actor
from saleor_aftersales_plugin.domain.facts import OrderFacts, OrderLineFacts, ProductFacts
from saleor_aftersales_plugin.models import (
    Case,
    CaseEvent,
    ImmutableRowError,
    OrderRecord,
    OutboxMessage,
    PolicyVersion,
)
from saleor_aftersales_plugin.services import cases, orders

APP = "saleor_aftersales_plugin"
PLACED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def make_order_facts(channel: str = "default-channel", **changes) -> OrderFacts:
    """An order of two lines (a jacket and a gift card) in EUR; ``changes`` override order fields."""
    jacket = OrderLineFacts(
        line_id=str(uuid.uuid4()),
        product=ProductFacts(
            sku="JKT-42-BLUE",
            product_id="UHJvZHVjdDox",
            variant_id="UHJvZHVjdFZhcmlhbnQ6MQ==",
            product_name="Rain jacket",
            product_type="apparel",
            category_path=("clothing", "outerwear"),
            collections=("autumn",),
            attributes={"size": ("42",), "final-sale": ("false",)},
        ),
        quantity=2,
        unit_price=Decimal("89.90"),
        paid_total=Decimal("161.82"),
        quantity_fulfilled=2,
        fulfilled_at=PLACED + timedelta(days=1),
        delivered_at=PLACED + timedelta(days=3),
    )
    gift_card = OrderLineFacts(
        line_id=str(uuid.uuid4()),
        product=ProductFacts(sku="GIFT-50", product_name="Gift card 50", is_gift_card=True),
        quantity=1,
        unit_price=Decimal("50.00"),
        paid_total=Decimal("50.00"),
        refunded_amount=Decimal("0"),
    )
    fields = {
        "order_id": str(uuid.uuid4()),
        "channel": channel,
        "currency": "EUR",
        "created_at": PLACED,
        "lines": (jacket, gift_card),
        "total": Decimal("211.82"),
        "number": "1042",
        "customer_email": "ada@example.com",
        "customer_id": "VXNlcjox",
        "shipping_country": "DE",
    }
    fields.update(changes)
    return OrderFacts(**fields)


@pytest.mark.django_db
def test_migration_created_tables_and_partial_indexes():
    tables = set(connection.introspection.table_names())
    for model in (PolicyVersion, OrderRecord, Case, CaseEvent, OutboxMessage):
        assert model._meta.db_table in tables
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [Case._meta.db_table]
        )
        indexes = dict(cursor.fetchall())
    assert "WHERE (first_responded_at IS NULL)" in indexes["aftersales_case_first_due"]
    assert "WHERE (resolved_at IS NULL)" in indexes["aftersales_case_resolve_due"]
    assert "(channel, status, created_at)" in indexes["aftersales_case_queue"]
    assert "WHERE (idempotency_key IS NOT NULL)" in indexes["aftersales_case_idempotency"]


@pytest.mark.django_db(transaction=True)
def test_migrations_unapply_and_reapply():
    call_command("migrate", APP, "zero", verbosity=0)
    assert PolicyVersion._meta.db_table not in connection.introspection.table_names()
    call_command("migrate", APP, verbosity=0)
    assert PolicyVersion._meta.db_table in connection.introspection.table_names()


@pytest.mark.django_db
def test_models_and_migrations_agree():
    # makemigrations --check exits non-zero when the models changed without a migration.
    call_command("makemigrations", APP, check=True, dry_run=True, verbosity=0)


@pytest.mark.django_db
def test_policy_version_is_immutable_and_unique_per_channel():
    policy = PolicyVersion.objects.create(
        channel="eu", version=1, document={"rules": []}, content_hash="a" * 64, source="{}"
    )
    policy.document = {"rules": ["changed"]}
    with pytest.raises(ImmutableRowError, match="immutable"):
        policy.save()
    with pytest.raises(ImmutableRowError):
        policy.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        PolicyVersion.objects.create(channel="eu", version=1, document={}, content_hash="b" * 64)
    PolicyVersion.objects.create(channel="eu", version=2, document={}, content_hash="a" * 64)
    PolicyVersion.objects.create(channel="us", version=1, document={}, content_hash="a" * 64)


@pytest.mark.django_db
def test_case_events_are_append_only():
    order = orders.record_order(make_order_facts())
    case, _ = cases.create_case(order.order_id, "complaint", actor=Actor("customer"))
    event = case.events.get()
    event.message = "rewritten"
    with pytest.raises(ImmutableRowError):
        event.save()
    with pytest.raises(ImmutableRowError):
        event.delete()


@pytest.mark.django_db
def test_idempotency_key_unique_per_channel_only_when_set():
    order = orders.record_order(make_order_facts())
    base = {
        "order": order,
        "channel": order.channel,
        "kind": "return",
        "status": "requested",
        "currency": "EUR",
    }
    Case.objects.create(number=1, idempotency_key=None, **base)
    Case.objects.create(number=2, idempotency_key=None, **base)
    Case.objects.create(number=3, idempotency_key="k1", **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(number=4, idempotency_key="k1", **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        Case.objects.create(number=3, **base)


@pytest.mark.django_db
def test_order_to_facts_round_trip():
    facts = make_order_facts()
    record = orders.record_order(facts)
    record = OrderRecord.objects.get(pk=record.pk)  # fresh from the database
    assert record.to_facts() == facts
    assert record.facts["lines"][0]["product"]["category_path"] == ["clothing", "outerwear"]
    assert record.facts["total"] == "211.82"


@pytest.mark.django_db
def test_outbox_dedupe_key_is_unique():
    OutboxMessage.objects.create(
        event="case_created", channel="eu", recipient="a@example.com", dedupe_key="x"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        OutboxMessage.objects.create(
            event="case_created", channel="eu", recipient="a@example.com", dedupe_key="x"
        )
