"""Who sees what through the plugin's endpoint inside Saleor, compared with what Saleor lets the same token see."""

import json
from typing import Any

import pytest
from saleor.account.models import Group, User
from saleor.core.jwt import create_access_token, create_access_token_for_app
from saleor_steps import (
    ELIGIBILITY,
    RETURN_REQUEST,
    Shop,
    enable_plugin,
    gid,
    plugin_endpoint,
    return_input,
)

pytestmark = pytest.mark.django_db

CASES = "{ afterSalesCases { totalCount } }"
SALEOR_ORDERS = "query ($c: String) { orders(first: 5, channel: $c) { edges { node { id } } } }"
SALEOR_ORDER = "query ($id: ID!) { order(id: $id) { id number } }"


def _post(api_client: Any, path: str, query: str, variables: dict, token: str | None) -> Any:
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    saleor_path = api_client.api_path
    api_client.api_path = path
    try:
        return api_client.post_graphql(query, variables, **headers)
    finally:
        api_client.api_path = saleor_path


def _staff(email: str, **flags: Any) -> Any:
    user = User.objects.create(email=email, is_staff=True, is_active=True, **flags)
    user.set_password("pw")
    user.save()
    return user


def _group(name: str, perms: list, channels: list | None) -> Any:
    group = Group.objects.create(name=name, restricted_access_to_channels=channels is not None)
    group.permissions.add(*perms)
    if channels:
        group.channels.add(*channels)
    return group


def _saleor_sees(answer: dict) -> bool:
    return bool((answer.get("data") or {}).get("orders") and answer["data"]["orders"]["edges"])


def _sees_as_saleor(api_client: Any, channel_slug: str, token: str) -> None:
    """``token`` lists the channel's cases through the plugin exactly when Saleor lists the channel's orders to it."""
    saleors = _post(api_client, "/graphql/", SALEOR_ORDERS, {"c": channel_slug}, token).json()
    ours = _cases(api_client, channel_slug, token)
    assert (_code(ours) is None) == _saleor_sees(saleors), (saleors, ours.json())


def _order_not_found(api_client: Any, channel_slug: str, order: Any, line: Any, token: str) -> None:
    """Through ``channel_slug``'s endpoint the order is NOT_FOUND to ``token``: its eligibility and a return."""
    elig = _post(
        api_client,
        plugin_endpoint(channel_slug),
        ELIGIBILITY,
        {"order": gid("Order", order.pk), "lines": [{"lineId": gid("OrderLine", line.pk), "quantity": 1}]},
        token,
    )
    assert _code(elig) == "NOT_FOUND", elig.json()
    create = _post(
        api_client, plugin_endpoint(channel_slug), RETURN_REQUEST, {"input": return_input(order, line)}, token
    )
    assert _code(create, "returnRequestCreate") == "NOT_FOUND", create.json()


def _cases(api_client: Any, channel_slug: str, token: str) -> Any:
    """The channel's case queue as ``token`` asks for it."""
    return _post(api_client, plugin_endpoint(channel_slug), CASES, {}, token)


def _code(response: Any, field: str | None = None) -> str | None:
    content = response.json()
    if content.get("errors"):
        return content["errors"][0]["extensions"]["code"]
    if field:
        errors = content["data"][field].get("errors") or []
        return errors[0]["code"] if errors else None
    return None


@pytest.fixture
def two_channels(shop: Shop, channel_PLN: Any) -> Any:
    shop.enable()
    enable_plugin(shop.staff, channel_PLN, shop.permission_manage_plugins)
    order = shop.place_order()
    return shop, channel_PLN, order


def test_staff_limited_to_pln_cannot_reach_a_usd_order_through_the_pln_endpoint(
    two_channels: Any, api_client: Any, permission_manage_orders: Any
) -> None:
    shop, pln, order = two_channels
    staff = _staff("pln@example.com")
    staff.groups.add(_group("PLN", [permission_manage_orders], [pln]))
    token = create_access_token(staff)
    line = order.lines.first()

    # Saleor: orders of USD are refused to this staff member.
    assert not _saleor_sees(_post(api_client, "/graphql/", SALEOR_ORDERS, {"c": shop.slug}, token).json())

    _order_not_found(api_client, pln.slug, order, line, token)
    usd = _cases(api_client, shop.slug, token)
    assert _code(usd) == "PERMISSION_DENIED", usd.json()


def _in_two_groups_one_restricted_one_not(staff: Any, pln: Any, permission: Any) -> None:
    staff.groups.add(_group("PLN", [permission], [pln]), _group("all, nothing", [], None))


def _with_the_permission_in_no_group(staff: Any, pln: Any, permission: Any) -> None:
    staff.user_permissions.add(permission)


@pytest.mark.parametrize("grant", [_in_two_groups_one_restricted_one_not, _with_the_permission_in_no_group])
def test_staff_sees_the_channel_as_saleor_lets_them(
    two_channels: Any, api_client: Any, permission_manage_orders: Any, grant: Any
) -> None:
    shop, pln, _order = two_channels
    staff = _staff("granted@example.com")
    grant(staff, pln, permission_manage_orders)
    _sees_as_saleor(api_client, shop.slug, create_access_token(staff))


