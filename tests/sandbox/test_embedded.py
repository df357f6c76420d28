"""Whatever a process starts in sandbox.embedded (PostgreSQL, redis-server) is stopped when that process exits."""

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]

START_BOTH = (
    "from saleor_aftersales_plugin.sandbox.embedded import broker_url, database_url; "
    "import psycopg; url = database_url(); psycopg.connect(url).close(); print(url); print(broker_url())"
)


@pytest.fixture
def state() -> Iterator[Path]:
    """A fresh state directory the embedded PostgreSQL's own system user can enter (pytest's tmp_path is 0700)."""
    parent = ROOT / ".aftersales-state"
    parent.mkdir(exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="embedded-test-", dir=parent))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _servers_under(state: Path) -> list[str]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or ())
        if str(state) in command and ("postgres" in command or "redis-server" in command):
            found.append(command)
    return found


def test_a_process_stops_the_embedded_servers_it_started(state):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL")
    }
    env["AFTERSALES_STATE_DIR"] = str(state)
    result = subprocess.run(
        [sys.executable, "-c", START_BOTH], env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stderr
    database, broker = result.stdout.split()
    assert database.startswith("postgresql://") and broker.startswith("redis+socket://")
    assert _servers_under(state) == []
    assert not (state / "pgdata" / "postmaster.pid").exists()


def test_a_user_that_died_without_saying_so_does_not_keep_postgresql_running(state):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env["AFTERSALES_STATE_DIR"] = str(state)
    start_db = "from saleor_aftersales_plugin.sandbox.embedded import database_url; print(database_url())"
    first = subprocess.run(
        [sys.executable, "-c", start_db], env=env, capture_output=True, text=True, timeout=180
    )
    assert first.returncode == 0, first.stderr
    # A process killed while it used the server is still on pgserver's list: the next user must not wait for it.
    (state / "pgdata" / ".handle_pids.json").write_text(f"[{dead.pid}]")
    second = subprocess.run(
        [sys.executable, "-c", start_db], env=env, capture_output=True, text=True, timeout=180
    )
    assert second.returncode == 0, second.stderr
    assert _servers_under(state) == []
