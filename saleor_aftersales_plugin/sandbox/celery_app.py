"""The sandbox's Celery app: the plugin's tasks on the embedded (or configured) Redis broker, and their beat.

Run a worker with ``celery -A saleor_aftersales_plugin.sandbox.celery_app worker -B`` (``-B`` also runs the beat
that re-drives the outbox every ``$AFTERSALES_OUTBOX_REDRIVE_SECONDS`` seconds, default 60, and sweeps SLAs every 5
minutes). A message whose worker died unacknowledged is delivered again after ``$AFTERSALES_VISIBILITY_TIMEOUT``
seconds (Redis, default 3600); ``$AFTERSALES_CELERY_QUEUE`` names the queue (default ``celery``). Inside Saleor this
module is not used: Saleor's own Celery app finds :mod:`saleor_aftersales_plugin.tasks` and its beat runs the
periodic tasks the plugin registers (django-celery-beat rows).
"""

import os

from celery import Celery

from ..constants import DELIVER_OUTBOX, SLA_SWEEP
from .embedded import broker_url

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_aftersales_plugin.sandbox.settings")

VISIBILITY_TIMEOUT = float(os.environ.get("AFTERSALES_VISIBILITY_TIMEOUT") or 3600)

app = Celery("aftersales_sandbox", broker=broker_url(), include=["saleor_aftersales_plugin.tasks"])
app.conf.update(
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
    task_default_queue=os.environ.get("AFTERSALES_CELERY_QUEUE") or "celery",
    # kombu (5.6+) looks for unacknowledged messages to restore only every interval x throttle seconds (100 by
    # default); look as often as the visibility timeout, so a dead worker's message comes back soon after it.
    broker_transport_options={
        "visibility_timeout": VISIBILITY_TIMEOUT,
        "unacked_restore_interval": max(1, int(min(VISIBILITY_TIMEOUT, 10))),
        "unacked_restore_throttle": 1,
    },
    beat_schedule={
        "deliver outbox": {
            "task": DELIVER_OUTBOX,
            "schedule": float(os.environ.get("AFTERSALES_OUTBOX_REDRIVE_SECONDS") or 60),
        },
        "SLA sweep": {"task": SLA_SWEEP, "schedule": 300.0},
    },
)
