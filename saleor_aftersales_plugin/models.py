"""The plugin's own tables.

Nothing here has a foreign key into the host's (Saleor's) tables: host objects are referenced by UUID, and the facts
that decided a case are kept as snapshots, so a case stays explainable after the catalogue or the order changes.
Use cases (locks, transactions, idempotency) live in :mod:`saleor_aftersales_plugin.services`.
"""

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .domain.actors import ActorKind
from .domain.cases import CaseStatus
from .domain.facts import CaseKind, OrderFacts, OrderLineFacts, ProductFacts

MONEY = {"max_digits": 20, "decimal_places": 4}


class ImmutableRowError(Exception):
    """Raised when code tries to change or delete a row that is append-only or immutable."""


def order_facts_snapshot(facts: OrderFacts) -> dict[str, Any]:
    """``facts`` as JSON-ready data, kept on the order row as the snapshot the plugin last received."""
    return {
        "order_id": facts.order_id,
        "channel": facts.channel,
        "number": facts.number,
        "currency": facts.currency,
        "created_at": facts.created_at,
        "total": facts.total,
        "customer_id": facts.customer_id,
        "customer_email": facts.customer_email,
        "shipping_country": facts.shipping_country,
        "language_code": facts.language_code,
        "fulfilled_at": facts.fulfilled_at,
        "delivered_at": facts.delivered_at,
        "policy_version": facts.policy_version,
        "lines": [
            {
                "line_id": line.line_id,
                "sku": line.product.sku,
                "product_name": line.product.product_name,
                "product": OrderLineRecord.product_snapshot(line.product),
                "quantity": line.quantity,
                "quantity_fulfilled": line.quantity_fulfilled,
                "quantity_returned": line.quantity_returned,
                "unit_price": line.unit_price,
                "paid_total": line.paid_total,
                "refunded_amount": line.refunded_amount,
                "fulfilled_at": line.fulfilled_at,
                "delivered_at": line.delivered_at,
            }
            for line in facts.lines
        ],
    }


class PolicyVersion(models.Model):
    """One published version of a channel's policy. Immutable once saved."""

    channel = models.CharField(max_length=255)
    version = models.PositiveIntegerField()
    document = models.JSONField(encoder=DjangoJSONEncoder)
    source = models.TextField(blank=True, default="")
    source_format = models.CharField(max_length=16, default="json")
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    effective_from = models.DateTimeField(default=timezone.now)
    created_by = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "version"], name="aftersales_policy_channel_version"),
        ]
        # Not unique: re-publishing an earlier document (a rollback) creates a new version with the same content.
        indexes = [models.Index(fields=["channel", "content_hash"], name="aftersales_policy_channel_hash")]
        ordering = ["channel", "version"]

    def __str__(self) -> str:
        return f"{self.channel} policy v{self.version}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRowError(f"{self} is immutable: publish a new version instead of changing it.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRowError(f"{self} is immutable: orders and cases refer to it.")


class OrderRecord(models.Model):
    """The host's order as the plugin last saw it, with the policy version in force when it was placed."""

    order_id = models.UUIDField(unique=True)
    channel = models.CharField(max_length=255)
    number = models.CharField(max_length=64, blank=True, default="")
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    customer_id = models.TextField(null=True, blank=True)
    customer_email = models.CharField(max_length=254, blank=True, default="")
    shipping_country = models.CharField(max_length=2, blank=True, default="")
    total = models.DecimalField(**MONEY)
    policy_version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    facts = models.JSONField(encoder=DjangoJSONEncoder, default=dict, blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["channel", "customer_id", "created_at"], name="aftersales_order_customer")
        ]

    def __str__(self) -> str:
        return f"order {self.number or self.order_id} ({self.channel})"

    def to_facts(self, rows: "Iterable[OrderLineRecord] | None" = None) -> OrderFacts:
        """The pure facts of this order, rebuilt from the rows (lines included, in the order they were recorded).

        ``rows``: this order's lines in id order when the caller already read them.
        """
        if rows is None and "lines" in getattr(
            self, "_prefetched_objects_cache", {}
        ):  # loaded with the order
            rows = sorted(self.lines.all(), key=lambda line: line.pk)
        elif rows is None:
            rows = self.lines.order_by("id")
        lines = tuple(line.to_facts() for line in rows)
        return OrderFacts(
            order_id=str(self.order_id),
            channel=self.channel,
            currency=self.currency,
            created_at=self.created_at,
            lines=lines,
            total=self.total,
            number=self.number,
            customer_email=self.customer_email,
            customer_id=self.customer_id,
            shipping_country=self.shipping_country,
            language_code=(self.facts or {}).get("language_code", ""),
            fulfilled_at=self.fulfilled_at,
            delivered_at=self.delivered_at,
            policy_version=self.policy_version.version if self.policy_version_id else None,
        )


