"""The plugin's Celery work that exists only inside Saleor: recording Saleor's order events, and the beat rows.

Saleor's Celery app discovers plugin packages by importing each plugin's module (``discover_plugins_modules``), and
plugin.py imports this module, so Saleor's workers know :func:`record_saleor_order`; the other tasks are in
:mod:`saleor_aftersales_plugin.tasks`, which that discovery imports too.
"""

import logging

from celery import shared_task
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from saleor.core.db.connection import allow_writer

from ..constants import PERIODIC_TASKS, RECORD_SALEOR_ORDER
from .configuration import ensure_channel_policy
from .events import apply_order_event

logger = logging.getLogger(__name__)


@shared_task(name=RECORD_SALEOR_ORDER, ignore_result=True)
def record_saleor_order(order_id: str, event: str, at: str) -> None:
    """Record a Saleor order event off Saleor's request path (enqueued by the plugin's hooks): the channel's
    configured policy is published first if it has none, so the order is recorded with a policy pinned."""
    with allow_writer():
        ensure_channel_policy(order_id)
        apply_order_event(order_id, event, at)


def register_periodic_tasks() -> list[str]:
    """Create or update the django-celery-beat rows of :data:`~..constants.PERIODIC_TASKS` (Saleor's beat runs them
    with its database scheduler); returns the names of the rows written. Run on every configuration save; a failure
    is logged, never raised into Saleor's save."""
    written = []
    try:
        with allow_writer():
            for name, (task, minutes) in PERIODIC_TASKS.items():
                schedule, _ = IntervalSchedule.objects.get_or_create(
                    every=minutes, period=IntervalSchedule.MINUTES
                )
                PeriodicTask.objects.update_or_create(
                    name=name, defaults={"task": task, "interval": schedule, "enabled": True}
                )
                written.append(name)
    except Exception:
        logger.exception("After-sales: could not register the periodic tasks with Celery beat")
    return written
