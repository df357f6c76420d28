"""Cases: creating them and moving them through their state machine, each change with its audit event.

Every change locks the case row (``SELECT ... FOR UPDATE``) and writes the row and its event in one transaction, so
concurrent staff actions serialise and the trail never disagrees with the status.

Case numbers come from one PostgreSQL sequence per channel (``aftersales_case_no_<hash of the channel>``, created
with the channel's first case and starting after any number already used there). ``nextval`` never waits for other
transactions, so creates in a channel do not queue behind each other; like Saleor's order numbers, the numbers
increase but may have gaps (a request that fails after drawing its number does not give it back).
"""

import hashlib
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from ..delivery import deliver_after_commit
from ..domain import cases as machine
from ..domain.actors import Actor, ActorKind
from ..domain.facts import CaseKind, LineRequest
from ..domain.host import NotificationHost
from ..hosting import current_host
from ..models import Case, CaseEvent, CaseLine, OrderLineRecord, OrderRecord
from ..notifications import outbox
from . import NotFoundError, ServiceError, sla
from .idempotency import case_for_key
from .orders import get_order

__all__ = [
    "EVENT_CREATED",
    "EVENT_REPLY",
    "EVENT_STATUS_CHANGED",
    "CaseMoney",
    "LineMoney",
    "add_event",
    "create_case",
    "get_case",
    "transition",
]

EVENT_CREATED = "created"
EVENT_STATUS_CHANGED = "status_changed"
EVENT_REPLY = "reply"
# Only create_case() and transition() write these, so the trail always agrees with the status.
_RESERVED_EVENTS = frozenset({EVENT_CREATED, EVENT_STATUS_CHANGED})


@dataclass(frozen=True)
class LineMoney:
    """A case line's share of its decision: refund, fees and the line's decision (None: keep the stored one)."""

    refund_amount: Decimal
    fee_amount: Decimal
    decision: dict[str, Any] | None = None


@dataclass(frozen=True)
class CaseMoney:
    """A decision's money as a case stores it: the case's totals and each line's share (by order line id)."""

    refund_amount: Decimal
    fees_amount: Decimal
    store_credit_amount: Decimal | None
    lines: Mapping[str, LineMoney] = field(default_factory=dict)

    def line(self, line_id: str) -> LineMoney:
        return self.lines.get(line_id) or LineMoney(Decimal(0), Decimal(0))


def _checked(actor: Actor) -> Actor:
    if actor.type not in set(ActorKind):
        known = ", ".join(repr(kind.value) for kind in ActorKind)
        raise ServiceError(f"Unknown actor type {actor.type!r}; known: {known}.", field="actor_type")
    return actor


def _write_event(case: Case, event_type: str, actor: Actor, at: datetime, **fields: Any) -> CaseEvent:
    """The one place case events are written: who (``actor``), when, and the event's own fields."""
    return CaseEvent.objects.create(
        case=case, type=event_type, actor_type=str(actor.type), actor_id=actor.id, at=at, **fields
    )


def get_case(case_id: str | uuid.UUID, *, lock: bool = False) -> Case:
    queryset = Case.objects.select_for_update() if lock else Case.objects
    try:
        return queryset.get(pk=case_id)
    except (Case.DoesNotExist, ValidationError, ValueError, TypeError):
        raise NotFoundError(f"Case {case_id} does not exist.", field="case_id") from None


_DUPLICATE_TABLE = "42P07"


def _sqlstate(error: Exception) -> str | None:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def number_sequence(channel: str) -> str:
    """The name of the PostgreSQL sequence that numbers ``channel``'s cases (fits the 63-character limit)."""
    return "aftersales_case_no_" + hashlib.sha256(channel.encode()).hexdigest()[:24]


