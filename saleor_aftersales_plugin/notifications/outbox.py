"""The outbox: messages written in the same transaction as the change they report, delivered later by a task.

Enqueueing is idempotent (each row has a ``dedupe_key``) and only writes rows: the service that enqueued asks for a
delivery run once its transaction commits (:func:`saleor_aftersales_plugin.delivery.deliver_after_commit`), and the
periodic ``deliver_outbox`` run catches up otherwise. What a message needs from the shop (the channel's contacts, its
staff groups, its template overrides, its notify channel) comes from the host port handed in, never from a global.

Delivery guarantee. :func:`deliver_due` takes one due row at a time with ``SELECT ... FOR UPDATE SKIP LOCKED`` and
keeps that row lock while it renders, sends and marks the row sent, all in one transaction. The lock is the claim:
concurrent workers skip the row, and if the worker dies the database drops its connection, rolls the transaction
back and releases the row, which the next run delivers. So no row is lost and no row is marked sent without having
been sent. A worker that dies after the mail server accepted a message but before the commit leaves that single
row to be sent again, with the same delivery key (``Message-ID`` / ``delivery_id`` = row id): receivers that
deduplicate on it (the sandbox's directory backend does; Saleor apps receive ``delivery_id``) see every message
exactly once; a plain SMTP server may see that one message twice. Failures are retried with exponential backoff
(``next_attempt_at``, ``attempts``, ``last_error``) and a row gives up as ``failed`` after ``max_attempts``.

The delivery task itself survives the death of its worker: it is acknowledged late and rejected back to the queue
when its process dies (:func:`saleor_aftersales_plugin.delivery.deliver_outbox`), and a periodic run re-drives the outbox (the sandbox's beat;
inside Saleor a django-celery-beat row), so rows never wait for the next enqueue. Staff see rows that keep failing,
with their last error, in the ``afterSalesOutbox`` query.
"""

import logging
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from ..domain import cases as machine
from ..domain.facts import CaseKind, Resolution
from ..domain.host import NotificationHost
from ..models import Case, CaseEvent, CaseLine, OrderRecord, OutboxMessage
from ..rules.document import Policy
from .events import CUSTOMER, event
from .formatting import match_language
from .rendering import render
from .senders import resolve_recipients, send_email, send_notify

__all__ = [
    "CaseHeading",
    "DeliveryReport",
    "PendingMessage",
    "deliver_due",
    "enqueue",
    "enqueue_for_creation",
    "enqueue_many",
    "enqueue_for_transition",
    "enqueue_policy_reminder",
    "enqueue_reply",
    "enqueue_resolution_failed",
    "enqueue_staff",
    "heading_of",
    "staff_messages",
    "undelivered",
]

logger = logging.getLogger(__name__)
S = machine.CaseStatus
EMAIL = "email"
NOTIFY = "notify"
DEFAULT_MAX_ATTEMPTS = 8
DEFAULT_RETRY_BASE_SECONDS = 60


def _money(amount: Decimal | None, currency: str) -> dict[str, str] | None:
    return None if amount is None or amount == 0 else {"amount": str(amount), "currency": currency}


def _instant(value: datetime | None) -> dict[str, str] | None:
    return None if value is None else {"instant": value.isoformat()}


def shop_time_zone(policy: Policy | None) -> str:
    return policy.calendar.time_zone if policy else "UTC"


def staff_language(policy: Policy | None) -> str:
    return match_language(policy.defaults.languages[0] if policy and policy.defaults.languages else None)


def customer_language(order: OrderRecord, policy: Policy | None) -> str:
    """The order's language (``language_code`` in the recorded facts, as Saleor orders carry), else the shop's first."""
    requested = (order.facts or {}).get("language_code") or (order.facts or {}).get("language")
    return match_language(requested, tuple(policy.defaults.languages) if policy else ())


class CaseHeading(NamedTuple):
    """What every message about a case names (its common template variables, besides the shop's), as read by
    :func:`heading_of` or, for many cases at once, straight from the database."""

    case_id: uuid.UUID
    number: int
    kind: str
    channel: str
    status: str
    customer_email: str
    order_number: str


