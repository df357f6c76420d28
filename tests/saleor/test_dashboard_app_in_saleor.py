"""The Dashboard app inside a real Saleor: installed with Saleor's own ``install_app`` command from the manifest the
plugin serves over HTTP, and used with the tokens Saleor mints for it.

Saleor fetches the manifest and posts the app's token over real HTTP: a loopback HTTP server in this process hands
each request to Saleor's own URL configuration (Django's test client on the test's database connection, so the
server sees the test's data and everything is rolled back afterwards).
"""

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests
from django.core.management import call_command
from django.db import connections
from django.test import Client
from saleor.app.models import App, AppExtension
from saleor.core.jwt import create_access_token_for_app
from saleor.plugins.models import PluginConfiguration
from saleor_steps import (
    APPROVE,
    enable_plugin,
    payload_of,
    place_paid_fulfilled_order,
    plugin_call,
    request_return,
)

from saleor_aftersales_plugin.config import DEFAULT_POLICY
from saleor_aftersales_plugin.constants import PLUGIN_ID
from saleor_aftersales_plugin.models import PolicyVersion

pytestmark = pytest.mark.django_db

MANIFEST_PATH = f"/plugins/{PLUGIN_ID}/app/manifest"
PUBLISH = """
mutation ($policy: String!) {
  policyPublish(policy: $policy) {
    created version { version createdBy } policyErrors { path message } errors { field code message }
  }
}
"""
PUBLISHED_POLICY = DEFAULT_POLICY.replace("window: {days: 7,", "window: {days: 45,", 1)