def test_a_permission_removed_from_the_group_after_the_token_is_issued(
    two_channels: Any, api_client: Any, permission_manage_orders: Any
) -> None:
    shop, _pln, _order = two_channels
    staff = _staff("removed@example.com")
    group = _group("all", [permission_manage_orders], None)
    staff.groups.add(group)
    token = create_access_token(staff)
    assert _code(_cases(api_client, shop.slug, token)) is None
    group.permissions.remove(permission_manage_orders)
    assert _code(_cases(api_client, shop.slug, token)) == "PERMISSION_DENIED"
    group.permissions.add(permission_manage_orders)
    group.restricted_access_to_channels = True
    group.save()
    assert _code(_cases(api_client, shop.slug, token)) == "PERMISSION_DENIED"


def test_staff_deactivated_after_the_token_is_issued(
    two_channels: Any, api_client: Any, permission_manage_orders: Any
) -> None:
    shop, _pln, _order = two_channels
    staff = _staff("inactive@example.com")
    staff.user_permissions.add(permission_manage_orders)
    staff.groups.add(_group("all", [], None))
    token = create_access_token(staff)
    staff.is_active = False
    staff.save()
    response = _cases(api_client, shop.slug, token)
    assert response.status_code == 401, response.content


def test_staff_demoted_to_customer_after_the_token_is_issued(
    two_channels: Any, api_client: Any, permission_manage_orders: Any
) -> None:
    shop, _pln, order = two_channels
    staff = _staff("demoted@example.com")
    staff.groups.add(_group("all", [permission_manage_orders], None))
    token = create_access_token(staff)
    User.objects.filter(pk=staff.pk).update(is_staff=False)
    saleors = _post(api_client, "/graphql/", SALEOR_ORDERS, {"c": shop.slug}, token).json()
    saleor_sees = _saleor_sees(saleors)
    ours = _cases(api_client, shop.slug, token)
    assert (_code(ours) is None) == saleor_sees


def test_dashboard_token_narrower_than_restricted_staff(
    two_channels: Any, api_client: Any, app: Any, permission_manage_orders: Any
) -> None:
    shop, pln, order = two_channels
    staff = _staff("appstaff@example.com")
    staff.groups.add(_group("PLN", [permission_manage_orders], [pln]))
    app.permissions.add(permission_manage_orders)
    token = create_access_token_for_app(app, staff)
    usd = _cases(api_client, shop.slug, token)
    assert _code(usd) == "PERMISSION_DENIED", usd.json()
    ours = _cases(api_client, pln.slug, token)
    assert _code(ours) is None, ours.json()


def test_customer_cannot_see_another_customers_order(two_channels: Any, api_client: Any) -> None:
    shop, _pln, order = two_channels
    other = User.objects.create(email="eve@example.com", is_active=True)
    token = create_access_token(other)
    line = order.lines.first()
    _order_not_found(api_client, shop.slug, order, line, token)


def test_inactive_app_and_tampered_tokens_get_401(
    two_channels: Any, api_client: Any, app: Any, permission_manage_orders: Any
) -> None:
    shop, _pln, _order = two_channels
    from saleor.app.models import AppToken

    app.permissions.add(permission_manage_orders)
    _, raw = AppToken.objects.create(app=app, name="t")
    assert _code(_cases(api_client, shop.slug, raw)) is None
    app.is_active = False
    app.save()
    assert _cases(api_client, shop.slug, raw).status_code == 401
    staff = _staff("tamper@example.com")
    token = create_access_token(staff)
    head, body, sig = token.split(".")
    for bad in (f"{head}.{body}.{sig[:-2]}AA", "garbage", f"{head}.{body}.", "a.b.c"):
        response = _cases(api_client, shop.slug, bad)
        assert response.status_code == 401, (bad, response.status_code, response.content)
        json.loads(response.content)


@pytest.mark.parametrize("token_kind", ["plain", "app-no-perms"])
def test_superuser_without_groups_saleor_vs_plugin(
    two_channels: Any, api_client: Any, app: Any, token_kind: str
) -> None:
    shop, _pln, _order = two_channels
    boss = _staff("boss2@example.com", is_superuser=True)
    token = create_access_token(boss) if token_kind == "plain" else create_access_token_for_app(app, boss)
    """A superuser in no permission group reaches no channel in Saleor (its channel checks exempt apps only), nor
    through the plugin."""
    orders = _post(api_client, "/graphql/", SALEOR_ORDERS, {"c": shop.slug}, token).json()
    ours = _cases(api_client, shop.slug, token)
    assert not _saleor_sees(orders)
    assert _code(ours) == "PERMISSION_DENIED", ours.json()


def test_a_token_scoped_to_no_permissions_grants_none_even_for_a_superuser(app: Any) -> None:
    """A Dashboard app holding no permission, opened by a superuser: Saleor's token carries ``permissions: []``.
    The token's scope is the intersection of the app's and the user's permissions: nothing."""
    from django.test import RequestFactory
    from saleor.core.jwt import jwt_decode

    from saleor_aftersales_plugin.saleor.auth import identify

    boss = _staff("boss3@example.com", is_superuser=True)
    token = create_access_token_for_app(app, boss)
    assert jwt_decode(token)["permissions"] == []
    caller = identify(RequestFactory().post("/", HTTP_AUTHORIZATION=f"Bearer {token}"))
    assert caller.principal.permissions == frozenset(), caller.principal
