"""Delivering the outbox: the ``deliver_outbox`` task, and the request for it that services make after a commit.

The task is acknowledged only when it finishes (``acks_late``) and given back to the queue when its worker process
dies (``reject_on_worker_lost``); a whole worker killed leaves the message unacknowledged, so the broker delivers it
again (Redis: after ``visibility_timeout``). Running twice is harmless: each row is claimed under its row lock. The
periodic run (``constants.PERIODIC_TASKS``, the sandbox's beat) re-drives the outbox besides.
"""

import logging

from celery import current_app, shared_task
from django.db import connection, transaction

from .constants import DELIVER_OUTBOX
from .hosting import current_host
from .notifications.outbox import deliver_due

logger = logging.getLogger(__name__)


@shared_task(name=DELIVER_OUTBOX, ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def deliver_outbox(batch_size: int = 100) -> dict[str, int]:
    """Deliver due outbox rows through this process's host; asks for another run while full batches keep coming."""
    host = current_host()
    with host.writer():
        report = deliver_due(host, batch_size)
    if report.sent + report.retried + report.failed >= batch_size:
        deliver_outbox.delay(batch_size)
    return {"sent": report.sent, "retried": report.retried, "failed": report.failed}


def _request_delivery() -> None:
    if not (current_app.conf.broker_url or current_app.conf.task_always_eager):
        return
    try:
        deliver_outbox.delay()
    except Exception:  # the periodic run delivers what an unreachable broker could not
        logger.warning(
            "Could not ask Celery to deliver the outbox now; the periodic run will.", exc_info=True
        )


def deliver_after_commit() -> None:
    """Ask Celery for a delivery run once the current transaction commits (at once outside one), once per
    transaction; without a broker or eager mode the periodic run delivers."""
    if not any(entry[1] is _request_delivery for entry in connection.run_on_commit):
        transaction.on_commit(_request_delivery)