class _SaleorOverHttp(BaseHTTPRequestHandler):
    """Hands every HTTP request to Saleor's URL configuration and writes Saleor's answer back."""

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        response = Client().generic(
            self.command,
            self.path,
            body,
            content_type=self.headers.get("Content-Type") or "application/octet-stream",
            HTTP_HOST=self.headers["Host"],
        )
        content = b"".join(response.streaming_content) if response.streaming else response.content
        self.send_response(response.status_code)
        for header, value in response.items():
            if header.lower() != "content-length":
                self.send_header(header, value)
        self.send_header("Content-Length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_HEAD = _forward

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def saleor_url() -> Iterator[str]:
    """The base URL of this test's Saleor over loopback HTTP (one request at a time, on the test's connection)."""
    shared = {alias: connections[alias] for alias in connections}
    for connection in shared.values():
        connection.inc_thread_sharing()

    def serve() -> None:
        for alias, connection in shared.items():
            connections[alias] = connection
        server.serve_forever()

    server = HTTPServer(("127.0.0.1", 0), _SaleorOverHttp)
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        for connection in shared.values():
            connection.dec_thread_sharing()


def _install(manifest_url: str) -> str:
    out = io.StringIO()
    call_command("install_app", manifest_url, "--activate", "--quiet", stdout=out)
    return out.getvalue()


@pytest.fixture
def installed_app(
    aftersales_enabled: Any,
    staff_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    saleor_url: str,
) -> App:
    aftersales_enabled.PUBLIC_URL = saleor_url + "/"  # as an operator sets it: where Saleor is reached
    enable_plugin(staff_api_client, channel_USD, permission_manage_plugins)
    _install(saleor_url + MANIFEST_PATH)
    return App.objects.get(identifier="saleor.aftersales.app")


def _codenames(permissions: Any) -> set[str]:
    return set(permissions.values_list("codename", flat=True))


def test_install_app_creates_the_app_with_its_extensions_and_reinstalling_changes_nothing(
    installed_app: App, saleor_url: str
) -> None:
    app_url = f"{saleor_url}/plugins/{PLUGIN_ID}/app/"

    assert installed_app.name == "After-sales"
    assert installed_app.is_active and installed_app.is_installed
    assert installed_app.app_url == app_url
    assert installed_app.manifest_url == saleor_url + MANIFEST_PATH
    assert _codenames(installed_app.permissions) == {"manage_orders", "manage_plugins"}
    # Saleor created a token and posted it to the app's register URL (a failed post deletes the app).
    assert installed_app.tokens.count() == 1
    extensions = {
        extension.identifier: (
            extension.mount,
            extension.target,
            extension.url,
            extension.label,
            _codenames(extension.permissions),
        )
        for extension in installed_app.extensions.all()
    }
    assert extensions == {
        "aftersales-queue": (
            "navigation_orders",
            "app_page",
            "/queue",
            "Returns & after-sales",
            {"manage_orders"},
        ),
        "aftersales-order-widget": (
            "order_details_widgets",
            "widget",
            app_url + "order-widget",
            "After-sales",
            {"manage_orders"},
        ),
        "aftersales-order-start": (
            "order_details_more_actions",
            "popup",
            "/order-start",
            "Start a return / repair for this order",
            {"manage_orders"},
        ),
    }
    widget = installed_app.extensions.get(identifier="aftersales-order-widget")
    assert widget.http_target_method == "GET"

    again = _install(saleor_url + MANIFEST_PATH)

    assert "already installed" in again
    assert App.objects.filter(identifier="saleor.aftersales.app").count() == 1
    assert AppExtension.objects.filter(app__identifier="saleor.aftersales.app").count() == 3


def test_the_app_page_and_its_assets_are_served_from_the_app_url(installed_app: App, saleor_url: str) -> None:
    page = requests.get(installed_app.app_url + "queue", timeout=10)
    script = page.text.split('src="', 1)[1].split('"', 1)[0]
    asset = requests.get(installed_app.app_url + script.rsplit("/app/", 1)[-1].lstrip("/"), timeout=10)

    assert page.status_code == 200
    assert "window.__AFTERSALES__" in page.text
    assert f"/plugins/channel/{{channel}}/{PLUGIN_ID}/graphql/" in page.text
    assert asset.status_code == 200
    assert asset.headers["Content-Type"] in ("text/javascript", "application/javascript")
    assert len(asset.content) > 10_000


def test_the_manifest_links_to_saleors_public_url_whatever_host_asked(
    aftersales_enabled: Any, channel_USD: Any, client: Any
) -> None:
    aftersales_enabled.PUBLIC_URL = "https://shop.example.com/"

    # Saleor's hardened HTTP client sends the bare host name, without the port it connected to.
    manifest = client.get(MANIFEST_PATH, HTTP_HOST="127.0.0.1").json()

    app_url = f"https://shop.example.com/plugins/{PLUGIN_ID}/app/"
    assert manifest["appUrl"] == app_url
    assert manifest["tokenTargetUrl"] == app_url + "register"
    widget = next(e for e in manifest["extensions"] if e["mount"] == "ORDER_DETAILS_WIDGETS")
    assert widget["url"] == app_url + "order-widget"


def _bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_an_app_token_carries_exactly_its_permissions_to_the_plugin(
    installed_app: App,
    staff_api_client: Any,
    staff_users: Any,
    api_client: Any,
    user_api_client: Any,
    channel_USD: Any,
    draft_order: Any,
    warehouse: Any,
    permission_group_manage_orders: Any,
    permission_manage_plugins: Any,
) -> None:
    clerk, manager = staff_users[1], staff_users[2]
    permission_group_manage_orders.user_set.add(clerk, manager, staff_api_client.user)
    manager.user_permissions.add(permission_manage_plugins)
    order = place_paid_fulfilled_order(staff_api_client, draft_order, warehouse)
    case_id = request_return(channel_USD.slug, user_api_client, order)
    clerk_token = create_access_token_for_app(installed_app, clerk)
    versions_before = PolicyVersion.objects.count()

    approved = payload_of(
        plugin_call(api_client, channel_USD.slug, APPROVE, {"id": case_id}, **_bearer(clerk_token)),
        "caseApprove",
    )
    refused = plugin_call(
        api_client, channel_USD.slug, PUBLISH, {"policy": PUBLISHED_POLICY}, **_bearer(clerk_token)
    ).json()["data"]["policyPublish"]

    assert approved["case"]["status"] == "AWAITING_RETURN"
    assert refused["created"] is None
    assert [error["code"] for error in refused["errors"]] == ["PERMISSION_DENIED"]
    assert "MANAGE_PLUGINS" in refused["errors"][0]["message"]
    assert PolicyVersion.objects.count() == versions_before

    # The manager holds MANAGE_PLUGINS, but an app installed without it cannot lend it to the manager's token.
    installed_app.permissions.remove(permission_manage_plugins)
    narrowed = create_access_token_for_app(installed_app, manager)
    denied = plugin_call(
        api_client, channel_USD.slug, PUBLISH, {"policy": PUBLISHED_POLICY}, **_bearer(narrowed)
    ).json()["data"]["policyPublish"]

    assert [error["code"] for error in denied["errors"]] == ["PERMISSION_DENIED"]
    assert PolicyVersion.objects.count() == versions_before


def test_publishing_from_the_app_saves_the_channels_plugin_configuration(
    installed_app: App,
    staff_users: Any,
    api_client: Any,
    channel_USD: Any,
    permission_group_manage_orders: Any,
    permission_manage_plugins: Any,
) -> None:
    manager = staff_users[2]
    permission_group_manage_orders.user_set.add(manager)
    manager.user_permissions.add(permission_manage_plugins)
    token = create_access_token_for_app(installed_app, manager)
    assert PUBLISHED_POLICY != DEFAULT_POLICY
    before = PolicyVersion.objects.filter(channel=channel_USD.slug).order_by("-version").first()

    published = payload_of(
        plugin_call(api_client, channel_USD.slug, PUBLISH, {"policy": PUBLISHED_POLICY}, **_bearer(token)),
        "policyPublish",
    )

    assert published["created"] is True
    assert published["version"] == {"version": before.version + 1, "createdBy": manager.email}
    row = PluginConfiguration.objects.get(identifier=PLUGIN_ID, channel=channel_USD)
    saved = {item["name"]: item["value"] for item in row.configuration}
    assert saved["policy"] == PUBLISHED_POLICY
    latest = PolicyVersion.objects.filter(channel=channel_USD.slug).order_by("-version").first()
    assert latest.created_by == manager.email
    assert latest.document["defaults"]["window"]["days"] == 45
