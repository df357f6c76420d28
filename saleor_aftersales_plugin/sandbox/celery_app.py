"""The sandbox's Celery app: the plugin's tasks on the embedded (or configured) Redis broker.

Run a worker with ``celery -A saleor_aftersales_plugin.sandbox.celery_app worker``. Inside Saleor this module is
not used: Saleor's own Celery app finds :mod:`saleor_aftersales_plugin.tasks`.
"""

import os

from celery import Celery

from .embedded import broker_url

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor_aftersales_plugin.sandbox.settings")

app = Celery("aftersales_sandbox", broker=broker_url(), include=["saleor_aftersales_plugin.tasks"])
app.conf.update(
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)
