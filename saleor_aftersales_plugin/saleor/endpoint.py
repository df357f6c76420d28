"""The plugin's HTTP endpoint inside Saleor: ``graphql/`` and ``policy/`` of a channel, and the Dashboard app's files.

plugin.py's ``webhook()`` routes here; ``plugin`` is the channel's :class:`~..plugin.AfterSalesPlugin`.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from typing import Any

from django.http import HttpResponse, JsonResponse
from saleor.core.utils import build_absolute_uri

from ..constants import PLUGIN_ID
from ..dashboard_app import app_response, manifest
from ..graphql.api import RequestContext, answer_http, error_answer, json_bytes, new_request_id
from ..policy_page import policy_page
from .auth import AuthenticationFailed, identify
from .configuration import ConfigurationPolicyHost
from .events import ensure_order_recorded
from .host import SaleorHost

APP_ROUTE = f"/plugins/{PLUGIN_ID}/app/"

CORS_HEADERS = {
    "Access-Control-Allow-Methods": "POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization, Authorization-Bearer",
    "Access-Control-Max-Age": "86400",
}


def json_error(status: int, message: str, code: str) -> JsonResponse:
    """A JSON error answer, Saleor style, with its request id."""
    request_id = new_request_id()
    response = JsonResponse(error_answer(code, message, request_id), status=status)
    response["X-Request-Id"] = request_id
    return response


def graphql(plugin: Any, request: Any) -> HttpResponse:
    """The channel's GraphQL API: POST with a JSON body (OPTIONS answers the browser's CORS check)."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=200)
        for name, value in CORS_HEADERS.items():
            response[name] = value
        return response
    if request.method != "POST":
        response = json_error(405, "Send GraphQL requests as POST with a JSON body.", "METHOD_NOT_ALLOWED")
        response["Allow"] = "POST, OPTIONS"
        return response
    request_id = new_request_id()
    try:
        caller = identify(request)
    except AuthenticationFailed as error:
        status, data = 401, error_answer("UNAUTHENTICATED", str(error), request_id)
    else:
        context = RequestContext(
            channel=plugin.channel.slug,
            principal=caller.principal,
            host=SaleorHost(user=caller.user, app=caller.app),
            load_order=ensure_order_recorded,
            policy_host=ConfigurationPolicyHost(plugin),
            policy_versions=plugin.ensure_policy(),
        )
        status, data = answer_http(request.body, context, request_id)
    response = HttpResponse(json_bytes(data), status=status, content_type="application/json")
    response["X-Request-Id"] = request_id
    return response


def policy(plugin: Any, request: Any) -> HttpResponse:
    """The channel's published policy page (public)."""
    if request.method not in ("GET", "HEAD"):
        response = json_error(405, "The policy page is read with GET.", "METHOD_NOT_ALLOWED")
        response["Allow"] = "GET, HEAD"
        return response
    plugin.ensure_policy()
    return policy_page(request, plugin.channel.slug)


def _plugin_version() -> str:
    try:
        return package_version("saleor-aftersales-plugin")
    except PackageNotFoundError:
        return "0.0.0"


def dashboard_app(request: Any, tail: str) -> HttpResponse:
    """The app manifest (``app/manifest``), the token registration Saleor posts on install (``app/register``:
    acknowledged, not stored, because the app acts with the Dashboard's token) and the app's page and assets."""
    # Saleor's public URL (PUBLIC_URL or the site's domain), as Saleor builds its own links: the Host header of
    # Saleor's own manifest fetch loses the port (its hardened HTTP client sends the bare host name).
    app_url = build_absolute_uri(APP_ROUTE)
    if tail in ("manifest", "manifest.json"):
        return JsonResponse(manifest(app_url, _plugin_version()))
    if tail == "register":
        if request.method != "POST":
            return json_error(
                405, "Saleor posts the app token here when it installs the app.", "METHOD_NOT_ALLOWED"
            )
        return JsonResponse({"success": True})
    config = {
        "host": "saleor",
        "graphqlPath": f"/plugins/channel/{{channel}}/{PLUGIN_ID}/graphql/",
        "policyPath": f"/plugins/channel/{{channel}}/{PLUGIN_ID}/policy/",
    }
    return app_response(request, tail, config)
