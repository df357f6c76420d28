"""Who calls the plugin's endpoint, as the plugin reads it from Saleor's tokens: a staff member's permissions and the
channels their groups limit them to come from one query, and say what Saleor's own permission checks say."""

from typing import Any

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from saleor.account.models import Group
from saleor.core.jwt import create_access_token, create_access_token_for_app

from saleor_aftersales_plugin.domain.actors import MANAGE_ORDERS, MANAGE_PLUGINS
from saleor_aftersales_plugin.saleor.auth import identify

pytestmark = pytest.mark.django_db


def _caller(token: str) -> Any:
    return identify(RequestFactory().post("/", HTTP_AUTHORIZATION=f"Bearer {token}"))


def _saleors_view(user: Any) -> tuple[frozenset[str], frozenset[str] | None]:
    """What Saleor's own checks say of ``user``: has_perm, and the groups' channel restrictions (which Saleor's
    channel checks apply to superusers too: they exempt apps only)."""
    user = type(user).objects.get(pk=user.pk)  # nothing cached
    held = frozenset(
        name
        for name, perm in ((MANAGE_ORDERS, "order.manage_orders"), (MANAGE_PLUGINS, "plugins.manage_plugins"))
        if user.has_perm(perm)
    )
    groups = list(user.groups.all())
    if any(not group.restricted_access_to_channels for group in groups):
        return held, None
    return held, frozenset(channel.slug for group in groups for channel in group.channels.all())


@pytest.mark.parametrize(
    "case",
    [
        "no permission, no group",
        "permission held directly",
        "through an unrestricted group",
        "through restricted groups of two channels",
        "restricted group without the permission",
        "superuser",
        "superuser in a group of one channel",
    ],
)
def test_staff_access_is_what_saleors_checks_say_in_one_query(
    case: str,
    customer_user: Any,
    staff_user: Any,
    channel_USD: Any,
    channel_PLN: Any,
    permission_manage_orders: Any,
    permission_manage_plugins: Any,
) -> None:
    if case == "permission held directly":
        staff_user.user_permissions.add(permission_manage_orders, permission_manage_plugins)
    elif case == "through an unrestricted group":
        Group.objects.create(name="all").permissions.add(permission_manage_orders)
        staff_user.groups.add(Group.objects.get(name="all"))
    elif case == "through restricted groups of two channels":
        for channel in (channel_USD, channel_PLN):
            group = Group.objects.create(name=channel.slug, restricted_access_to_channels=True)
            group.permissions.add(permission_manage_orders)
            group.channels.add(channel)
            staff_user.groups.add(group)
    elif case == "restricted group without the permission":
        group = Group.objects.create(name="PLN", restricted_access_to_channels=True)
        group.channels.add(channel_PLN)
        staff_user.groups.add(group)
    elif case.startswith("superuser"):
        staff_user.is_superuser = True
        staff_user.save(update_fields=["is_superuser"])
        if case == "superuser in a group of one channel":
            group = Group.objects.create(name="PLN", restricted_access_to_channels=True)
            group.channels.add(channel_PLN)
            staff_user.groups.add(group)
    token = create_access_token(staff_user)
    with CaptureQueriesContext(connection) as saleors:  # Saleor's reads of a token's user, for a customer
        assert _caller(create_access_token(customer_user)).principal.kind == "customer"

    with CaptureQueriesContext(connection) as captured:
        caller = _caller(token)

    principal = caller.principal
    assert principal.kind == "staff"
    assert (principal.permissions, principal.channels) == _saleors_view(staff_user)
    expected = {
        "no permission, no group": (frozenset(), frozenset()),
        "permission held directly": (frozenset({MANAGE_ORDERS, MANAGE_PLUGINS}), frozenset()),
        "through an unrestricted group": (frozenset({MANAGE_ORDERS}), None),
        "through restricted groups of two channels": (
            frozenset({MANAGE_ORDERS}),
            frozenset({channel_USD.slug, channel_PLN.slug}),
        ),
        "restricted group without the permission": (frozenset(), frozenset({channel_PLN.slug})),
        "superuser": (
            frozenset({MANAGE_ORDERS, MANAGE_PLUGINS}),
            frozenset(),
        ),  # no group: no channel, as Saleor
        "superuser in a group of one channel": (
            frozenset({MANAGE_ORDERS, MANAGE_PLUGINS}),
            frozenset({channel_PLN.slug}),
        ),
    }[case]
    assert (principal.permissions, principal.channels) == expected
    # Saleor's reads of the token's user, then one query of the plugin's.
    assert len(captured.captured_queries) == len(saleors.captured_queries) + 1, [
        q["sql"] for q in captured.captured_queries
    ]


def test_a_token_an_app_holds_for_a_staff_member_grants_only_what_both_hold(
    staff_user: Any, app: Any, permission_manage_orders: Any, permission_manage_plugins: Any
) -> None:
    staff_user.user_permissions.add(permission_manage_orders, permission_manage_plugins)
    app.permissions.add(permission_manage_plugins)

    caller = _caller(create_access_token_for_app(app, staff_user))

    assert caller.principal.permissions == frozenset({MANAGE_PLUGINS})


def test_a_token_an_app_without_permissions_holds_for_a_superuser_grants_none(
    staff_user: Any, app: Any, channel_USD: Any
) -> None:
    """Saleor's token then lists no permission, and its has_perm would let the superuser through."""
    staff_user.is_superuser = True
    staff_user.save(update_fields=["is_superuser"])
    group = Group.objects.create(name="all")
    staff_user.groups.add(group)

    caller = _caller(create_access_token_for_app(app, staff_user))

    assert caller.principal.kind == "staff"
    assert caller.principal.permissions == frozenset()
    assert _caller(create_access_token(staff_user)).principal.permissions == frozenset(
        {MANAGE_ORDERS, MANAGE_PLUGINS}
    )
