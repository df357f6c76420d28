"""Recording the host's orders as facts: one upsert per order hook, with the purchase-time policy pinned once."""

import uuid
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef

from ..domain.facts import OrderFacts
from ..domain.money import to_decimal
from ..models import CaseLine, OrderLineRecord, OrderRecord, PolicyVersion, order_facts_snapshot
from . import NotFoundError, ServiceError
from .policies import current_policy, policy_in_force, policy_version

__all__ = ["get_order", "record_order", "record_refund", "update_fulfilment"]


def _uuid(value: str | uuid.UUID, field: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ServiceError(f"{field} must be a UUID, got {value!r}.", field=field) from None


def get_order(order_id: str | uuid.UUID, *, lock: bool = False) -> OrderRecord:
    queryset = OrderRecord.objects.select_for_update() if lock else OrderRecord.objects
    try:
        return queryset.get(order_id=_uuid(order_id, "order_id"))
    except OrderRecord.DoesNotExist:
        raise NotFoundError(f"Order {order_id} has not been recorded.", field="order_id") from None


def _pinned_policy(facts: OrderFacts) -> PolicyVersion | None:
    if facts.policy_version is not None:
        return policy_version(facts.channel, facts.policy_version)
    # An order older than every version (imported, or placed before the first publish) gets the current one.
    return policy_in_force(facts.channel, facts.created_at) or current_policy(facts.channel)


def record_order(
    facts: OrderFacts, *, paid_at: datetime | None = None, cancelled_at: datetime | None = None
) -> OrderRecord:
    """Insert or update the order ``facts.order_id`` and its lines; safe to call again with the same facts.

    The policy version is pinned on the first record only (``facts.policy_version`` if given, else the version in
    force at ``facts.created_at``). On later calls counters the plugin also maintains (``quantity_returned``,
    ``refunded_amount``) never go backwards, and timestamps already known are kept unless new ones are given.
    Lines missing from ``facts`` are removed unless a case refers to them.
    """
    order_id = _uuid(facts.order_id, "order_id")
    fields = {
        "channel": facts.channel,
        "number": facts.number,
        "currency": facts.currency,
        "created_at": facts.created_at,
        "customer_id": facts.customer_id,
        "customer_email": facts.customer_email,
        "shipping_country": facts.shipping_country,
        "total": to_decimal(facts.total, "total"),
        "facts": order_facts_snapshot(facts),
    }
    optional_times = {
        "paid_at": paid_at,
        "cancelled_at": cancelled_at,
        "fulfilled_at": facts.fulfilled_at,
        "delivered_at": facts.delivered_at,
    }
    with transaction.atomic():
        # Lock the row if it exists; a concurrent first record is caught by the unique order_id below.
        record = OrderRecord.objects.select_for_update().filter(order_id=order_id).first()
        if record is None:
            record, created = OrderRecord.objects.get_or_create(
                order_id=order_id,
                defaults={**fields, **optional_times, "policy_version": _pinned_policy(facts)},
            )
            if not created:
                record = OrderRecord.objects.select_for_update().get(pk=record.pk)
        else:
            created = False
        if not created:
            if record.channel != facts.channel:
                raise ServiceError(
                    f"Order {order_id} was recorded in channel {record.channel!r}, not {facts.channel!r}.",
                    field="channel",
                )
            for name, value in fields.items():
                setattr(record, name, value)
            for name, value in optional_times.items():
                if value is not None:
                    setattr(record, name, value)
            record.save()
        _record_lines(record, facts)
    return record


def _record_lines(record: OrderRecord, facts: OrderFacts) -> None:
    existing = {line.line_id: line for line in record.lines.select_for_update()}
    seen: set[uuid.UUID] = set()
    for line in facts.lines:
        line_id = _uuid(line.line_id, "line_id")
        seen.add(line_id)
        row = existing.get(line_id)
        if row is None:
            row = OrderLineRecord(order=record, line_id=line_id)
        row.sku = line.product.sku
        row.product_name = line.product.product_name
        row.product = OrderLineRecord.product_snapshot(line.product)
        row.quantity = line.quantity
        row.quantity_fulfilled = line.quantity_fulfilled
        row.unit_price = to_decimal(line.unit_price, "unit_price")
        row.paid_total = to_decimal(line.paid_total, "paid_total")
        row.quantity_returned = max(row.quantity_returned or 0, line.quantity_returned)
        row.refunded_amount = max(row.refunded_amount or Decimal(0), to_decimal(line.refunded_amount))
        row.fulfilled_at = line.fulfilled_at or row.fulfilled_at
        row.delivered_at = line.delivered_at or row.delivered_at
        row.save()
    (
        record.lines.exclude(line_id__in=seen)
        .exclude(Exists(CaseLine.objects.filter(order_line=OuterRef("pk"))))
        .delete()
    )


def update_fulfilment(
    order_id: str | uuid.UUID, line_times: dict[str, datetime], delivered: bool = False
) -> OrderRecord:
    """Stamp lines as fulfilled (or delivered, which implies fulfilled) at the given instants.

    A line keeps its latest instant, so replayed older events change nothing. The order's own instant is set once
    every line has one: the latest of them.
    """
    with transaction.atomic():
        record = get_order(order_id, lock=True)
        lines = {line.line_id: line for line in record.lines.select_for_update()}
        for raw_id, at in line_times.items():
            line = lines.get(_uuid(raw_id, "line_id"))
            if line is None:
                raise NotFoundError(f"Order {record.order_id} has no line {raw_id}.", field="line_id")
            line.fulfilled_at = _latest(line.fulfilled_at, at)
            if delivered:
                line.delivered_at = _latest(line.delivered_at, at)
            line.save(update_fields=["fulfilled_at", "delivered_at"])
        all_lines = list(lines.values())
        if all_lines and all(line.fulfilled_at for line in all_lines):
            record.fulfilled_at = max(line.fulfilled_at for line in all_lines if line.fulfilled_at)
        if all_lines and all(line.delivered_at for line in all_lines):
            record.delivered_at = max(line.delivered_at for line in all_lines if line.delivered_at)
        record.save(update_fields=["fulfilled_at", "delivered_at", "updated_at"])
    return record


def _latest(current: datetime | None, new: datetime) -> datetime:
    return new if current is None or new > current else current


def record_refund(order_id: str | uuid.UUID, line_id: str | uuid.UUID, amount: Decimal) -> OrderLineRecord:
    """Add ``amount`` to what has been refunded on the line; refuses to refund more than was paid for it."""
    amount = to_decimal(amount)
    if amount <= 0:
        raise ServiceError(f"A refund must be positive, got {amount}.", field="amount")
    with transaction.atomic():
        record = get_order(order_id, lock=True)
        try:
            line = record.lines.select_for_update().get(line_id=_uuid(line_id, "line_id"))
        except OrderLineRecord.DoesNotExist:
            raise NotFoundError(f"Order {record.order_id} has no line {line_id}.", field="line_id") from None
        total = line.refunded_amount + amount
        if total > line.paid_total:
            raise ServiceError(
                f"Refunding {amount} {record.currency} on line {line.line_id} would bring its refunds to {total}, "
                f"more than the {line.paid_total} paid for it ({line.refunded_amount} already refunded).",
                code="refund_exceeds_paid",
                field="amount",
            )
        line.refunded_amount = total
        line.save(update_fields=["refunded_amount"])
    return line