class OrderLineRecord(models.Model):
    order = models.ForeignKey(OrderRecord, on_delete=models.CASCADE, related_name="lines")
    line_id = models.UUIDField(unique=True)
    sku = models.CharField(max_length=255, blank=True, default="")
    product_name = models.TextField(blank=True, default="")
    product = models.JSONField(encoder=DjangoJSONEncoder, default=dict, blank=True)
    """product_type, category_path, collections, attributes, is_gift_card, product_id, variant_id."""
    quantity = models.PositiveIntegerField()
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    quantity_returned = models.PositiveIntegerField(default=0)
    unit_price = models.DecimalField(**MONEY)
    paid_total = models.DecimalField(**MONEY)
    refunded_amount = models.DecimalField(**MONEY, default=Decimal(0))
    fulfilled_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"line {self.sku or self.line_id} x{self.quantity}"

    @staticmethod
    def product_snapshot(product: ProductFacts) -> dict[str, Any]:
        return {
            "product_id": product.product_id,
            "variant_id": product.variant_id,
            "product_type": product.product_type,
            "category_path": list(product.category_path),
            "collections": list(product.collections),
            "attributes": {key: list(values) for key, values in product.attributes.items()},
            "is_gift_card": product.is_gift_card,
        }

    def to_facts(self) -> OrderLineFacts:
        snapshot = self.product or {}
        product = ProductFacts(
            sku=self.sku,
            product_id=snapshot.get("product_id"),
            variant_id=snapshot.get("variant_id"),
            product_name=self.product_name,
            product_type=snapshot.get("product_type", ""),
            category_path=tuple(snapshot.get("category_path", ())),
            collections=tuple(snapshot.get("collections", ())),
            attributes={key: tuple(values) for key, values in snapshot.get("attributes", {}).items()},
            is_gift_card=bool(snapshot.get("is_gift_card", False)),
        )
        return OrderLineFacts(
            line_id=str(self.line_id),
            product=product,
            quantity=self.quantity,
            unit_price=self.unit_price,
            paid_total=self.paid_total,
            quantity_fulfilled=self.quantity_fulfilled,
            quantity_returned=self.quantity_returned,
            refunded_amount=self.refunded_amount,
            fulfilled_at=self.fulfilled_at,
            delivered_at=self.delivered_at,
        )


