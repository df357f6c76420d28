"""The plugin's Celery work that exists only inside Saleor: recording Saleor's order events, and the beat rows.

Saleor's Celery app discovers plugin packages by importing each plugin's module (``discover_plugins_modules``), and
plugin.py imports this module, so Saleor's workers know :func:`record_saleor_orders`; the other tasks are in
:mod:`saleor_aftersales_plugin.tasks`, which that discovery imports too.
"""

import logging
from collections.abc import Sequence
from typing import Any

from celery import shared_task
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from saleor.core.db.connection import allow_writer

from ..constants import PERIODIC_TASKS, RECORD_SALEOR_ORDER
from .events import apply_order_events, unreadable_event

logger = logging.getLogger(__name__)

RECORD_SALEOR_ORDERS = "saleor_aftersales_plugin.record_saleor_orders"


@shared_task(name=RECORD_SALEOR_ORDERS, ignore_result=True)
def record_saleor_orders(events: Sequence[Any]) -> None:
    """Record Saleor order events off Saleor's request path: ``events`` are ``[order id, event, ISO time]`` in the
    order the hooks saw them, one message per Saleor request (:mod:`.recording`).

    Each order's events are applied in its own transaction (:func:`.events.apply_order_events`: the channel's
    configured policy is published first if it has none); an item that is not such an event (a message of another
    version, say) is logged and left out, an order that fails is logged, and everything else is still recorded;
    then the first problem is raised so the task shows as failed.
    """
    by_order: dict[str, list[tuple[str, str]]] = {}
    failure: Exception | None = None
    for item in events:
        problem = unreadable_event(item)
        if problem:
            logger.error("After-sales: order event %r left out: %s", item, problem)
            failure = failure or ValueError(f"Order event {item!r} left out: {problem}")
            continue
        order_id, event, at = item
        by_order.setdefault(order_id, []).append((event, at))
    with allow_writer():
        for order_id, order_events in by_order.items():
            try:
                apply_order_events(order_id, order_events)
            except Exception as error:
                logger.exception("After-sales: recording %s of order %s failed", order_events, order_id)
                failure = failure or error
    if failure is not None:
        raise failure


@shared_task(name=RECORD_SALEOR_ORDER, ignore_result=True)
def record_saleor_order(order_id: str, event: str, at: str) -> None:
    """One event per message: what the hooks published before :func:`record_saleor_orders`; kept so messages
    queued by an earlier version are still recorded after an upgrade."""
    record_saleor_orders([(order_id, event, at)])


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
