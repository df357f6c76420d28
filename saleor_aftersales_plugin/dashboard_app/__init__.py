"""The After-sales app of the Saleor Dashboard: its manifest and its built static assets.

The sources live in the repository's top-level ``dashboard/`` folder; ``make dashboard`` builds them (Vite) into
``static/`` here, which ships inside the Python package, so operators need no Node. Inside Saleor the plugin serves
the app on the legacy, channel-free route ``/plugins/saleor.aftersales/app/`` (public files only: the manifest, the
page and its scripts); everything that reads or writes data goes to the channel routes with the Dashboard's token.
The sandbox serves the same files under ``/app/``.
"""

import json
import mimetypes
import secrets
from pathlib import Path
from typing import Any

from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse

__all__ = [
    "APP_IDENTIFIER",
    "APP_PERMISSIONS",
    "STATIC_DIR",
    "app_page",
    "app_response",
    "manifest",
]

STATIC_DIR = Path(__file__).resolve().parent / "static"

APP_IDENTIFIER = "saleor.aftersales.app"
APP_NAME = "After-sales"
APP_PERMISSIONS = ("MANAGE_ORDERS", "MANAGE_PLUGINS")
"""MANAGE_ORDERS works the queue; MANAGE_PLUGINS publishes the channel's policy (the plugin configuration). A
Dashboard token carries the intersection of these and the signed-in staff member's permissions."""

_CONFIG_MARKER = "<!--aftersales-config-->"
_MISSING_BUILD = (
    "The After-sales app is not built in this installation: run `make dashboard` in the source tree, or install "
    "a released package (which ships the built app)."
)


def manifest(app_url: str, version: str) -> dict[str, Any]:
    """The app manifest Saleor installs from (``manage.py install_app <url>`` or the Dashboard).

    ``app_url`` is the absolute URL of the app's page and ends with a slash. The order widget uses an absolute URL
    because Saleor joins only popup and app-page URLs to ``appUrl``.
    """
    if not app_url.endswith("/"):
        app_url += "/"
    return {
        "id": APP_IDENTIFIER,
        "name": APP_NAME,
        "version": version,
        "about": (
            "Returns, exchanges, repairs, warranty claims and complaints: the queue, the case page, the order "
            "widget, the visual policy editor and the service KPIs of the After-sales plugin."
        ),
        "author": "saleor-aftersales-plugin",
        "permissions": list(APP_PERMISSIONS),
        "appUrl": app_url,
        "tokenTargetUrl": app_url + "register",
        "extensions": [
            {
                "identifier": "aftersales-queue",
                "label": "Returns & after-sales",
                "mount": "NAVIGATION_ORDERS",
                "target": "APP_PAGE",
                "url": "/queue",
                "permissions": ["MANAGE_ORDERS"],
            },
            {
                "identifier": "aftersales-order-widget",
                "label": "After-sales",
                "mount": "ORDER_DETAILS_WIDGETS",
                "target": "WIDGET",
                "url": app_url + "order-widget",
                "permissions": ["MANAGE_ORDERS"],
                "options": {"widgetTarget": {"method": "GET"}},
            },
            {
                "identifier": "aftersales-order-start",
                "label": "Start a return / repair for this order",
                "mount": "ORDER_DETAILS_MORE_ACTIONS",
                "target": "POPUP",
                "url": "/order-start",
                "permissions": ["MANAGE_ORDERS"],
            },
        ],
    }


APP_CSP = (
    "default-src 'self'; script-src 'self' 'nonce-{nonce}'; style-src 'self' 'unsafe-inline'; "
    "img-src * data: blob:; connect-src *; font-src 'self' data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'"
)
"""The app page's Content-Security-Policy: its own scripts only (and the one configuration script, by nonce);
customers' photos from anywhere. No frame-ancestors: the Dashboard that frames the app lives at the operator's
origin, which the plugin does not know."""


def app_page(config: dict[str, Any]) -> HttpResponse:
    """The app's HTML page with ``config`` (the host's endpoints) embedded; 503 when the app was not built."""
    index = STATIC_DIR / "index.html"
    if not index.is_file():
        return HttpResponse(_MISSING_BUILD, status=503, content_type="text/plain; charset=utf-8")
    html = index.read_text(encoding="utf-8")
    # "</" cannot appear inside the inline script, whatever the configuration holds.
    payload = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    nonce = secrets.token_urlsafe(16)
    html = html.replace(
        _CONFIG_MARKER, f'<script nonce="{nonce}">window.__AFTERSALES__ = {payload};</script>', 1
    )
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Content-Security-Policy"] = APP_CSP.format(nonce=nonce)
    # The sandbox signs in with ?token=: no page the app loads or links to learns it from the Referer.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _asset(tail: str) -> HttpResponse:
    name = tail.rsplit("assets/", 1)[1]
    path = (STATIC_DIR / "assets" / name).resolve()
    if not name or "/" in name or path.parent != (STATIC_DIR / "assets").resolve() or not path.is_file():
        return JsonResponse({"error": f"No asset {name!r}."}, status=404)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    response = FileResponse(path.open("rb"), content_type=content_type)
    # File names carry a content hash: a new build never reuses one.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


def app_response(request: HttpRequest, tail: str, config: dict[str, Any]) -> HttpResponse:
    """Answer ``tail`` (the path below the app's root): a hashed asset, or the page for every view of the app.

    Assets are found by the part after the last ``assets/``, so a page opened at any depth loads them.
    """
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse({"error": "The app's files are read with GET."}, status=405)
        response["Allow"] = "GET, HEAD"
        return response
    if "assets/" in tail:
        return _asset(tail)
    return app_page(config)
