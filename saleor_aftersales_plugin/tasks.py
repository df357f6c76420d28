"""Celery tasks: outbox delivery, the SLA sweep, refund reconciliation and the post-purchase policy reminder.

Declared with ``shared_task`` so whichever Celery app is current runs them: Saleor's own app (it autodiscovers this
module) or the sandbox's (:mod:`saleor_aftersales_plugin.sandbox.celery_app`). Database writes run inside Saleor's
writer guard when Saleor is installed. :func:`register_periodic_tasks` schedules the sweep, the refund reconciliation
and a catch-up delivery as django-celery-beat rows, so Saleor's database scheduler runs them without a settings change.
"""

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

from celery import shared_task

from .domain.host import HostPort
from .notifications import outbox
from .services import ServiceError, returns, sla

logger = logging.getLogger(__name__)

DELIVER_OUTBOX = "saleor_aftersales_plugin.deliver_outbox"
SLA_SWEEP = "saleor_aftersales_plugin.sla_sweep"
POLICY_REMINDER = "saleor_aftersales_plugin.send_policy_reminder"
RECORD_SALEOR_ORDER = "saleor_aftersales_plugin.record_saleor_order"
RECONCILE_REFUNDS = "saleor_aftersales_plugin.reconcile_refunds"
PERIODIC_TASKS = {
    "after-sales: SLA sweep": (SLA_SWEEP, 5),
    "after-sales: deliver outbox": (DELIVER_OUTBOX, 1),
    "after-sales: reconcile pending refunds": (RECONCILE_REFUNDS, 5),
}
"""Periodic task name -> (task, every N minutes)."""


@contextlib.contextmanager
def writer() -> Iterator[None]:
    """Saleor's ``allow_writer()`` when running inside Saleor (its settings refuse writes otherwise); a no-op elsewhere."""
    try:
        from saleor.core.db.connection import allow_writer
    except ImportError:
        yield
        return
    with allow_writer():
        yield


def install_host_hooks() -> None:
    """Let the Saleor adapter install its senders (notify hook, group resolver, overrides) in this process.

    The adapter defines ``install_notification_hooks()``; outside Saleor (or before it does) this does nothing.
    Called before each delivery run, so Celery worker processes get the hooks too; installing is idempotent.
    """
    try:
        from .saleor_adapter import install_notification_hooks
    except ImportError:
        return
    install_notification_hooks()


@shared_task(name=DELIVER_OUTBOX, ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def deliver_outbox(batch_size: int = 100) -> dict[str, int]:
    """Deliver due outbox rows; asks for another run while full batches keep coming.

    Acknowledged only when it finishes (``acks_late``), and given back to the queue when its worker process dies
    (``reject_on_worker_lost``); a whole worker killed leaves the message unacknowledged, so the broker delivers it
    again (Redis: after ``visibility_timeout``). Running twice is harmless: each row is claimed under its row lock.
    The periodic run (:data:`PERIODIC_TASKS`) re-drives the outbox besides.
    """
    install_host_hooks()
    with writer():
        report = outbox.deliver_due(batch_size)
    if report.sent + report.retried + report.failed >= batch_size:
        deliver_outbox.delay(batch_size)
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed}


@shared_task(name=SLA_SWEEP, ignore_result=True)
def sla_sweep() -> dict[str, Any]:
    with writer():
        report = sla.sweep()
    return {"examined": report.examined, "escalated": report.escalated, "warned": report.warned}


def current_host() -> HostPort:
    """Saleor's host port inside Saleor, the sandbox's elsewhere."""
    try:
        from .saleor_adapter import SaleorHost
    except ImportError:
        from .sandbox.host import SandboxHost

        return SandboxHost()
    return SaleorHost()


@shared_task(name=RECONCILE_REFUNDS, ignore_result=True)
def reconcile_refunds() -> dict[str, int]:
    """Record the payment provider's answer to every refund still pending (a refusal moves the case to
    ``resolution_failed`` and tells staff): the catch-up for answers that arrive without a hook from the host."""
    with writer():
        changed = returns.reconcile_pending_refunds(current_host())
    return {"changed": changed}


@shared_task(name=POLICY_REMINDER, ignore_result=True)
def send_policy_reminder(order_id: str) -> bool:
    """Enqueue the post-purchase reminder of the order's terms; call it from the fulfilment hook (once is enough)."""
    with writer():
        try:
            return outbox.enqueue_policy_reminder(order_id)
        except (
            ServiceError
        ) as error:  # no policy or unknown order: nothing to remind of, and no point retrying
            logger.warning("No policy reminder for order %s: %s", order_id, error.message)
            return False


@shared_task(name=RECORD_SALEOR_ORDER, ignore_result=True)
def record_saleor_order(order_id: str, event: str, at: str) -> None:
    """Record a Saleor order event off Saleor's request path (enqueued by the plugin's hooks; Saleor only)."""
    from .plugin import ensure_channel_policy
    from .saleor_adapter import apply_order_event

    with writer():
        ensure_channel_policy(order_id)
        apply_order_event(order_id, event, at)


def register_periodic_tasks() -> list[str]:
    """Create or update the django-celery-beat rows of :data:`PERIODIC_TASKS`; no-op without django-celery-beat.

    Returns the names of the rows written. Safe to call on every start.
    """
    try:
        from django_celery_beat.models import IntervalSchedule, PeriodicTask
    except (ImportError, RuntimeError):  # not installed, or installed but not in INSTALLED_APPS
        return []
    written = []
    with writer():
        for name, (task, minutes) in PERIODIC_TASKS.items():
            schedule, _ = IntervalSchedule.objects.get_or_create(
                every=minutes, period=IntervalSchedule.MINUTES
            )
            PeriodicTask.objects.update_or_create(
                name=name, defaults={"task": task, "interval": schedule, "enabled": True}
            )
            written.append(name)
    return written
