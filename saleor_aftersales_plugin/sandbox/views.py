"""HTTP of the standalone sandbox: the GraphQL endpoint per channel (with GraphiQL), the policy page, an index.

Callers authenticate with a local bearer token (:mod:`.tokens`); without one they are guests. Every GraphQL answer
carries ``extensions.sandbox`` and an ``X-Aftersales-Sandbox`` header saying that no money moves here.

Every response carries an ``X-Request-Id`` header; every error is JSON with ``extensions.requestId``, and an
unhandled exception is logged with that id (:func:`with_request_id`), also for unknown URLs (404) and server errors.
"""

import functools
import html
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.views.static import serve

from ..dashboard_app import app_response
from ..graphql.api import RequestContext, answer_http, error_answer, json_bytes, new_request_id
from ..models import OrderRecord, PolicyVersion
from ..policy_page import policy_page
from .host import SandboxHost
from .tokens import TokenInvalid, principal_from_header

STATIC_DIR = Path(__file__).resolve().parent / "static"
SANDBOX_NOTICE = "Sandbox host: refunds, store credit and exchanges are recorded only; no money moves and no stock changes."
_HOST = SandboxHost()
logger = logging.getLogger(__name__)


def default_channel() -> str:
    return str(getattr(settings, "AFTERSALES_DEFAULT_CHANNEL", "default-channel"))


def _json(status: int, data: dict[str, Any], **headers: str) -> HttpResponse:
    response = HttpResponse(json_bytes(data), status=status, content_type="application/json")
    response["X-Aftersales-Sandbox"] = "no money moves"
    for name, value in headers.items():
        response[name] = value
    return response


def _request_id(request: HttpRequest) -> str:
    request_id = getattr(request, "aftersales_request_id", None)
    if request_id is None:
        request_id = new_request_id()
        request.aftersales_request_id = request_id  # type: ignore[attr-defined]
    return request_id


def _error(request: HttpRequest, status: int, code: str, message: str, **headers: str) -> HttpResponse:
    return _json(status, error_answer(code, message, _request_id(request)), **headers)


