"""The hooks' order events, handed to the recording task in one message per Saleor request.

One checkoutComplete or orderFulfill fires several hooks (created, confirmed, paid twice; fulfilled); publishing
each would put as many broker round trips on Saleor's request path. Inside a request the events are kept in a
per-thread buffer and published as one :func:`.tasks.record_saleor_orders` message when Django sends
``request_finished``; outside a request (a Celery worker, a management command) each event is published at once.

Django sends ``request_started`` and ``request_finished`` on the thread that runs the request's sync code: WSGI runs
the whole request on one thread; Saleor's ASGI handler runs the signals' sync receivers, its sync views and
``response.close()`` through ``sync_to_async`` (thread-sensitive) inside the request's ``ThreadSensitiveContext``,
i.e. on that request's one executor thread; Django's test client sends both around the view on the caller's thread.
A hook on any other thread finds no open buffer and publishes at once. A buffer still open when its thread starts
another request is published then, so no event waits for a request that never finishes.

Without a broker Saleor runs Celery tasks eagerly; the hooks then record inline, as each event comes (the buffer
would move that work after Django has closed the request's database connection).
"""

import logging
import threading
from typing import Any

from django.core.signals import request_finished, request_started
from django.utils import timezone

from .tasks import record_saleor_orders

logger = logging.getLogger(__name__)

Event = tuple[str, str, str]
"""(order id, event, ISO time the hook saw it)."""

_local = threading.local()


def record_later(event: str, order_id: Any) -> None:
    """Hand one order event to the recording task: buffered until the request ends, or published now."""
    item = (str(order_id), event, timezone.now().isoformat())
    buffer: list[Event] | None = getattr(_local, "events", None)
    if buffer is not None and not record_saleor_orders.app.conf.task_always_eager:
        buffer.append(item)
    else:
        publish([item])


def publish(events: list[Event]) -> None:
    """One message (or, without a broker, one inline run) for ``events``; a failure is logged, never raised."""
    try:
        record_saleor_orders.delay([list(item) for item in events])
    except Exception:
        logger.exception(
            "After-sales: recording order events %s failed; Saleor's flow continues and each order is recorded "
            "again on its next event or when the API is first asked about it.",
            ", ".join(f"{event} of {order_id}" for order_id, event, _at in events),
        )


def _open(**_kwargs: Any) -> None:
    leftover = getattr(_local, "events", None)
    _local.events = []
    if leftover:
        publish(leftover)


def _flush(**_kwargs: Any) -> None:
    events = getattr(_local, "events", None)
    _local.events = None
    if events:
        publish(events)


request_started.connect(_open, dispatch_uid="saleor_aftersales_plugin.recording.open")
request_finished.connect(_flush, dispatch_uid="saleor_aftersales_plugin.recording.flush")
