"""The boundary the HTTP side calls: who is asking, for which channel, and one function that answers GraphQL.

The sandbox's views and the Saleor plugin's ``webhook()`` authenticate the request, build a :class:`RequestContext`
and call :func:`execute`; nothing here knows HTTP or Saleor.
"""

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from graphql.error import GraphQLLocatedError

from ..domain.host import HostPort
from ..services import ServiceError
from ..services.actors import APP, CUSTOMER, STAFF, Actor

__all__ = [
    "ANONYMOUS",
    "MANAGE_ORDERS",
    "MANAGE_PLUGINS",
    "PolicyHost",
    "Principal",
    "RequestContext",
    "actor_for",
    "execute",
]

logger = logging.getLogger(__name__)

MANAGE_ORDERS = "MANAGE_ORDERS"
"""Saleor's OrderPermissions.MANAGE_ORDERS codename: staff and apps with it work the after-sales queue."""

MANAGE_PLUGINS = "MANAGE_PLUGINS"
"""Saleor's PluginsPermissions.MANAGE_PLUGINS codename: needed to publish a channel's policy (its plugin settings)."""

PRINCIPAL_KINDS = ("customer", "staff", "app", "anonymous")


@dataclass(frozen=True)
class Principal:
    kind: str
    """"customer" | "staff" | "app" | "anonymous"."""
    id: str = ""
    """Customer or staff user id, or app id."""
    email: str = ""
    permissions: frozenset[str] = frozenset()
    channels: frozenset[str] | None = None
    """Channel slugs a staff user is limited to; None means every channel."""

    def __post_init__(self) -> None:
        if self.kind not in PRINCIPAL_KINDS:
            raise ValueError(
                f"Unknown principal kind {self.kind!r}; use one of {', '.join(PRINCIPAL_KINDS)}."
            )


ANONYMOUS = Principal("anonymous")


class PolicyHost(Protocol):
    """Where a channel's policy text lives: inside Saleor the plugin configuration, in the sandbox the plugin."""

    def complete(self, data: dict[str, Any]) -> dict[str, Any]:
        """Fill what the host supplies (the channel's currency, country, languages): exactly what is published."""

    def publish(self, text: str, published_by: str) -> tuple[Any, bool]:
        """Publish ``text`` through the host's one publishing path; returns (PolicyVersion, created). Raises
        ``services.policies.PolicyRejected`` with every error."""


@dataclass(frozen=True)
class RequestContext:
    channel: str
    """Slug of the channel the endpoint serves."""
    principal: Principal
    host: HostPort
    """Where money actions go: the sandbox host, or the Saleor adapter inside Saleor."""
    load_order: Callable[[str], bool] | None = None
    """Records an order the plugin has not seen yet (e.g. placed before it was installed), given its id; returns
    False when the host has no such order. None where every order is recorded up front (the sandbox)."""
    policy_host: PolicyHost | None = None
    """How the Dashboard app publishes the channel's policy; None publishes directly (the sandbox)."""


def actor_for(principal: Principal) -> Actor:
    """The actor recorded on case events for ``principal``; guests act as customers known by their email."""
    if principal.kind == "staff":
        return Actor(STAFF, principal.id, principal.email)
    if principal.kind == "app":
        return Actor(APP, principal.id, principal.email)
    return Actor(CUSTOMER, principal.id, principal.email)


def _bad_request(message: str) -> tuple[int, dict[str, Any]]:
    return 400, {"data": None, "errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}


def _format_error(error: Exception) -> dict[str, Any]:
    original = getattr(error, "original_error", None) if isinstance(error, GraphQLLocatedError) else None
    formatted: dict[str, Any] = {"message": str(error)}
    locations = getattr(error, "locations", None)
    if locations:
        formatted["locations"] = [{"line": loc.line, "column": loc.column} for loc in locations]
    path = getattr(error, "path", None)
    if path:
        formatted["path"] = path
    if isinstance(original, ServiceError):
        formatted["message"] = original.message
        formatted["extensions"] = {"code": original.code.upper(), "field": original.field}
    elif original is not None:
        logger.error("GraphQL resolver failed", exc_info=original)
        formatted["message"] = "Internal error: the request could not be completed; it has been logged."
        formatted["extensions"] = {"code": "INTERNAL_ERROR"}
    else:
        formatted["extensions"] = {"code": "GRAPHQL_ERROR"}
    return formatted


def execute(body: Mapping[str, Any], context: RequestContext) -> tuple[int, dict[str, Any]]:
    """Answer one GraphQL request ``{"query", "variables", "operationName"}``; returns (HTTP status, JSON-ready).

    A malformed body or a query that does not parse or validate answers 400; everything else 200 with ``data``
    and, when something failed, ``errors`` (each with ``extensions.code``). Never raises.
    """
    if not isinstance(body, Mapping):
        return _bad_request(
            'The request body must be a JSON object: {"query": "...", "variables": {...}, "operationName": "..."}.'
        )
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        return _bad_request('The request needs "query": a GraphQL document as a non-empty string.')
    variables = body.get("variables")
    if variables is None:
        variables = {}
    if not isinstance(variables, Mapping):
        return _bad_request(f'"variables" must be a JSON object, not {type(variables).__name__}.')
    operation_name = body.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        return _bad_request('"operationName" must be a string naming one operation of the query.')
    unknown = sorted(set(body) - {"query", "variables", "operationName", "extensions"})
    if unknown:
        return _bad_request(
            f"Unknown key(s) in the request body: {', '.join(unknown)}; "
            "use query, variables and operationName."
        )
    from .schema import schema

    try:
        result = schema.execute(
            query,
            context_value=context,
            variable_values=dict(variables),
            operation_name=operation_name or None,
        )
    except Exception:  # the contract is to answer, never to raise
        logger.exception("GraphQL execution failed")
        return 500, {
            "data": None,
            "errors": [
                {
                    "message": "Internal error while executing the query.",
                    "extensions": {"code": "INTERNAL_ERROR"},
                }
            ],
        }
    response: dict[str, Any] = {"data": result.data}
    if result.errors:
        response["errors"] = [_format_error(error) for error in result.errors]
    if result.invalid:
        return 400, response
    return 200, response
