"""Outbox delivery by a real Celery worker pool on a real broker, killed mid-batch: nothing lost, nothing twice.

The workers are subprocesses of the sandbox Celery app (prefork pools) on the embedded Redis (or CELERY_BROKER_URL /
REDIS_URL), using this test's database and the directory mail backend in its plain-mail-server mode: it keeps every
copy of a message it receives twice, so a duplicate would show. After the kill the test sends no task: the message
the dead pool never acknowledged comes back from the broker, and the successors' beat re-drives the outbox.
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

from saleor_aftersales_plugin.constants import DELIVER_OUTBOX
from saleor_aftersales_plugin.models import OutboxMessage
from saleor_aftersales_plugin.notifications import outbox
from saleor_aftersales_plugin.sandbox.embedded import broker_url

pytestmark = pytest.mark.django_db(transaction=True)
BATCH = 40
MAIL_DELAY = 0.1
"""The mail server takes this long to accept each message, as a real one does."""


def _test_database_url() -> str:
    base = os.environ["DATABASE_URL"]
    return urlsplit(base)._replace(path="/" + connection.settings_dict["NAME"]).geturl()


class Worker:
    """A prefork worker pool (``concurrency`` processes), optionally with the embedded beat."""

    def __init__(
        self, queue: str, mail_dir: Path, log: Path, *, beat: bool = False, concurrency: int = 2
    ) -> None:
        env = {
            **os.environ,
            "DATABASE_URL": _test_database_url(),
            "CELERY_BROKER_URL": broker_url(),
            "DJANGO_SETTINGS_MODULE": "saleor_aftersales_plugin.sandbox.settings",
            "EMAIL_BACKEND": "saleor_aftersales_plugin.sandbox.mail.DirectoryEmailBackend",
            "AFTERSALES_MAIL_DIR": str(mail_dir),
            "AFTERSALES_MAIL_DELAY": str(MAIL_DELAY),
            "AFTERSALES_MAIL_KEEP_DUPLICATES": "1",
            "AFTERSALES_CELERY_QUEUE": queue,
            "AFTERSALES_OUTBOX_REDRIVE_SECONDS": "1",
            "AFTERSALES_VISIBILITY_TIMEOUT": "3",
        }
        command = [
            sys.executable, "-m", "celery", "-A", "saleor_aftersales_plugin.sandbox.celery_app", "worker",
            "--pool=prefork", f"--concurrency={concurrency}", "--without-gossip", "--without-mingle",
            "--without-heartbeat", "--loglevel=INFO",
        ]  # fmt: skip
        if beat:
            command += ["--beat", "--schedule", str(log.parent / f"beat-{uuid.uuid4().hex[:6]}")]
        self.log = log.open("ab")
        self.process = subprocess.Popen(
            command, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self) -> None:
        """SIGKILL the whole pool at once: the main process and every child, as when the machine dies."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def _sent() -> int:
    return OutboxMessage.objects.filter(status="sent").count()


def _receipts(log: Path, task_id: str) -> int:
    return log.read_text(errors="replace").count(f"deliver_outbox[{task_id}] received")


def _wait_for(condition, timeout: float, what: str, log: Path, poll: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(poll)
    raise AssertionError(
        f"timed out waiting for {what}; worker log:\n{log.read_text(errors='replace')[-3000:]}"
    )


def test_a_worker_pool_killed_mid_batch_loses_nothing_and_sends_nothing_twice(tmp_path):
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
        killed_task = sender.send_task(DELIVER_OUTBOX, kwargs={"batch_size": 100}, queue=queue).id
        # Kill right after a row was recorded sent: the pool is then inside the next send, which the mail server
        # has not accepted yet (it takes MAIL_DELAY), so that message must come again, once.
        _wait_for(lambda: _sent() >= 8, 60, "the first pool to deliver some messages", log, poll=0.002)
        first.kill()
    finally:
        first.stop()
    sent_when_killed = _sent()
    assert 8 <= sent_when_killed < BATCH, "the pool must die mid-batch"
    assert OutboxMessage.objects.filter(status="pending").count() == BATCH - sent_when_killed

    # Two pools take over; the test sends nothing: redelivery of the unacknowledged task and the beat drive them.
    successors = [Worker(queue, mail_dir, log, beat=True), Worker(queue, mail_dir, log)]
    try:
        _wait_for(lambda: _sent() == BATCH, 90, "the new pools to deliver the rest", log)
        # The beat may finish the outbox before the broker hands the unacknowledged task out again (after the
        # visibility timeout); that redelivery must still come, and find nothing left to send.
        _wait_for(
            lambda: _receipts(log, killed_task) >= 2,
            60,
            "the broker to redeliver the killed pool's task",
            log,
        )
    finally:
        for worker in successors:
            worker.stop()

    rows = list(OutboxMessage.objects.all())
    assert {row.status for row in rows} == {"sent"}
    delivered = sorted(path.name for path in mail_dir.glob("*.eml"))
    # 0 lost, 0 twice: exactly one file per message, and the mail server kept no second copy of any.
    assert delivered == sorted(f"{row.pk}@aftersales.eml" for row in rows)
    assert not (mail_dir / "duplicates.log").exists()
    recipients = set()
    for path in mail_dir.glob("*.eml"):
        text = path.read_text()
        recipients |= {line.split(": ", 1)[1] for line in text.splitlines() if line.startswith("To: ")}
    assert recipients == {f"customer{index}@example.com" for index in range(BATCH)}
    assert sum(row.attempts for row in rows) == BATCH  # the killed attempt rolled back with its transaction
    worker_log = log.read_text(errors="replace")
    # The task the killed pool never acknowledged was delivered again, and the beat re-drove the outbox.
    assert _receipts(log, killed_task) == 2
    assert "Sending due task deliver outbox" in worker_log