def next_case_number(channel: str) -> int:
    """The channel's next case number, without waiting for concurrent creates (numbers may have gaps).

    The first case of a channel creates its sequence, starting after the highest number the channel already has.
    Two first cases at once: the second ``CREATE`` waits for the first transaction and then fails, and the second
    draws from the sequence the first created (or creates it, if the first rolled back).
    """
    name = number_sequence(channel)
    for _attempt in range(3):
        with connection.cursor() as cursor:
            # to_regclass() is NULL (and so nextval()) while the sequence does not exist: no error, no savepoint.
            cursor.execute("SELECT nextval(to_regclass(%s))", [name])
            number = cursor.fetchone()[0]
        if number is not None:
            return int(number)
        start = (Case.objects.filter(channel=channel).aggregate(top=Max("number"))["top"] or 0) + 1
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" START WITH {int(start)}')
        except (IntegrityError, ProgrammingError) as error:
            # A concurrent first case created it and committed: draw from it.
            if isinstance(error, ProgrammingError) and _sqlstate(error) != _DUPLICATE_TABLE:
                raise
    raise ServiceError(f"Could not number a case in channel {channel!r}; please try again.", code="conflict")


def create_case(
    order_id: str | uuid.UUID | OrderRecord,
    kind: CaseKind | str,
    *,
    actor: Actor,
    lines: Sequence[LineRequest] = (),
    reason: str = "",
    comment: str = "",
    requested_resolution: str = "",
    category: str = "",
    photo_urls: Sequence[str] = (),
    decision: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
    message: str = "",
    trace: Any = None,
    host: NotificationHost | None = None,
    money: CaseMoney | None = None,
    order_lines: Sequence[OrderLineRecord] | None = None,
) -> tuple[Case, bool]:
    """Open a case of ``kind`` on a recorded order in its initial status; returns ``(case, created)``.

    With an ``idempotency_key`` (as stored: :func:`.idempotency.scoped_key`) a repeated request returns the case the first one created (also when both race:
    the unique index decides). The case number is the channel's next one (:func:`next_case_number`); the customer and policy version come from the order. Deciding whether the request is
    allowed (rules) is the caller's job; this only checks the lines exist on the order. A caller that already
    holds the order row passes it instead of its id (saves reading it again), and one that holds the order's lines
    the request names passes them as ``order_lines``. ``money``: the decision's figures, stored with the case and its
    lines. The staff's "new case" message goes to the channel's contacts as ``host`` (default: this process's host)
    knows them.
    """
    actor = _checked(actor)
    try:
        kind = CaseKind(kind)
    except ValueError:
        raise ServiceError(f"Unknown case kind {kind!r}.", field="kind") from None
    # Reads and checks first: a refusal leaves the caller's transaction usable.
    order = order_id if isinstance(order_id, OrderRecord) else get_order(order_id)
    channel = order.channel
    existing = case_for_key(channel, idempotency_key)
    if existing is not None:
        return existing, False
    by_id = {str(line.line_id): line for line in (order.lines.all() if order_lines is None else order_lines)}
    for index, request in enumerate(lines):
        order_line = by_id.get(str(request.line_id))
        if order_line is None:
            raise NotFoundError(
                f"Order {order.order_id} has no line {request.line_id}.", field=f"lines.{index}.line_id"
            )
        if not 0 < request.quantity <= order_line.quantity:
            raise ServiceError(
                f"Quantity {request.quantity} is out of range for line {request.line_id} "
                f"(1 to {order_line.quantity}).",
                field=f"lines.{index}.quantity",
            )
    # Nested in a caller's transaction, no savepoint: a failure here fails the caller's transaction as a whole.
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        status = machine.initial_status(kind)
        case = Case(
            number=next_case_number(channel),
            channel=channel,
            kind=kind.value,
            status=status,
            order=order,
            customer_id=order.customer_id,
            customer_email=order.customer_email,
            reason=reason,
            comment=comment,
            requested_resolution=requested_resolution,
            category=category,
            photo_urls=list(photo_urls),
            decision=decision or {},
            policy_version=order.policy_version,
            currency=order.currency,
            idempotency_key=idempotency_key or None,
            created_at=now,
        )
        if money is not None:
            case.refund_amount = money.refund_amount
            case.fees_amount = money.fees_amount
            case.store_credit_amount = money.store_credit_amount
        sla.set_deadlines(case)
        if idempotency_key:
            try:
                with transaction.atomic():
                    case.save(force_insert=True)
            except IntegrityError:
                # A concurrent request with the same key committed first (the insert waited for it).
                existing = Case.objects.filter(channel=channel, idempotency_key=idempotency_key).first()
                if existing is None:
                    raise
                return existing, False
        else:
            case.save(force_insert=True)
        case_lines = CaseLine.objects.bulk_create(
            _case_line(case, by_id[str(request.line_id)], request, money) for request in lines
        )
        created_event = _write_event(
            case, EVENT_CREATED, actor, now, to_status=status, message=message, trace=trace
        )
        outbox.enqueue_for_creation(
            case, created_event, sla.case_policy(case), host or current_host(), case_lines
        )
        deliver_after_commit()
    return case, True


