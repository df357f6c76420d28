"""Shared set-up of the notification, outbox and SLA tests: the example policy and an order on channel "volt"."""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from saleor_aftersales_plugin.domain.facts import OrderFacts, OrderLineFacts, ProductFacts
from saleor_aftersales_plugin.models import OrderRecord, PolicyVersion
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.services.orders import record_order
from saleor_aftersales_plugin.services.policies import publish_policy

CHANNEL = "volt"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def publish_example(name: str = "electronics-shop.yaml", channel: str = CHANNEL, **changes) -> PolicyVersion:
    text = (EXAMPLES / name).read_text()
    data, _ = load_source(text)
    data.update(changes)
    version, _ = publish_policy(channel, normalise_policy(data), text, "yaml")
    return version


def record_tv_order(
    *,
    channel: str = CHANNEL,
    currency: str = "EUR",
    email: str = "ada@example.com",
    language: str | None = None,
    placed: datetime | None = None,
) -> OrderRecord:
    """A delivered order of one TV (2 units) and one HDMI cable."""
    placed = placed or timezone.now() - timedelta(days=4)
    delivered = placed + timedelta(days=2)
    lines = (
        OrderLineFacts(
            line_id=str(uuid.uuid4()),
            product=ProductFacts(
                sku="TV-55", product_name="OLED TV", product_type="tv", category_path=("electronics", "tv")
            ),
            quantity=2,
            unit_price=Decimal("499.00"),
            paid_total=Decimal("998.00"),
            quantity_fulfilled=2,
            fulfilled_at=placed + timedelta(days=1),
            delivered_at=delivered,
        ),
        OrderLineFacts(
            line_id=str(uuid.uuid4()),
            product=ProductFacts(
                sku="HDMI-2", product_name="HDMI cable", category_path=("electronics", "cables")
            ),
            quantity=1,
            unit_price=Decimal("19.90"),
            paid_total=Decimal("19.90"),
            quantity_fulfilled=1,
            fulfilled_at=placed + timedelta(days=1),
            delivered_at=delivered,
        ),
    )
    facts = OrderFacts(
        order_id=str(uuid.uuid4()),
        channel=channel,
        currency=currency,
        created_at=placed,
        lines=lines,
        total=Decimal("1017.90"),
        number="1001",
        customer_id="customer-1",
        customer_email=email,
        shipping_country="DE",
        fulfilled_at=placed + timedelta(days=1),
        delivered_at=delivered,
    )
    order = record_order(facts)
    if language:
        order.facts = {**order.facts, "language_code": language}
        order.save(update_fields=["facts"])
    return order