def heading_of(case: Case) -> CaseHeading:
    order = case.order
    return CaseHeading(
        case.pk,
        case.number,
        case.kind,
        case.channel,
        case.status,
        case.customer_email,
        order.number or str(order.order_id),
    )


def _common_payload(heading: CaseHeading, policy: Policy | None, message: str) -> dict[str, Any]:
    """The variables every template of a case message gets (``language`` is added at delivery)."""
    return {
        "shop_name": (policy.name if policy else "") or heading.channel,
        "case_number": heading.number,
        "case_kind": heading.kind,
        "order_number": heading.order_number,
        "customer_email": heading.customer_email,
        "status": heading.status,
        "message": message,
        "time_zone": shop_time_zone(policy),
    }


def case_payload(
    case: Case,
    policy: Policy | None,
    *,
    message: str = "",
    lines: Sequence[CaseLine] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The JSON payload a case message is rendered from (formatting happens at delivery, in the message's language).

    ``lines``: the case's lines in id order with their order lines, when the caller holds them (else read here).
    """
    if lines is None:
        lines = case.lines.select_related("order_line").order_by("id")
    payload = _common_payload(heading_of(case), policy, message)
    payload.update(
        {
            "items": [
                {
                    "name": line.order_line.product_name or line.order_line.sku,
                    "sku": line.order_line.sku,
                    "quantity": line.quantity,
                    "condition": line.condition,
                }
                for line in lines
            ],
            "comment": case.comment,
            "category": case.category,
            "refund_amount": _money(case.refund_amount, case.currency),
            "fees_amount": _money(case.fees_amount, case.currency),
            "first_response_due": _instant(case.first_response_due),
            "resolution_due": _instant(case.resolution_due),
        }
    )
    payload.update(extra)
    return payload


class PendingMessage(NamedTuple):
    """One outbox row to write (:func:`enqueue_many`)."""

    case_id: uuid.UUID | None
    event: str
    channel: str
    recipient: str
    language: str
    payload: Mapping[str, Any]
    dedupe_key: str


_OUTBOX = OutboxMessage._meta.db_table
_INSERT_MESSAGES = (
    f'INSERT INTO "{_OUTBOX}" (id, case_id, event, channel, recipient, language, payload, dedupe_key, status, '
    "attempts, next_attempt_at, last_error, delivered_via, created_at) "
    "SELECT row.id, row.case_id, row.event, row.channel, row.recipient, row.language, row.payload::jsonb, "
    "row.dedupe_key, %s, 0, %s, '', '[]'::jsonb, %s "
    "FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[]) "
    "AS row(id, case_id, event, channel, recipient, language, payload, dedupe_key) "
    "ON CONFLICT DO NOTHING"
)


def enqueue_many(messages: Sequence[PendingMessage]) -> int:
    """Write outbox rows in one statement, in the caller's transaction: rows without a recipient are dropped and
    rows whose ``dedupe_key`` was enqueued before are skipped. Returns how many rows were written."""
    rows = [message for message in messages if message.recipient]
    if not rows:
        return 0
    for name in dict.fromkeys(message.event for message in rows):
        event(name)
    now = timezone.now()
    encoder = DjangoJSONEncoder()
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_MESSAGES,
            [
                OutboxMessage.Status.PENDING.value,
                now,
                now,
                [uuid.uuid4() for _ in rows],
                [message.case_id for message in rows],
                [message.event for message in rows],
                [message.channel for message in rows],
                [message.recipient for message in rows],
                [message.language for message in rows],
                [encoder.encode(message.payload) for message in rows],
                [message.dedupe_key[:255] for message in rows],
            ],
        )
        return cursor.rowcount


def enqueue(
    event_name: str,
    *,
    channel: str,
    recipient: str,
    language: str,
    payload: Mapping[str, Any],
    dedupe_key: str,
    case: Case | None = None,
) -> bool:
    """Add one message to the outbox (in the caller's transaction); False when ``dedupe_key`` was enqueued before."""
    event(event_name)
    message = PendingMessage(
        case.pk if case else None, event_name, channel, recipient, language, payload, dedupe_key
    )
    return enqueue_many([message]) == 1


def staff_messages(
    heading: CaseHeading,
    policy: Policy | None,
    event_name: str,
    recipients: Iterable[str],
    key: str,
    *,
    message: str = "",
    **variables: Any,
) -> list[PendingMessage]:
    """The rows of one case's staff message, for callers that write many cases' rows at once (:func:`enqueue_many`).

    The payload holds exactly what the event's templates may use: the common variables, from ``heading``, and the
    event's own, all given as ``variables`` (so no case line is read).
    """
    declared = frozenset(event(event_name).variables)
    if variables.keys() != declared:
        raise ValueError(f"{event_name} needs the variables {sorted(declared)}, not {sorted(variables)}.")
    payload = _common_payload(heading, policy, message) | variables
    return _staff_rows(heading.case_id, heading.channel, policy, event_name, recipients, key, payload)


def _staff_rows(
    case_id: uuid.UUID,
    channel: str,
    policy: Policy | None,
    event_name: str,
    recipients: Iterable[str],
    key: str,
    payload: Mapping[str, Any],
) -> list[PendingMessage]:
    """One row per distinct recipient (none for an empty one), in the shop's staff language."""
    language = staff_language(policy)
    return [
        PendingMessage(case_id, event_name, channel, recipient, language, payload, f"{key}:{recipient}")
        for recipient in dict.fromkeys(recipients)
        if recipient
    ]


def staff_recipients(
    case: Case, policy: Policy | None, host: NotificationHost, tier: int = 1
) -> tuple[str, ...]:
    """Who hears about the case at ``tier`` (1 = the first tier of its escalation path): e-mails and ``group:`` names,
    the policy's and the channel's (from ``host``)."""
    if policy is None:
        return ()
    path = (case.decision or {}).get("escalation_path") or "default"
    tiers = policy.escalation.get(path) or next(iter(policy.escalation.values()), ())
    named = tuple(tiers[tier - 1].notify) if 0 < tier <= len(tiers) else ()
    contacts = host.channel_contacts(case.channel)
    return (*named, *contacts.staff, *(contacts.escalation if tier > 1 else ()))


def enqueue_staff(
    case: Case,
    policy: Policy | None,
    event_name: str,
    recipients: Iterable[str],
    key: str,
    **extra: Any,
) -> int:
    """The staff message ``event_name`` to each of ``recipients`` (``extra`` as for :func:`case_payload`); returns
    how many rows were new."""
    event(event_name)
    payload = case_payload(case, policy, **extra)
    return enqueue_many(_staff_rows(case.pk, case.channel, policy, event_name, recipients, key, payload))


def _customer_message(
    case: Case, policy: Policy | None, event_name: str, key: str, payload: Mapping[str, Any]
) -> PendingMessage:
    if event(event_name).audience != CUSTOMER:
        raise ValueError(f"{event_name} is a staff message.")
    language = customer_language(case.order, policy)
    return PendingMessage(case.pk, event_name, case.channel, case.customer_email, language, payload, key)


def _enqueue_customer(case: Case, policy: Policy | None, event_name: str, key: str, **extra: Any) -> bool:
    return (
        enqueue_many([_customer_message(case, policy, event_name, key, case_payload(case, policy, **extra))])
        == 1
    )


def enqueue_for_creation(
    case: Case,
    created: CaseEvent,
    policy: Policy | None,
    host: NotificationHost,
    lines: Sequence[CaseLine] | None = None,
) -> None:
    """The customer's acknowledgement and the staff's "new case" message for a case just opened (``policy``: the one
    the case is judged by, None without one; ``lines``: the case's lines with their order lines, when the caller
    holds them)."""
    customer_event = "complaint_acknowledged" if case.kind == CaseKind.COMPLAINT else "request_received"
    payload = case_payload(case, policy, lines=lines)
    customer = _customer_message(
        case, policy, customer_event, f"{customer_event}:{case.pk}", {**payload, "message": created.message}
    )
    recipients = staff_recipients(case, policy, host)
    staff = _staff_rows(
        case.pk, case.channel, policy, "staff_new_case", recipients, f"staff_new_case:{case.pk}", payload
    )
    enqueue_many([customer, *staff])  # one statement for both


def _resolution_event(case: Case) -> str | None:
    if case.kind == CaseKind.COMPLAINT:
        return "complaint_resolved"
    return {
        Resolution.REFUND.value: "refund_issued",
        Resolution.KEEP_ITEM.value: "refund_issued",
        Resolution.STORE_CREDIT.value: "store_credit_issued",
        Resolution.EXCHANGE.value: "exchange_shipped",
    }.get(case.resolution)


def customer_event_for(case: Case, status_event: CaseEvent) -> str | None:
    """Which customer message (if any) reports the move recorded by ``status_event``."""
    status = status_event.to_status
    if status == S.APPROVED:
        return "approved"
    if status == S.DECLINED:
        return "declined"
    if status == S.RESOLVED:
        return _resolution_event(case)
    if case.kind == CaseKind.REPAIR:
        if status == S.RECEIVED:
            return "item_received"
        if status == S.QUOTED:
            return "repair_quote"
        if status in (S.DIAGNOSING, S.QUOTE_ACCEPTED, S.QUOTE_DECLINED, S.REPAIRING, S.SHIPPED_BACK):
            return "repair_status"
        return None
    if status == S.RECEIVED:
        return "item_received"
    if status == S.INSPECTED:
        return "inspection_result"
    return None


def enqueue_for_transition(case: Case, status_event: CaseEvent, policy: Policy | None) -> None:
    """The customer's message for the status change ``status_event`` recorded, if that change has one
    (:func:`customer_event_for`)."""
    event_name = customer_event_for(case, status_event)
    if event_name is None:
        return
    extra: dict[str, Any] = {"message": status_event.customer_message}
    if event_name == "approved":
        extra["return_required"] = case.requested_resolution != Resolution.KEEP_ITEM.value and case.kind != (
            CaseKind.COMPLAINT
        )
        texts = (policy.texts if policy else {}) or {}
        language = customer_language(case.order, policy)
        extra["return_instructions"] = (texts.get(language) or {}).get("return_instructions", "")
    elif event_name == "declined":
        extra["reason"] = status_event.customer_message
    elif event_name in ("refund_issued", "store_credit_issued"):
        payload = status_event.payload or {}
        amount = payload.get("amount")
        if event_name == "store_credit_issued":
            amount = case.store_credit_amount if case.store_credit_amount else amount
        extra["amount"] = _money(
            Decimal(str(amount)) if amount is not None else case.refund_amount, case.currency
        )
    elif event_name == "repair_quote":
        extra["quote_amount"] = _money(case.fees_amount, case.currency)
    _enqueue_customer(case, policy, event_name, f"{event_name}:{case.pk}:{status_event.pk}", **extra)


def enqueue_resolution_failed(
    case: Case, failure: CaseEvent, amount: Decimal | None, policy: Policy | None, host: NotificationHost
) -> int:
    """Tell staff (never the customer) that the resolution recorded by ``failure`` failed, and why."""
    return enqueue_staff(
        case,
        policy,
        "staff_resolution_failed",
        staff_recipients(case, policy, host),
        f"staff_resolution_failed:{case.pk}:{failure.pk}",
        reason=failure.message,
        amount=_money(amount, case.currency),
    )


def enqueue_reply(case: Case, reply_event: CaseEvent, policy: Policy | None) -> None:
    """The customer's copy of a staff (or app) reply (the caller does not echo the customer's own replies)."""
    _enqueue_customer(case, policy, "reply", f"reply:{case.pk}:{reply_event.pk}", message=reply_event.message)


def enqueue_policy_reminder(order: OrderRecord, policy: Policy, items: list[dict[str, Any]]) -> bool:
    """The customer's reminder of the terms of each line of ``order`` (``items``: name, sku, quantity,
    ``return_until`` and ``warranty_until`` as ``{"date": ...}`` or None); once per order, later calls return False."""
    payload = {
        "shop_name": policy.name or order.channel,
        "order_number": order.number or str(order.order_id),
        "customer_email": order.customer_email,
        "items": items,
        "policy_name": policy.name,
        "time_zone": shop_time_zone(policy),
    }
    return enqueue(
        "policy_reminder",
        channel=order.channel,
        recipient=order.customer_email,
        language=customer_language(order, policy),
        payload=payload,
        dedupe_key=f"policy_reminder:{order.order_id}",
    )


def undelivered(channel: str, *, include_waiting: bool = False, limit: int = 50) -> list[OutboxMessage]:
    """The channel's messages that failed for good or whose last attempt failed (with ``include_waiting``, also
    those not tried yet), newest first: what staff need to see when delivery cannot work."""
    queryset = OutboxMessage.objects.filter(channel=channel).exclude(status=OutboxMessage.Status.SENT)
    if not include_waiting:
        queryset = queryset.filter(Q(status=OutboxMessage.Status.FAILED) | ~Q(last_error=""))
    return list(queryset.order_by("-created_at", "-id")[:limit])


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    sent: int = 0
    retried: int = 0
    failed: int = 0


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def backoff(attempts: int, base_seconds: int) -> timedelta:
    """Delay before attempt ``attempts + 1``: base, 2 x base, 4 x base, ... capped at one day."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), 86400))


def _send(row: OutboxMessage, host: NotificationHost) -> None:
    rendered = render(
        row.event,
        row.language,
        row.payload,
        time_zone=str(row.payload.get("time_zone") or "UTC"),
        overrides=host.template_overrides(row.channel),
    )
    if EMAIL not in row.delivered_via:
        addresses = resolve_recipients(host, row.channel, row.recipient)
        if addresses:
            send_email(row.pk, addresses, rendered, sender=host.channel_contacts(row.channel).sender)
        row.delivered_via = [*row.delivered_via, EMAIL]
    if NOTIFY not in row.delivered_via:
        send_notify(
            host,
            row.event,
            row.channel,
            {
                **row.payload,
                "delivery_id": str(row.pk),
                "case_id": str(row.case_id) if row.case_id else None,
                "recipient": row.recipient,
                "language": rendered.language,
                "subject": rendered.subject,
                "text": rendered.text,
                "html": rendered.html,
            },
        )
        row.delivered_via = [*row.delivered_via, NOTIFY]


def deliver_due(
    host: NotificationHost, batch_size: int = 100, *, now: datetime | None = None
) -> DeliveryReport:
    """Deliver up to ``batch_size`` due rows, each in its own transaction under its row lock (see the module doc);
    contacts, staff groups, template overrides and the notify channel come from ``host``."""
    max_attempts = _setting("AFTERSALES_OUTBOX_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS)
    base_seconds = _setting("AFTERSALES_OUTBOX_RETRY_BASE_SECONDS", DEFAULT_RETRY_BASE_SECONDS)
    sent = retried = failed = 0
    for _ in range(batch_size):
        with transaction.atomic():
            moment = now or timezone.now()
            row = (
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(status=OutboxMessage.Status.PENDING)
                .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=moment))
                .order_by("next_attempt_at", "created_at")
                .first()
            )
            if row is None:
                break
            row.attempts += 1
            try:
                with transaction.atomic():
                    _send(row, host)
            except Exception as error:
                row.last_error = f"{type(error).__name__}: {error}"[:2000]
                if row.attempts >= max_attempts:
                    row.status = OutboxMessage.Status.FAILED
                    failed += 1
                    logger.error("Outbox message %s failed for good: %s", row.pk, row.last_error)
                else:
                    row.next_attempt_at = moment + backoff(row.attempts, base_seconds)
                    retried += 1
            else:
                row.status = OutboxMessage.Status.SENT
                row.sent_at = timezone.now()
                row.last_error = ""
                sent += 1
            row.save(
                update_fields=[
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "last_error",
                    "sent_at",
                    "delivered_via",
                ]
            )
    return DeliveryReport(sent, retried, failed)