def _case_line(
    case: Case, order_line: OrderLineRecord, request: LineRequest, money: CaseMoney | None
) -> CaseLine:
    line = CaseLine(
        case=case,
        order_line=order_line,
        quantity=request.quantity,
        reason=request.reason,
        requested_resolution=request.resolution,
        condition=str(request.condition),
    )
    if money is not None:
        share = money.line(str(order_line.line_id))
        line.refund_amount, line.fee_amount = share.refund_amount, share.fee_amount
        if share.decision is not None:
            line.decision = share.decision
    return line


def transition(
    case_id: str | uuid.UUID,
    target_status: str,
    *,
    actor: Actor,
    message: str = "",
    trace: Any = None,
    payload: dict[str, Any] | None = None,
) -> Case:
    """Move the case to ``target_status`` if its state machine allows it, recording who, when and why.

    Raises :class:`~saleor_aftersales_plugin.domain.cases.TransitionError` (nothing is written) when the move is
    not allowed. Also keeps the SLA stamps true: ``resolved_at`` is set when the case is resolved or stops being
    open and cleared on reopening; ``first_responded_at`` is set by the first move made by anyone but the customer.
    """
    actor = _checked(actor)
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        machine.check_transition(case.kind, case.status, target_status)
        previous = case.status
        now = timezone.now()
        case.status = str(target_status)
        if target_status == machine.CaseStatus.RESOLVED or not machine.is_open(case.kind, case.status):
            case.resolved_at = case.resolved_at or now
        else:
            case.resolved_at = None
        if not actor.is_customer and case.first_responded_at is None:
            case.first_responded_at = now
        sla.on_transition(case, previous, now)
        case.save(
            update_fields=["status", "resolved_at", "first_responded_at", *sla.SLA_FIELDS, "updated_at"]
        )
        status_event = _write_event(
            case,
            EVENT_STATUS_CHANGED,
            actor,
            now,
            from_status=previous,
            to_status=case.status,
            message=message,
            trace=trace,
            payload=payload or {},
        )
        if outbox.customer_event_for(case, status_event) is not None:  # only then is the policy read
            outbox.enqueue_for_transition(case, status_event, sla.case_policy(case))
            deliver_after_commit()
    return case


def add_event(
    case_id: str | uuid.UUID,
    event_type: str,
    *,
    actor: Actor,
    message: str = "",
    trace: Any = None,
    payload: dict[str, Any] | None = None,
) -> CaseEvent:
    """Append a non-status event (note, reply, escalated, assigned, refund_failed, ...) to the case's trail.

    A ``reply`` by anyone but the customer counts as the first response for the SLA.
    """
    actor = _checked(actor)
    if not event_type or event_type in _RESERVED_EVENTS:
        raise ServiceError(
            f"Event type {event_type!r} cannot be added directly; use create_case() or transition().",
            field="event_type",
        )
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        now = timezone.now()
        if event_type == EVENT_REPLY and not actor.is_customer and case.first_responded_at is None:
            case.first_responded_at = now
        case.save(update_fields=["first_responded_at", "updated_at"])
        return _write_event(case, event_type, actor, now, message=message, trace=trace, payload=payload or {})