class Case(models.Model):
    """A return, exchange, repair/warranty claim or complaint. Status changes go through services.cases."""

    KIND_CHOICES = [(kind.value, kind.value) for kind in CaseKind]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.PositiveIntegerField()
    """Human-friendly, a sequence per channel from 1."""
    channel = models.CharField(max_length=255)
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    status = models.CharField(max_length=32)
    order = models.ForeignKey(OrderRecord, on_delete=models.PROTECT, related_name="cases")
    customer_id = models.TextField(null=True, blank=True)
    customer_email = models.CharField(max_length=254, blank=True, default="")
    reason = models.CharField(max_length=255, blank=True, default="")
    comment = models.TextField(blank=True, default="")
    requested_resolution = models.CharField(max_length=32, blank=True, default="")
    resolution = models.CharField(max_length=32, blank=True, default="")
    category = models.CharField(max_length=64, blank=True, default="")
    photo_urls = models.JSONField(default=list, blank=True)
    decision = models.JSONField(encoder=DjangoJSONEncoder, default=dict, blank=True)
    policy_version = models.ForeignKey(
        PolicyVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    currency = models.CharField(max_length=3)
    refund_amount = models.DecimalField(**MONEY, null=True, blank=True)
    fees_amount = models.DecimalField(**MONEY, null=True, blank=True)
    store_credit_amount = models.DecimalField(**MONEY, null=True, blank=True)
    failure_message = models.TextField(blank=True, default="")
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    assignee = models.TextField(blank=True, default="")
    escalation_tier = models.PositiveSmallIntegerField(default=0)
    first_response_due = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "number"], name="aftersales_case_channel_number"),
            models.UniqueConstraint(
                fields=["channel", "idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="aftersales_case_idempotency",
            ),
        ]
        indexes = [
            models.Index(fields=["channel", "status", "created_at"], name="aftersales_case_queue"),
            models.Index(fields=["assignee", "status"], name="aftersales_case_assignee"),
            models.Index(
                fields=["first_response_due"],
                condition=Q(first_responded_at__isnull=True),
                name="aftersales_case_first_due",
            ),
            models.Index(
                fields=["resolution_due"],
                condition=Q(resolved_at__isnull=True),
                name="aftersales_case_resolve_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} case #{self.number} ({self.channel}, {self.status})"


class CaseLine(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLineRecord, on_delete=models.PROTECT, related_name="case_lines")
    quantity = models.PositiveIntegerField()
    reason = models.CharField(max_length=255, blank=True, default="")
    requested_resolution = models.CharField(max_length=32, blank=True, default="")
    condition = models.CharField(max_length=32, blank=True, default="unknown")
    decision = models.JSONField(encoder=DjangoJSONEncoder, default=dict, blank=True)
    refund_amount = models.DecimalField(**MONEY, null=True, blank=True)
    fee_amount = models.DecimalField(**MONEY, null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.order_line} x{self.quantity} on {self.case_id}"


class CaseEvent(models.Model):
    """The audit trail of a case. Append-only: rows are never changed or deleted by the plugin."""

    ActorType = ActorKind

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=32)
    from_status = models.CharField(max_length=32, blank=True, default="")
    to_status = models.CharField(max_length=32, blank=True, default="")
    actor_type = models.CharField(
        max_length=16, choices=[(kind.value, kind.value.capitalize()) for kind in ActorKind]
    )
    actor_id = models.TextField(blank=True, default="")
    at = models.DateTimeField(default=timezone.now)
    message = models.TextField(blank=True, default="")
    trace = models.JSONField(encoder=DjangoJSONEncoder, null=True, blank=True)
    payload = models.JSONField(encoder=DjangoJSONEncoder, default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["case", "at"], name="aftersales_event_case_at")]

    def __str__(self) -> str:
        return f"{self.type} on {self.case_id} at {self.at:%Y-%m-%d %H:%M}"

    @property
    def customer_message(self) -> str:
        """The message as the customer may read it (in the API and in e-mails): empty when it holds what only
        staff read, a staff override's reason or the details of a failed resolution."""
        override = str((self.payload or {}).get("override_reason") or "").strip()
        if self.to_status == CaseStatus.RESOLUTION_FAILED or (override and override in (self.message or "")):
            return ""
        return self.message

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRowError("Case events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRowError("Case events are append-only.")


class OutboxMessage(models.Model):
    """A notification waiting to be delivered by tasks.py; dedupe_key makes enqueueing idempotent."""

    class Status(models.TextChoices):
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox")
    event = models.CharField(max_length=64)
    channel = models.CharField(max_length=255)
    recipient = models.TextField()
    language = models.CharField(max_length=16, blank=True, default="")
    payload = models.JSONField(encoder=DjangoJSONEncoder, default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    delivered_via = models.JSONField(default=list, blank=True)
    """Senders that already took this message ("email", "notify"), so a retry after a partial failure skips them."""
    dedupe_key = models.CharField(max_length=255, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="aftersales_outbox_due")]

    def __str__(self) -> str:
        return f"{self.event} to {self.recipient} ({self.status})"


class SandboxLedgerEntry(models.Model):
    """The sandbox host's ledger: what it delivered, took back and refunded, by line (or for the whole order).

    Only the standalone sandbox writes here (inside Saleor, Saleor's own fulfilments, granted refunds and payments
    are the ledger and this table stays empty). Entries are append-only; a refund's outcome lives in ``outcome``.
    """

    class Kind(models.TextChoices):
        REFUND = "refund"
        STORE_CREDIT = "store_credit"
        RETURN = "return"

    class Outcome(models.TextChoices):
        PENDING = "pending"
        SUCCESS = "success"
        FAILURE = "failure"

    order_id = models.UUIDField(db_index=True)
    line_id = models.UUIDField(null=True, blank=True)
    """None for a refund of the whole order (not attributed to a line)."""
    kind = models.CharField(max_length=16, choices=Kind.choices)
    quantity = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(**MONEY, default=Decimal(0))
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    message = models.TextField(blank=True, default="")
    case_id = models.CharField(max_length=64, blank=True, default="")
    """The case that caused the entry; empty for what staff did in the shop outside the plugin."""
    reference = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.reference} on {self.order_id}"
