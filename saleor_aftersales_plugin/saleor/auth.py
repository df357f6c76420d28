"""Who is calling the plugin's endpoint inside Saleor: a staff user or customer (Saleor JWT), an app (app token) or
nobody, as a :class:`~..domain.actors.Principal` with the permissions and channels the plugin checks."""

from dataclasses import dataclass
from functools import cache
from typing import Any

import graphene
import jwt
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from saleor.account.models import Group, User
from saleor.channel.models import Channel
from saleor.core.auth import get_token_from_request
from saleor.core.auth_backend import load_user_from_request
from saleor.graphql.app.dataloaders import get_app_promise
from saleor.permission.enums import OrderPermissions, PluginsPermissions
from saleor.permission.models import Permission

from ..domain.actors import ANONYMOUS, MANAGE_ORDERS, MANAGE_PLUGINS, Principal
from .facts import customer_global_id


class AuthenticationFailed(Exception):
    """A token was sent but is expired, tampered with or revoked; answered with a JSON 401."""


@dataclass(frozen=True, slots=True)
class Caller:
    principal: Principal
    user: Any = None
    app: Any = None


# The staff member's permissions among those the plugin checks and the channels their groups limit them to, in one
# query (Saleor's has_perm and the groups read each cost one, with an ORM compilation dearer than the query):
# permissions held directly or through a group, as Saleor's User.effective_permissions counts them.
_STAFF_ACCESS = """
SELECT
  ARRAY(SELECT ct.app_label || '.' || p.codename FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id
        WHERE p.codename = ANY(%(codenames)s)
          AND (EXISTS (SELECT 1 FROM {user_permissions} up WHERE up.user_id = %(user)s AND up.permission_id = p.id)
               OR EXISTS (SELECT 1 FROM {group_permissions} gp JOIN {user_groups} ug ON ug.group_id = gp.group_id
                          WHERE ug.user_id = %(user)s AND gp.permission_id = p.id))),
  EXISTS (SELECT 1 FROM {user_groups} ug JOIN {group} g ON g.id = ug.group_id
          WHERE ug.user_id = %(user)s AND NOT g.restricted_access_to_channels),
  ARRAY(SELECT DISTINCT c.slug FROM {user_groups} ug JOIN {group_channels} gc ON gc.group_id = ug.group_id
        JOIN {channel} c ON c.id = gc.channel_id WHERE ug.user_id = %(user)s)
"""
_CHECKED = {
    MANAGE_ORDERS: OrderPermissions.MANAGE_ORDERS.value,
    MANAGE_PLUGINS: PluginsPermissions.MANAGE_PLUGINS.value,
}
"""The plugin's permission names -> Saleor's (``app_label.codename``)."""


@cache
def _staff_access_sql() -> str:
    tables = {
        "permission": Permission,
        "content_type": ContentType,
        "user_permissions": User.user_permissions.through,
        "group_permissions": Group.permissions.through,
        "user_groups": User.groups.through,
        "group": Group,
        "group_channels": Group.channels.through,
        "channel": Channel,
    }
    return _STAFF_ACCESS.format(
        **{name: connection.ops.quote_name(model._meta.db_table) for name, model in tables.items()}
    )


def _staff_access(user: Any) -> tuple[frozenset[str], frozenset[str] | None]:
    """The permissions the plugin checks that a staff user holds, and the channels they are limited to (None: every
    channel), as Saleor's checks see them: a superuser holds every permission but, like everyone, reaches only the
    channels of their groups (Saleor's channel checks exempt apps, not superusers); a token that lists its own
    permissions (an app's, for this user) grants exactly those. One query, two for a token listing permissions."""
    with connection.cursor() as cursor:
        cursor.execute(
            _staff_access_sql(),
            {"user": user.pk, "codenames": [perm.split(".", 1)[1] for perm in _CHECKED.values()]},
        )
        held, unrestricted, channels = cursor.fetchone()
    if user._effective_permissions is not None:  # set from the token's own list
        held = [f"{app_label}.{codename}" for app_label, codename in _listed(user)]
    elif user.is_superuser:
        held = list(_CHECKED.values())
    return frozenset(name for name, perm in _CHECKED.items() if perm in held), (
        None if unrestricted else frozenset(channels)
    )


def _listed(user: Any) -> list[tuple[str, str]]:
    """The permissions a token lists, with no superuser shortcut (Saleor's has_perm lets an active superuser
    through when that list is empty: a token scoped to nothing must grant nothing)."""
    return list(user.effective_permissions.values_list("content_type__app_label", "codename"))


def _permissions(holder: Any) -> frozenset[str]:
    """The permissions the plugin checks, as an app holds them."""
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
            permissions, channels = _staff_access(user)
            principal = Principal("staff", user_id, user.email, permissions, channels)
            return Caller(principal, user=user)
        return Caller(Principal("customer", user_id, user.email), user=user)
    app = get_app_promise(request).get()
    if app is None or not app.is_active:
        raise AuthenticationFailed("The token is neither a valid Saleor user token nor an active app token.")
    permissions = _permissions(app)
    return Caller(Principal("app", graphene.Node.to_global_id("App", app.pk), "", permissions), app=app)
