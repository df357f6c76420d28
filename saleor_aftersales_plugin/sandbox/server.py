"""Running the sandbox without a Django project: settings, migrations and a threaded WSGI server on loopback."""

import logging
import os
import signal
import sys
from collections.abc import Callable

from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler

from .embedded import stop_embedded_broker

SETTINGS_MODULE = "saleor_aftersales_plugin.sandbox.settings"


def setup_django() -> None:
    """Configure Django with the sandbox settings (unless a settings module is already chosen) and load the apps."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


class SandboxServer(ThreadedWSGIServer):
    request_queue_size = 128
    """Django's default of 10 would drop connections when many clients connect at once (bench/api.py)."""


def use_sandbox_celery() -> None:
    """Make the sandbox Celery app the current one (starting the embedded broker if none is configured), so that
    committed outbox messages wake a worker at once instead of waiting for the periodic delivery."""
    from . import celery_app  # noqa: F401


def make_server(host: str = "127.0.0.1", port: int = 0, *, quiet: bool = False) -> SandboxServer:
    """A threaded WSGI server serving the sandbox; ``port`` 0 picks a free port (read ``server.server_port``)."""
    if quiet:
        logging.getLogger("django.server").setLevel(logging.WARNING)
    server = SandboxServer((host, port), WSGIRequestHandler, allow_reuse_address=True)
    server.set_app(WSGIHandler())
    return server


def serve_forever(server: SandboxServer, on_ready: Callable[[str], None] | None = None) -> None:
    """Serve until interrupted (Ctrl-C); ``on_ready`` gets the base URL once the socket listens."""
    host, port = server.server_address[:2]
    # SIGTERM stops the server like Ctrl-C, so the embedded broker it started is stopped too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    if on_ready is not None:
        on_ready(f"http://{host}:{port}")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        stop_embedded_broker()
