"""Orders for tests in every directory (``tests/`` is on ``sys.path``): a TV and an HDMI cable, delivered and paid;
the customer who placed them and a staff member, as actors; and a return as the rules engine alone sees it.

Every line and order gets a fresh id; everything else is what the caller gives or the defaults below.
"""

import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from saleor_aftersales_plugin.domain.actors import CUSTOMER, STAFF, Actor
from saleor_aftersales_plugin.domain.facts import (
    CaseFacts,
    CaseKind,
    CustomerHistory,
    ItemCondition,
    LineRequest,
    OrderFacts,
    OrderLineFacts,
    ProductFacts,
)

CHANNEL = "volt"
EMAIL = "ada@example.com"
CUSTOMER_ACTOR = Actor(CUSTOMER, "customer-1", EMAIL)
STAFF_ACTOR = Actor(STAFF, "staff-1", "staff@volt.example")

TV = ProductFacts(sku="TV-55", product_name="OLED TV", product_type="tv", category_path=("electronics", "tv"))
CABLE = ProductFacts(sku="HDMI-2", product_name="HDMI cable", category_path=("electronics", "cables"))


def order_line(
    product: ProductFacts,
    /,
    *,
    quantity: int = 1,
    unit_price: Decimal | str,
    delivered_at: datetime | None,
    fulfilled_at: datetime | None = None,
    **changes: Any,
) -> OrderLineFacts:
    """``quantity`` units of ``product`` at ``unit_price``, paid in full and all shipped; ``changes`` override."""
    fields: dict[str, Any] = {
        "line_id": str(uuid.uuid4()),
        "product": product,
        "quantity": quantity,
        "unit_price": Decimal(unit_price),
        "paid_total": Decimal(unit_price) * quantity,
        "quantity_fulfilled": quantity,
        "fulfilled_at": fulfilled_at,
        "delivered_at": delivered_at,
    }
    fields.update(changes)
    return OrderLineFacts(**fields)


def cable_line(*, delivered_at: datetime | None, fulfilled_at: datetime | None = None) -> OrderLineFacts:
    """One HDMI cable at 19.90."""
    return order_line(CABLE, unit_price="19.90", delivered_at=delivered_at, fulfilled_at=fulfilled_at)


def order_facts(lines: tuple[OrderLineFacts, ...], **changes: Any) -> OrderFacts:
    """An order of ``lines`` on channel ``volt`` in EUR by customer ``customer-1`` (ada@example.com), shipped to
    Germany, placed four days ago, its total the sum of the lines; ``changes`` override."""
    fields: dict[str, Any] = {
        "order_id": str(uuid.uuid4()),
        "channel": CHANNEL,
        "currency": "EUR",
        "created_at": timezone.now() - timedelta(days=4),
        "lines": lines,
        "total": sum((line.paid_total for line in lines), Decimal(0)),
        "customer_id": "customer-1",
        "customer_email": EMAIL,
        "shipping_country": "DE",
    }
    fields.update(changes)
    return OrderFacts(**fields)


def return_facts(
    currency: str,
    lines: tuple[OrderLineFacts, ...],
    *,
    delivered_at: datetime,
    asked_after: timedelta,
    reason: str,
    condition: str = ItemCondition.UNKNOWN,
    history: CustomerHistory | None = None,
) -> CaseFacts:
    """A return of one unit of every line, asked ``asked_after`` delivery, of an order in ``currency`` placed two days
    before ``delivered_at``: order ``o`` on channel ``c`` by customer ``u`` (no earlier returns unless ``history``
    says so), with no e-mail nor shipping country."""
    order = order_facts(
        lines,
        order_id="o",
        channel="c",
        currency=currency,
        created_at=delivered_at - timedelta(days=2),
        customer_id="u",
        customer_email="",
        shipping_country="",
    )
    return one_unit_of_each_line(
        order, delivered_at + asked_after, reason=reason, condition=condition, history=history
    )


def one_unit_of_each_line(
    order: OrderFacts,
    now: datetime,
    *,
    reason: str = "",
    condition: str = ItemCondition.UNKNOWN,
    history: CustomerHistory | None = None,
) -> CaseFacts:
    """A return of one unit of every line of ``order``, asked at ``now``."""
    requests = tuple(LineRequest(line.line_id, 1, reason, condition=condition) for line in order.lines)
    return CaseFacts(CaseKind.RETURN, order, requests, now, history or CustomerHistory())
