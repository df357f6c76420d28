"""Celery tasks: outbox delivery, the SLA sweep, refund reconciliation and the post-purchase policy reminder.

Declared with ``shared_task`` so whichever Celery app is current runs them: Saleor's own app (it autodiscovers this
module) or the sandbox's (:mod:`saleor_aftersales_plugin.sandbox.celery_app`). Each runs against this process's host
(:func:`~.hosting.current_host`) and writes inside its writer guard (Saleor's ``allow_writer()``). The delivery task
lives in :mod:`.delivery` (services ask for it after they commit) and is imported here so both apps find it; the
task recording Saleor's order events lives in :mod:`.saleor.tasks`, as do the django-celery-beat rows that schedule
the periodic ones inside Saleor.
"""

import logging
from typing import Any

from celery import shared_task

from .constants import POLICY_REMINDER, RECONCILE_REFUNDS, SLA_SWEEP
from .delivery import deliver_outbox
from .hosting import current_host
from .services import ServiceError, reminders, returns, sla

__all__ = ["deliver_outbox", "enqueue_policy_reminder", "reconcile_refunds", "sla_sweep"]

logger = logging.getLogger(__name__)


@shared_task(name=SLA_SWEEP, ignore_result=True)
def sla_sweep() -> dict[str, Any]:
    host = current_host()
    with host.writer():
        report = sla.sweep(host=host)
    return {"examined": report.examined, "escalated": report.escalated, "warned": report.warned}


@shared_task(name=RECONCILE_REFUNDS, ignore_result=True)
def reconcile_refunds() -> dict[str, int]:
    """Record the payment provider's answer to every refund still pending (a refusal moves the case to
    ``resolution_failed`` and tells staff): the catch-up for answers that arrive without a hook from the host."""
    host = current_host()
    with host.writer():
        changed = returns.reconcile_pending_refunds(host)
    return {"changed": changed}


@shared_task(name=POLICY_REMINDER, ignore_result=True)
def enqueue_policy_reminder(order_id: str) -> bool:
    """Enqueue the post-purchase reminder of the order's terms (the outbox delivers it); enqueued once an order is
    fulfilled, later calls enqueue nothing."""
    with current_host().writer():
        try:
            return reminders.enqueue_policy_reminder(order_id)
        except (
            ServiceError
        ) as error:  # no policy or unknown order: nothing to remind of, and no point retrying
            logger.warning("No policy reminder for order %s: %s", order_id, error.message)
            return False
