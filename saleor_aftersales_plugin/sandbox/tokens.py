"""Local bearer tokens of the sandbox: who is calling, signed with the Django ``SECRET_KEY``.

Saleor issues real tokens inside Saleor; the standalone sandbox has no users, so it signs the caller's identity
itself: a customer (user id + email), staff (MANAGE_ORDERS, optionally limited to some channels) or an app
(MANAGE_ORDERS). Guests need no token: they give the order id and the order's email in the operation.
"""

from collections.abc import Iterable
from typing import Any

from django.core import signing

from ..domain.actors import ANONYMOUS, MANAGE_ORDERS, MANAGE_PLUGINS, Principal

__all__ = [
    "TokenInvalid",
    "app_token",
    "customer_token",
    "principal_from_header",
    "read_token",
    "staff_token",
]

_SALT = "saleor_aftersales_plugin.sandbox.token"


class TokenInvalid(Exception):
    """The bearer token cannot be used; the message says why and how to get a valid one."""


def _sign(payload: dict[str, Any]) -> str:
    return signing.dumps(payload, salt=_SALT, compress=True)


def customer_token(user_id: str, email: str) -> str:
    if not user_id.strip() or "@" not in email:
        raise ValueError("A customer token needs a user id and an email address.")
    return _sign({"kind": "customer", "id": user_id, "email": email})


def staff_token(
    user_id: str, email: str, channels: Iterable[str] | None = None, *, merchant: bool = False
) -> str:
    """A staff member with MANAGE_ORDERS; ``channels`` limits them to those channel slugs (None: every channel);
    a ``merchant`` also has MANAGE_PLUGINS (publishes the channel's policy)."""
    if not user_id.strip():
        raise ValueError("A staff token needs a user id.")
    limited = sorted(set(channels)) if channels is not None else None
    permissions = [MANAGE_ORDERS, MANAGE_PLUGINS] if merchant else [MANAGE_ORDERS]
    return _sign(
        {"kind": "staff", "id": user_id, "email": email, "permissions": permissions, "channels": limited}
    )


def app_token(app_id: str) -> str:
    if not app_id.strip():
        raise ValueError("An app token needs an app id.")
    return _sign({"kind": "app", "id": app_id, "permissions": [MANAGE_ORDERS]})


def read_token(token: str) -> Principal:
    """The principal a token was issued for; raises :class:`TokenInvalid` if it was not signed by this sandbox."""
    try:
        payload = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        raise TokenInvalid(
            "The bearer token is not valid for this sandbox (altered, truncated, or signed with another "
            "SECRET_KEY); issue a new one with `python -m saleor_aftersales_plugin sandbox token`."
        ) from None
    if not isinstance(payload, dict) or payload.get("kind") not in ("customer", "staff", "app"):
        raise TokenInvalid("The bearer token does not name a customer, staff member or app.")
    channels = payload.get("channels")
    return Principal(
        kind=payload["kind"],
        id=str(payload.get("id", "")),
        email=str(payload.get("email", "")),
        permissions=frozenset(payload.get("permissions", ())),
        channels=None if channels is None else frozenset(channels),
    )


def principal_from_header(authorization: str | None) -> Principal:
    """The caller of an HTTP request from its ``Authorization`` header: no header means a guest."""
    if not authorization or not authorization.strip():
        return ANONYMOUS
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenInvalid('Send the token as "Authorization: Bearer <token>".')
    return read_token(token.strip())
