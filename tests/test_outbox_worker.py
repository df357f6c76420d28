"""Outbox delivery by a real Celery worker on a real broker, including a worker killed mid-batch.

The worker is a subprocess of the sandbox Celery app, on the embedded Redis (or CELERY_BROKER_URL / REDIS_URL),
using this test's database and the directory mail backend, which stores one file per delivery key and logs every
repeat of a key it already holds.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from celery import Celery
from django.db import connection, transaction

from saleor_aftersales_plugin.models import OutboxMessage
from saleor_aftersales_plugin.notifications import outbox
from saleor_aftersales_plugin.notifications.backends import DUPLICATES_LOG
from saleor_aftersales_plugin.sandbox.embedded import broker_url
from saleor_aftersales_plugin.tasks import DELIVER_OUTBOX

pytestmark = pytest.mark.django_db(transaction=True)
BATCH = 40


def _test_database_url() -> str:
    base = os.environ["DATABASE_URL"]
    return urlsplit(base)._replace(path="/" + connection.settings_dict["NAME"]).geturl()


class Worker:
    def __init__(self, queue: str, mail_dir: Path, log: Path) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "CELERY_BROKER_URL": broker_url(),
            "DJANGO_SETTINGS_MODULE": "saleor_aftersales_plugin.sandbox.settings",
            "EMAIL_BACKEND": "saleor_aftersales_plugin.notifications.backends.DirectoryEmailBackend",
            "AFTERSALES_MAIL_DIR": str(mail_dir),
            "AFTERSALES_MAIL_DELAY": "0.08",
        }
        command = [
            sys.executable, "-m", "celery", "-A", "saleor_aftersales_plugin.sandbox.celery_app", "worker",
            "--pool=solo", "-Q", queue, "--without-gossip", "--without-mingle", "--without-heartbeat",
            "--loglevel=INFO",
        ]  # fmt: skip
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def _sent() -> int:
    return OutboxMessage.objects.filter(status="sent").count()


def _wait_for(condition, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(
        f"timed out waiting for {what}; worker log:\n{log.read_text(errors='replace')[-3000:]}"
    )


def test_killed_worker_loses_nothing_and_concurrent_workers_send_nothing_twice(tmp_path):
    mail_dir, log = tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()
    with transaction.atomic():
        for index in range(BATCH):
            outbox.enqueue(
                "reply",
                channel="volt",
                recipient=f"customer{index}@example.com",
                language="en",
                payload={
                    "case_number": index,
                    "order_number": str(1000 + index),
                    "message": f"Message {index}",
                },
                dedupe_key=f"crash-test:{index}",
            )
    queue = f"outbox-{uuid.uuid4().hex[:8]}"
    sender = Celery("outbox-test", broker=broker_url(), set_as_current=False)

    first = Worker(queue, mail_dir, log)
    try:
        sender.send_task(DELIVER_OUTBOX, kwargs={"batch_size": 100}, queue=queue)
        _wait_for(lambda: _sent() >= 8, 60, "the first worker to deliver some messages", log)
        first.kill()
    finally:
        first.stop()
    sent_when_killed = _sent()
    assert 8 <= sent_when_killed < BATCH, "the worker must die mid-batch"

    # Two workers take over at once: SKIP LOCKED shares the remaining rows between them.
    successors = [Worker(queue, mail_dir, log), Worker(queue, mail_dir, log)]
    try:
        for _ in successors:
            sender.send_task(DELIVER_OUTBOX, kwargs={"batch_size": 100}, queue=queue)
        _wait_for(lambda: _sent() == BATCH, 60, "the new workers to deliver the rest", log)
    finally:
        for worker in successors:
            worker.stop()

    rows = list(OutboxMessage.objects.all())
    assert {row.status for row in rows} == {"sent"}
    delivered = sorted(path.name for path in mail_dir.glob("*.eml"))
    assert delivered == sorted(f"{row.pk}@aftersales.eml" for row in rows)
    recipients = set()
    for path in mail_dir.glob("*.eml"):
        text = path.read_text()
        recipients |= {line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("To: ")}
    assert recipients == {f"customer{index}@example.com" for index in range(BATCH)}
    # Only the one message in flight when the worker died can have been offered twice; its key kept it single.
    repeats = (mail_dir / DUPLICATES_LOG).read_text().split() if (mail_dir / DUPLICATES_LOG).exists() else []
    assert len(repeats) <= 1
    assert sum(row.attempts for row in rows) == BATCH  # the killed attempt rolled back with its transaction
