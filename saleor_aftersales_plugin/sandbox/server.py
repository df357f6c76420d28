"""Running the sandbox without a Django project: settings, migrations and a threaded WSGI server on loopback."""

import logging
import os
import signal
import sys
import threading
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


MAX_CONCURRENT_REQUESTS_ENV = "AFTERSALES_SANDBOX_MAX_CONCURRENT_REQUESTS"
DEFAULT_MAX_CONCURRENT_REQUESTS = 16


class SandboxServer(ThreadedWSGIServer):
    """Serves each request in its own thread, at most ``max_concurrent_requests`` at a time.

    Each request thread opens one database connection and closes it when the request ends, so the cap is also the
    most connections the server holds: more clients wait in the listen queue instead of exhausting PostgreSQL's
    ``max_connections`` ("too many clients"). Set it with ``$AFTERSALES_SANDBOX_MAX_CONCURRENT_REQUESTS``.
    """

    request_queue_size = 128
    """Django's default of 10 would drop connections when many clients connect at once (bench/api.py)."""

    def __init__(self, *args: object, max_concurrent_requests: int | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        limit = max_concurrent_requests or int(
            os.environ.get(MAX_CONCURRENT_REQUESTS_ENV) or DEFAULT_MAX_CONCURRENT_REQUESTS
        )
        self.max_concurrent_requests = max(limit, 1)
        self._slots = threading.BoundedSemaphore(self.max_concurrent_requests)

    def process_request(self, request: object, client_address: object) -> None:
        self._slots.acquire()  # the accept loop waits here while every slot is busy
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: object, client_address: object) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def use_sandbox_celery() -> None:
    """Make the sandbox Celery app the current one (starting the embedded broker if none is configured), so that
    committed outbox messages wake a worker at once instead of waiting for the periodic delivery."""
    from . import celery_app  # noqa: F401


def make_server(
    host: str = "127.0.0.1", port: int = 0, *, quiet: bool = False, max_concurrent_requests: int | None = None
) -> SandboxServer:
    """A threaded WSGI server serving the sandbox; ``port`` 0 picks a free port (read ``server.server_port``)."""
    if quiet:
        logging.getLogger("django.server").setLevel(logging.WARNING)
    server = SandboxServer(
        (host, port),
        WSGIRequestHandler,
        allow_reuse_address=True,
        max_concurrent_requests=max_concurrent_requests,
    )
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