def with_request_id(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Give the request an id (``X-Request-Id``); answer an unhandled exception as a logged JSON 500."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request_id = _request_id(request)
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            raise  # answered by not_found()
        except Exception:
            logger.exception("Sandbox request %s (%s %s) failed", request_id, request.method, request.path)
            response = _error(
                request, 500, "INTERNAL_ERROR", f"Internal error; it has been logged as {request_id}."
            )
        response["X-Request-Id"] = request_id
        return response

    return wrapped


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's handler404: unknown URLs answer JSON too."""
    response = _error(
        request, 404, "NOT_FOUND", f"Nothing at {request.path}; see / for what the sandbox serves."
    )
    response["X-Request-Id"] = _request_id(request)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500 (errors outside the views, e.g. in URL resolution): logged by Django, answered JSON."""
    request_id = _request_id(request)
    response = _error(request, 500, "INTERNAL_ERROR", f"Internal error; it has been logged as {request_id}.")
    response["X-Request-Id"] = request_id
    return response


@with_request_id
def graphql(request: HttpRequest, channel: str | None = None) -> HttpResponse:
    """POST: answer a GraphQL request for ``channel`` (default channel at ``/graphql/``); GET: GraphiQL."""
    channel = channel or default_channel()
    if request.method == "GET":
        return HttpResponse(_graphiql_page(request, channel), content_type="text/html; charset=utf-8")
    if request.method != "POST":
        return _error(
            request,
            405,
            "METHOD_NOT_ALLOWED",
            "Use POST for GraphQL requests (GET opens GraphiQL).",
            Allow="GET, POST",
        )
    try:
        principal = principal_from_header(request.headers.get("Authorization"))
    except TokenInvalid as invalid:
        return _error(
            request,
            401,
            "UNAUTHENTICATED",
            str(invalid),
            **{"WWW-Authenticate": 'Bearer realm="aftersales-sandbox"'},
        )
    content_type = request.content_type or ""
    if content_type != "application/json":
        return _error(
            request,
            415,
            "BAD_REQUEST",
            f"Send the request as application/json, not {content_type or 'no content type'}.",
        )
    try:
        raw = request.body
    except RequestDataTooBig:
        return _error(request, 413, "BAD_REQUEST", "The request body is too large.")
    status, answer = answer_http(raw, RequestContext(channel, principal, _HOST), _request_id(request))
    answer.setdefault("extensions", {})["sandbox"] = SANDBOX_NOTICE
    return _json(status, answer)


@with_request_id
def policy(request: HttpRequest, channel: str | None = None) -> HttpResponse:
    """The channel's published policy page (rendered by the publishing package)."""
    return policy_page(request, channel or default_channel())


@with_request_id
def static(request: HttpRequest, path: str) -> HttpResponse:
    """The vendored GraphiQL files; the sandbox has no static-files pipeline."""
    return serve(request, path, document_root=STATIC_DIR)


def sandbox_channels() -> list[str]:
    """The default channel and every channel with a recorded order or a published policy."""
    found = set(OrderRecord.objects.values_list("channel", flat=True).distinct())
    found |= set(PolicyVersion.objects.values_list("channel", flat=True).distinct())
    return [default_channel(), *sorted(found - {default_channel()})]


@with_request_id
def dashboard_app(request: HttpRequest, tail: str = "") -> HttpResponse:
    """The Dashboard app; here staff sign in with a sandbox staff token instead of Saleor's AppBridge."""
    config = {
        "host": "sandbox",
        "graphqlPath": "/graphql/{channel}/",
        "policyPath": "/policy/{channel}/",
        "channels": sandbox_channels(),
        "notice": SANDBOX_NOTICE,
    }
    return app_response(request, tail, config)


@with_request_id
def index(request: HttpRequest) -> HttpResponse:
    channel = html.escape(default_channel())
    page = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>After-sales sandbox</title></head>
<body style="font-family: sans-serif; max-width: 48rem; margin: 2rem auto; line-height: 1.5">
<h1>After-sales sandbox</h1>
<p><strong>{html.escape(SANDBOX_NOTICE)}</strong></p>
<ul>
<li><a href="/graphql/">GraphiQL</a> for channel <code>{channel}</code> (or <code>/graphql/&lt;channel&gt;/</code>)</li>
<li><a href="/policy/{channel}/">Policy page</a> of <code>{channel}</code></li>
<li><a href="/app/">After-sales app</a> (the Dashboard app: queue, cases, policy editor, KPIs; sign in with a staff
token from <code>python -m saleor_aftersales_plugin sandbox token staff --merchant</code>)</li>
</ul>
<p>Send <code>Authorization: Bearer &lt;token&gt;</code> to act as a customer, staff or an app; issue tokens with
<code>python -m saleor_aftersales_plugin sandbox token</code>. Without a token you are a guest: give the order id and
the order's email in the operation. Open <code>/graphql/?token=&lt;token&gt;</code> to use GraphiQL with a token.</p>
</body></html>"""
    return HttpResponse(page, content_type="text/html; charset=utf-8")


def _graphiql_page(request: HttpRequest, channel: str) -> str:
    endpoint = request.path
    config = json.dumps({"url": endpoint, "channel": channel, "notice": SANDBOX_NOTICE})
    # "</" cannot appear inside the inline script, whatever the channel slug holds.
    config = config.replace("</", "<\\/")
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>After-sales GraphQL — {html.escape(channel)} (sandbox)</title>
<link rel="stylesheet" href="/static/vendor/graphiql/graphiql.min.css">
<style>
  html, body {{ height: 100%; margin: 0; overflow: hidden; }}
  #banner {{ font: 13px sans-serif; padding: 4px 10px; background: #fff4ce; border-bottom: 1px solid #e0c060; }}
  #graphiql {{ height: calc(100vh - 26px); }}
</style>
</head>
<body>
<div id="banner"></div>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/static/vendor/graphiql/react.production.min.js"></script>
<script src="/static/vendor/graphiql/react-dom.production.min.js"></script>
<script src="/static/vendor/graphiql/graphiql.min.js"></script>
<script>
  const config = {config};
  document.getElementById("banner").textContent =
    "Channel " + config.channel + " — " + config.notice + " Add a token as ?token=… or in the Headers tab.";
  const token = new URLSearchParams(window.location.search).get("token");
  const headers = token ? JSON.stringify({{Authorization: "Bearer " + token}}, null, 2) : undefined;
  const fetcher = GraphiQL.createFetcher({{url: config.url}});
  const defaultQuery = "# Channel: " + config.channel + "\\n" +
    "# Docs: the book icon, top left\\n\\n" +
    "query {{\\n  afterSalesPolicy {{\\n    name\\n    version\\n    effectiveFrom\\n  }}\\n}}\\n";
  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(GraphiQL, {{fetcher, defaultQuery, headers, shouldPersistHeaders: false}})
  );
</script>
</body>
</html>
"""
