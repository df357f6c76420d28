"""Saleor's order events, and orders the plugin meets before any event, recorded through the services.

Run off Saleor's request path (by :func:`.tasks.record_saleor_orders`, which the plugin's hooks enqueue), except
:func:`ensure_order_recorded`, which the endpoint calls for an order placed before the plugin was installed.
"""

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import graphene
from django.db import transaction

from ..domain import cases as machine
from ..domain.actors import SYSTEM_ACTOR
from ..domain.facts import OrderFacts
from ..models import Case
from ..services import ServiceError, returns
from ..services import ledger as ledger_service
from ..services import orders as order_service
from ..services.cases import transition
from ..tasks import enqueue_policy_reminder
from .configuration import ensure_policy_of_channel
from .facts import load_order, order_facts, order_queryset
from .host import SaleorHost

logger = logging.getLogger(__name__)

ORDER_EVENTS = ("created", "confirmed", "paid", "fulfilled", "cancelled", "refunded")


def ensure_order_recorded(order_id: str) -> bool:
    """Record an order placed before the plugin was installed; False when Saleor has no such order.

    Accepts the order's UUID or its Saleor global id (``Order:<uuid>``).
    """
    raw = str(order_id)
    try:
        kind, pk = graphene.Node.from_global_id(raw)
        if kind == "Order":
            raw = pk
    except Exception:  # not a global id: a plain UUID
        pass
    try:
        order_service.get_order(raw)
        return True
    except ServiceError:
        pass
    order = load_order(raw)
    if order is None:
        return False
    order_service.record_order(order_facts(order))
    return True


def unreadable_event(item: Any) -> str:
    """Why ``item`` is not an order event ``[order id, event, ISO time]`` as the hooks publish it; "" when it is."""
    if (
        not isinstance(item, list | tuple)
        or len(item) != 3
        or not all(isinstance(part, str) for part in item)
    ):
        return "an order event is [order id, event, ISO time], three texts"
    _order_id, event, at = item
    return _unreadable(event, at)


def _unreadable(event: str, at: str) -> str:
    """Why (``event``, ``at``) is not a known order event at an ISO time with its zone; "" when it is."""
    if event not in ORDER_EVENTS:
        return f"unknown event {event!r}; known: {', '.join(ORDER_EVENTS)}"
    try:
        instant = datetime.fromisoformat(at)
    except ValueError:
        return f"{at!r} is not an ISO time"
    if instant.tzinfo is None:
        return f"{at!r} has no time zone"
    return ""


def apply_order_event(order_id: str, event: str, at: str) -> bool:
    """Bring the plugin's record of a Saleor order up to date after ``event``; False when Saleor has no such order.

    Facts are read from Saleor now (not from the event), so a late or replayed event records the current state;
    each line's fulfilment time comes from Saleor's fulfilments. The policy version pinned is the one in force when
    the order was placed, whenever this runs. A fulfilment enqueues the reminder of the order's terms (its task
    enqueues it once per order).
    """
    return apply_order_events(order_id, [(event, at)])


def apply_order_events(order_id: str, events: Sequence[tuple[str, str]]) -> bool:
    """Apply ``events`` (event, ISO time) of one order in turn, as :func:`apply_order_event` each would, in one
    transaction; False when Saleor has no such order. The channel's configured policy is published first if it has
    none (so the order is recorded with a policy pinned).

    The order is read from Saleor once, and again only after a step that may have changed it (a refund's
    reconciliation, closing a cancelled order's cases). Consecutive events that only record the facts are one
    record: recording the same facts twice keeps the later of each time given, so one record with the last paid
    and cancelled times is what the calls one after another would leave.
    """
    for event, at in events:
        problem = _unreadable(event, at)
        if problem:
            raise ValueError(f"Order {order_id}: {problem}.")
    with transaction.atomic():
        order = order_queryset().filter(pk=order_id).first()
        if order is None:
            return False
        ensure_policy_of_channel(order.channel.slug)
        pending = _PendingRecord(order_facts(order))
        for event, at in events:
            if event == "refunded":
                record_row = pending.record()
                if record_row is None:
                    try:
                        record_row = order_service.get_order(order.pk)
                    except ServiceError:
                        record_row = order_service.record_order(pending.facts())
                host = SaleorHost()
                returns.reconcile_refunds(order.pk, host)
                ledger_service.refresh_cache(record_row, ledger_service.balances(record_row, host))
                pending.stale()
                continue
            pending.add(event, datetime.fromisoformat(at))
            if event == "cancelled":
                pending.record()
                close_open_cases(order.pk, "The order was cancelled in Saleor.")
                pending.stale()
        pending.record()
    if any(event == "fulfilled" for event, _at in events):
        enqueue_policy_reminder.delay(str(order.pk))
    return True


class _PendingRecord:
    """The events of one order waiting to be recorded together, and the order's facts as last read from Saleor."""

    def __init__(self, facts: OrderFacts) -> None:
        self._facts: OrderFacts | None = facts
        self._order_id = facts.order_id
        self._events: set[str] = set()
        self._paid_at: datetime | None = None
        self._cancelled_at: datetime | None = None

    def add(self, event: str, at: datetime) -> None:
        self._events.add(event)
        if event == "paid":
            self._paid_at = at
        elif event == "cancelled":
            self._cancelled_at = at

    def stale(self) -> None:
        """Saleor's order may have changed since it was read: read it again when next needed."""
        self._facts = None

    def facts(self) -> OrderFacts:
        if self._facts is None:
            self._facts = order_facts(order_queryset().get(pk=self._order_id))
        return self._facts

    def record(self) -> Any:
        """Record the facts with the times of the events added since the last record; None if none was added."""
        if not self._events:
            return None
        record = order_service.record_order(
            self.facts(), paid_at=self._paid_at, cancelled_at=self._cancelled_at
        )
        self._events.clear()
        self._paid_at = self._cancelled_at = None
        return record


def close_open_cases(order_id: Any, reason: str) -> None:
    """Withdraw or close every open case of a cancelled order (cases past receipt stay for staff to finish)."""
    for case in Case.objects.filter(order__order_id=order_id).exclude(status__in=machine.NOT_OPEN):
        if machine.customer_may_cancel(case.kind, case.status):
            returns.cancel(case.pk, actor=SYSTEM_ACTOR, reason=reason)
        elif machine.CaseStatus.CLOSED in machine.allowed_next(case.kind, case.status):
            transition(
                case.pk,
                machine.CaseStatus.CLOSED,
                actor=SYSTEM_ACTOR,
                message=reason,
            )
        else:
            logger.info("After-sales: case %s stays %s after its order was cancelled", case.pk, case.status)
