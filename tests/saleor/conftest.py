"""Saleor tier set-up: the few lines of Saleor's own root conftest.py, which cannot be imported from here, and the
fixtures the tier's tests share (the steps they take are in saleor_steps.py).

Run with Saleor's source root on ``sys.path`` and ``--ds=saleor.tests.settings`` (``make test-saleor`` does both).
"""

import json
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import django.test
import pytest
from celery import current_app
from django.conf import settings
from saleor.tests.utils import prepare_test_db_connections
from saleor_steps import Shop, enable_plugin, take_queued

TEST_DATABASES = {settings.DATABASE_CONNECTION_DEFAULT_NAME, settings.DATABASE_CONNECTION_REPLICA_NAME}
django.test.TransactionTestCase.databases = TEST_DATABASES
django.test.TestCase.databases = TEST_DATABASES

prepare_test_db_connections()

# The money machine (tests/ledger_machine.py) is shared with the sandbox's tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

pytest_plugins = [
    "saleor.tests.fixtures",
    "saleor.app.tests.fixtures",
    "saleor.plugins.tests.fixtures",
    "saleor.graphql.tests.fixtures",
    "saleor.webhook.tests.fixtures",
    "saleor.tax.tests.fixtures",
    "saleor.channel.tests.fixtures",
    "saleor.page.tests.fixtures",
    "saleor.menu.tests.fixtures",
    "saleor.warehouse.tests.fixtures",
    "saleor.thumbnail.tests.fixtures",
    "saleor.order.tests.fixtures",
    "saleor.product.tests.fixtures",
    "saleor.site.tests.fixtures",
    "saleor.shipping.tests.fixtures",
    "saleor.permission.tests.fixtures",
    "saleor.giftcard.tests.fixtures",
    "saleor.discount.tests.fixtures",
    "saleor.checkout.tests.fixtures",
    "saleor.attribute.tests.fixtures",
    "saleor.account.tests.fixtures",
    "saleor.graphql.account.tests.fixtures",
    "saleor.payment.tests.fixtures",
    "saleor.webhook.tests.circuit_breaker.fixtures",
]

PLUGIN = "saleor_aftersales_plugin.plugin.AfterSalesPlugin"


@pytest.fixture
def aftersales_enabled(settings):  # noqa: ANN001, ANN201 - pytest-django's settings fixture
    settings.PLUGINS = [PLUGIN]
    return settings


@pytest.fixture
def memory_broker(settings: Any) -> Iterator[Any]:
    """Celery as deployed, a broker between Saleor and the worker (kombu's in-memory transport, emptied first):
    the app the plugin's shared tasks resolve to, whose messages ``take_queued`` takes."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app = current_app._get_current_object()
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
    try:
        take_queued(app)
        yield app
    finally:
        app.conf.task_always_eager, app.conf.broker_url = eager, broker


@pytest.fixture
def staff_with_orders(
    staff_api_client: Any, permission_group_manage_orders: Any, permission_manage_plugins: Any
) -> Any:
    """Staff with MANAGE_ORDERS through a group that sees every channel (as the Dashboard sets it up)."""
    permission_group_manage_orders.user_set.add(staff_api_client.user)
    staff_api_client.user.user_permissions.add(permission_manage_plugins)
    return staff_api_client


@pytest.fixture
def configure(
    aftersales_enabled: Any, staff_api_client: Any, channel_USD: Any, permission_manage_plugins: Any
) -> Callable[..., dict[str, Any]]:
    """``configure(**values)``: switch the plugin on in channel USD saving ``values``, as staff who may manage plugins
    (and nothing else); Saleor's pluginUpdate answer."""

    def save(**values: Any) -> dict[str, Any]:
        return enable_plugin(staff_api_client, channel_USD, permission_manage_plugins, **values)

    return save


@pytest.fixture
def shop(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> Shop:
    return Shop(
        aftersales_enabled,
        staff_with_orders,
        user_api_client,
        channel_USD,
        permission_manage_plugins,
        draft_order,
        warehouse,
    )


@dataclass
class PaymentApp:
    """A payment app's refund webhook on a loopback server: it refuses the first ``refusals`` refund requests
    (REFUND_FAILURE, "Card expired") and pays the others in full; ``requests`` keeps what Saleor sent."""

    refusals: int = 0
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def answer(self, request: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(request)
        refused = len(self.requests) <= self.refusals
        return {
            "pspReference": f"psp-refund-{len(self.requests)}",
            "result": "REFUND_FAILURE" if refused else "REFUND_SUCCESS",
            "amount": request["action"]["value"],
            "message": "Card expired" if refused else "Refunded",
        }


def _handler(app: PaymentApp) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = json.dumps(
                app.answer(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def payment_app() -> Iterator[Callable[..., PaymentApp]]:
    """Start payment apps: ``payment_app(refusals=1)`` refuses the first refund, then pays."""
    servers: list[HTTPServer] = []

    def start(refusals: int = 0) -> PaymentApp:
        app = PaymentApp(refusals)
        server = HTTPServer(("127.0.0.1", 0), _handler(app))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        app.url = f"http://127.0.0.1:{server.server_port}/refund"
        return app

    yield start
    for server in servers:
        server.shutdown()


@pytest.fixture
def payment_app_url(payment_app: Callable[..., PaymentApp]) -> str:
    """The refund webhook of a payment app that pays every refund."""
    return payment_app().url
