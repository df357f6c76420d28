"""Saleor's order events, and orders the plugin meets before any event, recorded through the services.

Run off Saleor's request path (by :func:`.tasks.record_saleor_order`, which the plugin's hooks enqueue), except
:func:`ensure_order_recorded`, which the endpoint calls for an order placed before the plugin was installed.
"""

import logging
from datetime import datetime
from typing import Any

import graphene
from django.db import transaction

from ..domain import cases as machine
from ..domain.actors import SYSTEM_ACTOR
from ..models import Case
from ..services import ServiceError, returns
from ..services import ledger as ledger_service
from ..services import orders as order_service
from ..services.cases import transition
from ..tasks import enqueue_policy_reminder
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


def apply_order_event(order_id: str, event: str, at: str) -> bool:
    """Bring the plugin's record of a Saleor order up to date after ``event``; False when Saleor has no such order.

    Facts are read from Saleor now (not from the event), so a late or replayed event records the current state;
    each line's fulfilment time comes from Saleor's fulfilments. The policy version pinned is the one in force when
    the order was placed, whenever this runs. A fulfilment enqueues the reminder of the order's terms (its task
    enqueues it once per order).
    """
    if event not in ORDER_EVENTS:
        raise ValueError(f"Unknown order event {event!r}; known: {', '.join(ORDER_EVENTS)}.")
    instant = datetime.fromisoformat(at)
    with transaction.atomic():
        order = order_queryset().filter(pk=order_id).first()
        if order is None:
            return False
        facts = order_facts(order)
        if event == "refunded":
            try:
                record_row = order_service.get_order(order.pk)
            except ServiceError:
                record_row = order_service.record_order(facts)
            host = SaleorHost()
            returns.reconcile_refunds(order.pk, host)
            ledger_service.refresh_cache(record_row, ledger_service.balances(record_row, host))
            return True
        order_service.record_order(
            facts,
            paid_at=instant if event == "paid" else None,
            cancelled_at=instant if event == "cancelled" else None,
        )
        if event == "cancelled":
            close_open_cases(order.pk, "The order was cancelled in Saleor.")
    if event == "fulfilled":
        enqueue_policy_reminder.delay(str(order.pk))
    return True


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
