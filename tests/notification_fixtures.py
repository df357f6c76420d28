"""Shared set-up of the notification, outbox and SLA tests: the example policy and an order on channel "volt"."""

from datetime import datetime, timedelta
from pathlib import Path

from django.utils import timezone
from factories import CUSTOMER_ACTOR, TV, cable_line, order_facts, order_line

from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.models import Case, OrderRecord, PolicyVersion
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.services import repairs, returns
from saleor_aftersales_plugin.services.orders import record_order
from saleor_aftersales_plugin.services.policies import publish_policy

CHANNEL = "volt"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


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
    shipped, delivered = placed + timedelta(days=1), placed + timedelta(days=2)
    lines = (
        order_line(TV, quantity=2, unit_price="499.00", fulfilled_at=shipped, delivered_at=delivered),
        cable_line(fulfilled_at=shipped, delivered_at=delivered),
    )
    facts = order_facts(
        lines,
        channel=channel,
        currency=currency,
        created_at=placed,
        number="1001",
        customer_email=email,
        fulfilled_at=shipped,
        delivered_at=delivered,
    )
    order = record_order(facts)
    if language:
        order.facts = {**order.facts, "language_code": language}
        order.save(update_fields=["facts"])
    return order


def return_one_tv(order: OrderRecord, **request: str) -> Case:
    """The customer asks to return one of the order's TVs (``reason``, ``resolution`` as given)."""
    tv = order.lines.get(sku=TV.sku)
    case, _ = returns.request_return(
        order.order_id, [LineRequest(str(tv.line_id), 1, **request)], actor=CUSTOMER_ACTOR
    )
    return case


def claim_repair_of_one_tv(order: OrderRecord) -> Case:
    """The customer reports one of the order's TVs defective, with two photos."""
    tv = order.lines.get(sku=TV.sku)
    case, _ = repairs.request_repair(
        order.order_id,
        LineRequest(str(tv.line_id), 1, reason="defective"),
        actor=CUSTOMER_ACTOR,
        photo_urls=("https://example.com/1.jpg", "https://example.com/2.jpg"),
    )
    return case
