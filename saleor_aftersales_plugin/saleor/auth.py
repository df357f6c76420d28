"""Who is calling the plugin's endpoint inside Saleor: a staff user or customer (Saleor JWT), an app (app token) or
nobody, as a :class:`~..domain.actors.Principal` with the permissions and channels the plugin checks."""

from dataclasses import dataclass
from typing import Any

import graphene
import jwt
from saleor.core.auth import get_token_from_request
from saleor.core.auth_backend import load_user_from_request
from saleor.graphql.app.dataloaders import get_app_promise
from saleor.permission.enums import OrderPermissions, PluginsPermissions

from ..domain.actors import ANONYMOUS, MANAGE_ORDERS, MANAGE_PLUGINS, Principal
from .facts import customer_global_id


class AuthenticationFailed(Exception):
    """A token was sent but is expired, tampered with or revoked; answered with a JSON 401."""


@dataclass(frozen=True, slots=True)
class Caller:
    principal: Principal
    user: Any = None
    app: Any = None


def _staff_channels(user: Any) -> frozenset[str] | None:
    """Channel slugs a staff user is limited to; None when any of their groups sees every channel."""
    if user.is_superuser:
        return None
    groups = list(user.groups.all())
    if any(not group.restricted_access_to_channels for group in groups):
        return None
    return frozenset(slug for group in groups for slug in group.channels.values_list("slug", flat=True))


def _permissions(holder: Any) -> frozenset[str]:
    """The permissions the plugin checks, as a user (with a Dashboard app token: the token's) or app holds them."""
    held = {
        MANAGE_ORDERS: holder.has_perm(OrderPermissions.MANAGE_ORDERS),
        MANAGE_PLUGINS: holder.has_perm(PluginsPermissions.MANAGE_PLUGINS),
    }
    return frozenset(name for name, has in held.items() if has)


def identify(request: Any) -> Caller:
    """Who sent ``request``: a Saleor user (JWT), an app (app token) or nobody; raises AuthenticationFailed."""
    if not hasattr(request, "dataloaders"):
        request.dataloaders = {}
    if not get_token_from_request(request):
        return Caller(ANONYMOUS)
    try:
        user = load_user_from_request(request)
    except jwt.ExpiredSignatureError:
        raise AuthenticationFailed("The token has expired; sign in again.") from None
    except jwt.InvalidTokenError as error:
        raise AuthenticationFailed(f"The token is not valid: {error}") from None
    if user is not None:
        if not user.is_active:
            raise AuthenticationFailed("This account is inactive.")
        user_id = customer_global_id(user.pk) or ""
        if user.is_staff:
            permissions = _permissions(user)
            principal = Principal("staff", user_id, user.email, permissions, _staff_channels(user))
            return Caller(principal, user=user)
        return Caller(Principal("customer", user_id, user.email), user=user)
    app = get_app_promise(request).get()
    if app is None or not app.is_active:
        raise AuthenticationFailed("The token is neither a valid Saleor user token nor an active app token.")
    permissions = _permissions(app)
    return Caller(Principal("app", graphene.Node.to_global_id("App", app.pk), "", permissions), app=app)
