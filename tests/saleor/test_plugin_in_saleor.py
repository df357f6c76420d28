"""The plugin inside a real Saleor: configuration through pluginUpdate, hooks, the endpoint and Saleor's money actions.

Everything goes through Saleor's GraphQL API (its test ApiClient) and the plugin's endpoint
``/plugins/channel/<slug>/saleor.aftersales/graphql/``; Saleor's own tables are then checked.
"""

import json
import threading
import uuid
from datetime import timedelta
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import graphene
import pytest
from django.db import connection
from django.test import Client
from saleor.channel import MarkAsPaidStrategy
from saleor.giftcard.models import GiftCard
from saleor.order import FulfillmentStatus, OrderStatus
from saleor.plugins.models import PluginConfiguration

from saleor_aftersales_plugin.models import Case, OrderRecord, PolicyVersion
from saleor_aftersales_plugin.plugin import DEFAULT_POLICY, PLUGIN_ID
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.saleor_adapter import SaleorHost, apply_order_event
from saleor_aftersales_plugin.services.ledger import balances

pytestmark = pytest.mark.django_db

PLUGIN_UPDATE = """
mutation ($id: ID!, $channel: ID, $active: Boolean, $configuration: [ConfigurationItemInput!]) {
  pluginUpdate(id: $id, channelId: $channel, input: {active: $active, configuration: $configuration}) {
    plugin { channelConfigurations { active channel { slug } configuration { name value } } }
    errors { field message code }
  }
}
"""
DRAFT_ORDER_COMPLETE = """
mutation ($id: ID!) { draftOrderComplete(id: $id) { order { id status } errors { field code message } } }
"""
MARK_AS_PAID = """
mutation ($id: ID!) { orderMarkAsPaid(id: $id) { order { id chargeStatus } errors { field code message } } }
"""
ORDER_FULFILL = """
mutation ($order: ID!, $input: OrderFulfillInput!) {
  orderFulfill(order: $order, input: $input) { order { id status } errors { field code message } }
}
"""
RETURN_REQUEST = """
mutation ($input: ReturnRequestCreateInput!) {
  returnRequestCreate(input: $input) { case { id status refund { amount currency } } errors { field code message } }
}
"""
CASE_FIELDS = "case { id status failureMessage refund { amount } storeCredit { amount currency } } errors { field code message }"
APPROVE = f"mutation ($id: ID!) {{ caseApprove(id: $id) {{ {CASE_FIELDS} }} }}"
RECEIVE = f"mutation ($id: ID!) {{ returnRequestMarkReceived(id: $id) {{ {CASE_FIELDS} }} }}"
INSPECT = f"""mutation ($id: ID!, $lines: [LineConditionInput!]!) {{
  returnRequestInspect(id: $id, lines: $lines) {{ {CASE_FIELDS} }} }}"""
FULFILMENT_CANCEL = """
mutation ($id: ID!, $warehouse: ID) {
  orderFulfillmentCancel(id: $id, input: {warehouseId: $warehouse}) { errors { field code message } }
}
"""
ORDER_CANCEL = (
    "mutation ($id: ID!) { orderCancel(id: $id) { order { status } errors { field code message } } }"
)
ORDER_REFUND = """
mutation ($id: ID!, $amount: PositiveDecimal!) { orderRefund(id: $id, amount: $amount) { errors { field code message } } }
"""
RESOLVE = f"""mutation ($id: ID!, $resolution: AfterSalesResolution) {{
  caseResolve(id: $id, resolution: $resolution) {{ {CASE_FIELDS} }} }}"""

BAD_POLICY = """
schema_version: 1.1
defaults:
  window: {days: -3, anchor: delivery}
  resolutions: [refund, teleport]
rules:
  - id: x
    conditions: {all: [{name: no_such_variable, operator: equal_to, value: 1}]}
    actions: [{name: allow}]
"""


def _endpoint(channel_slug: str) -> str:
    return f"/plugins/channel/{channel_slug}/{PLUGIN_ID}/graphql/"


def _call(client: Any, channel_slug: str, query: str, variables: dict[str, Any], **headers: str) -> Any:
    """POST to the plugin's endpoint as ``client`` (its JWT or app token), running on-commit hooks like Saleor's API."""
    saleor_path = client.api_path
    client.api_path = _endpoint(channel_slug)
    try:
        return client.post_graphql(query, variables, **headers)
    finally:
        client.api_path = saleor_path


def _data(response: Any, name: str) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    content = response.json()
    assert "errors" not in content, content["errors"]
    payload = content["data"][name]
    if isinstance(payload, dict) and "errors" in payload:
        assert payload["errors"] == [], payload["errors"]
    return payload


def _saleor(client: Any, query: str, variables: dict[str, Any], name: str) -> dict[str, Any]:
    content = json.loads(client.post_graphql(query, variables).content)
    assert "errors" not in content, content.get("errors")
    payload = content["data"][name]
    assert payload["errors"] == [], payload["errors"]
    return payload


def _enable(
    staff_api_client: Any, channel: Any, permission_manage_plugins: Any, **values: Any
) -> dict[str, Any]:
    staff_api_client.user.user_permissions.add(permission_manage_plugins)
    configuration = [{"name": name, "value": value} for name, value in values.items()]
    content = json.loads(
        staff_api_client.post_graphql(
            PLUGIN_UPDATE,
            {
                "id": PLUGIN_ID,
                "channel": graphene.Node.to_global_id("Channel", channel.pk),
                "active": True,
                "configuration": configuration or None,
            },
        ).content
    )
    assert "errors" not in content, content.get("errors")
    return content["data"]["pluginUpdate"]


def test_plugin_tables_are_migrated_with_saleor() -> None:
    tables = connection.introspection.table_names()
    assert "saleor_aftersales_plugin_case" in tables
    assert "order_order" in tables


def test_plugin_update_rejects_a_bad_policy_with_every_error_on_the_field(
    aftersales_enabled: Any, staff_api_client: Any, channel_USD: Any, permission_manage_plugins: Any
) -> None:
    result = _enable(staff_api_client, channel_USD, permission_manage_plugins, policy=BAD_POLICY)

    (error,) = result["errors"]
    assert error["field"] == "policy"
    assert error["code"] == "INVALID"
    message = error["message"]
    assert "$.defaults.window.days" in message
    assert "$.defaults.resolutions[1]" in message
    assert "no_such_variable" in message
    assert PolicyVersion.objects.filter(channel=channel_USD.slug).count() == 0


def test_plugin_update_publishes_a_valid_policy_once_and_fills_the_channel_currency(
    aftersales_enabled: Any, staff_api_client: Any, channel_USD: Any, permission_manage_plugins: Any
) -> None:
    result = _enable(staff_api_client, channel_USD, permission_manage_plugins, policy=DEFAULT_POLICY)
    assert result["errors"] == []
    (configuration,) = result["plugin"]["channelConfigurations"]
    assert configuration["active"] is True
    versions = PolicyVersion.objects.filter(channel=channel_USD.slug)
    assert [v.version for v in versions] == [1]
    assert versions[0].document["defaults"]["currency"] == channel_USD.currency_code
    assert versions[0].created_by == "dashboard"

    again = _enable(staff_api_client, channel_USD, permission_manage_plugins, policy=DEFAULT_POLICY)
    assert again["errors"] == []
    assert PolicyVersion.objects.filter(channel=channel_USD.slug).count() == 1

    changed = DEFAULT_POLICY.replace("days: 7,", "days: 14,")
    _enable(staff_api_client, channel_USD, permission_manage_plugins, policy=changed)
    assert sorted(
        PolicyVersion.objects.filter(channel=channel_USD.slug).values_list("version", flat=True)
    ) == [1, 2]

    # The Dashboard's customer-favourable switch is part of the published policy: a new version says so.
    _enable(staff_api_client, channel_USD, permission_manage_plugins, policy=changed, customerFavourable=True)
    latest = PolicyVersion.objects.filter(channel=channel_USD.slug).order_by("-version").first()
    assert latest.version == 3 and latest.document["defaults"]["customer_favourable"] is True


def test_plugin_update_refuses_a_fee_without_an_amount_in_the_channel_currency(
    aftersales_enabled: Any, staff_api_client: Any, channel_USD: Any, permission_manage_plugins: Any
) -> None:
    label = "      - {name: charge_return_shipping, params: {amount: {JPY: '800'}}}\n"
    policy = DEFAULT_POLICY.replace("      - {name: deny, params: {reason: gift_card}}\n", label)
    result = _enable(staff_api_client, channel_USD, permission_manage_plugins, policy=policy)
    (error,) = result["errors"]
    assert error["field"] == "policy"
    assert (
        "$.rules[1].actions[0].params.amount: charge_return_shipping.amount gives JPY but not USD, the currency of "
        "defaults.currency that this channel's orders are in; amounts are never converted: add one, e.g. "
        "{JPY: '800', USD: '800.00'}." in error["message"]
    )
    wrong_currency = _enable(
        staff_api_client,
        channel_USD,
        permission_manage_plugins,
        policy=DEFAULT_POLICY.replace("defaults:\n", "defaults:\n  currency: JPY\n"),
    )
    assert (
        f"defaults.currency is JPY, but channel '{channel_USD.slug}' sells in USD"
        in wrong_currency["errors"][0]["message"]
    )
    assert PolicyVersion.objects.filter(channel=channel_USD.slug).count() == 0


def test_plugin_update_rejects_bad_settings_on_their_fields(
    aftersales_enabled: Any, staff_api_client: Any, channel_USD: Any, permission_manage_plugins: Any
) -> None:
    result = _enable(
        staff_api_client,
        channel_USD,
        permission_manage_plugins,
        staffNotificationEmails="care@shop.example, not-an-address",
        templateOverrides="{not json",
    )
    fields = {error["field"]: error["message"] for error in result["errors"]}
    assert set(fields) == {"staffNotificationEmails", "templateOverrides"}
    assert "not-an-address" in fields["staffNotificationEmails"]


def test_statutory_minimums_setting_refuses_a_policy_below_the_law_and_names_the_source(
    aftersales_enabled: Any, staff_api_client: Any, channel_USD: Any, permission_manage_plugins: Any
) -> None:
    german = DEFAULT_POLICY.replace("  eligible: true\n", "  eligible: true\n  country: DE\n")
    refused = _enable(
        staff_api_client, channel_USD, permission_manage_plugins, policy=german, statutoryMinimums="refuse"
    )
    (error,) = refused["errors"]
    assert error["field"] == "policy" and error["code"] == "INVALID"
    assert error["message"].startswith(
        "The channel refuses policies below the statutory minimums (statutoryMinimums: refuse); 1 problem(s):\n"
        "$.defaults.window: [below_statutory_minimum] For orders delivered to DE, a return without a reason gets "
        "7 calendar days from delivery"
    )
    assert "Directive 2011/83/EU on consumer rights, Article 9" in error["message"]
    assert PolicyVersion.objects.filter(channel=channel_USD.slug).count() == 0

    typo = _enable(
        staff_api_client, channel_USD, permission_manage_plugins, policy=german, statutoryMinimums="refuse!"
    )
    assert [(e["field"], e["code"]) for e in typo["errors"]] == [("statutoryMinimums", "INVALID")]
    assert "write 'warn' (publish and warn) or 'refuse'" in typo["errors"][0]["message"]

    warned = _enable(
        staff_api_client, channel_USD, permission_manage_plugins, policy=german, statutoryMinimums="warn"
    )
    assert warned["errors"] == []
    assert PolicyVersion.objects.get(channel=channel_USD.slug).document["defaults"]["country"] == "DE"
    fourteen = german.replace("days: 7,", "days: 14,")
    accepted = _enable(
        staff_api_client, channel_USD, permission_manage_plugins, policy=fourteen, statutoryMinimums="refuse"
    )
    assert accepted["errors"] == []
    assert PolicyVersion.objects.filter(channel=channel_USD.slug).count() == 2


def test_endpoint_is_404_where_the_plugin_is_inactive(
    aftersales_enabled: Any,
    staff_api_client: Any,
    channel_USD: Any,
    channel_PLN: Any,
    permission_manage_plugins: Any,
) -> None:
    _enable(staff_api_client, channel_USD, permission_manage_plugins)
    PluginConfiguration.objects.create(
        identifier=PLUGIN_ID, channel=channel_PLN, active=False, configuration=[]
    )

    inactive = _call(staff_api_client, channel_PLN.slug, "{ __typename }", {})
    active = _call(staff_api_client, channel_USD.slug, "{ __typename }", {})

    assert inactive.status_code == 404
    assert active.status_code == 200
    assert active.json()["data"] == {"__typename": "Query"}


def test_tampered_token_gets_a_json_401(
    aftersales_enabled: Any,
    staff_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    api_client: Any,
) -> None:
    _enable(staff_api_client, channel_USD, permission_manage_plugins)
    header, payload, signature = staff_api_client.token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"

    response = _call(
        api_client, channel_USD.slug, "{ __typename }", {}, HTTP_AUTHORIZATION=f"Bearer {tampered}"
    )

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- an order's life: placed, paid and fulfilled in Saleor, returned through the plugin


def _place_paid_fulfilled_order(staff_api_client: Any, order: Any, warehouse: Any) -> Any:
    order_id = graphene.Node.to_global_id("Order", order.pk)
    completed = _saleor(staff_api_client, DRAFT_ORDER_COMPLETE, {"id": order_id}, "draftOrderComplete")
    assert completed["order"]["status"] == "UNFULFILLED"
    _saleor(staff_api_client, MARK_AS_PAID, {"id": order_id}, "orderMarkAsPaid")
    lines = [
        {
            "orderLineId": graphene.Node.to_global_id("OrderLine", line.pk),
            "stocks": [
                {
                    "quantity": line.quantity,
                    "warehouse": graphene.Node.to_global_id("Warehouse", warehouse.pk),
                }
            ],
        }
        for line in order.lines.all()
    ]
    fulfilled = _saleor(
        staff_api_client,
        ORDER_FULFILL,
        {"order": order_id, "input": {"lines": lines, "notifyCustomer": False}},
        "orderFulfill",
    )
    assert fulfilled["order"]["status"] == "FULFILLED"
    order.refresh_from_db()
    return order


@pytest.fixture
def staff_with_orders(
    staff_api_client: Any, permission_group_manage_orders: Any, permission_manage_plugins: Any
) -> Any:
    """Staff with MANAGE_ORDERS through a group that sees every channel (as the Dashboard sets it up)."""
    permission_group_manage_orders.user_set.add(staff_api_client.user)
    staff_api_client.user.user_permissions.add(permission_manage_plugins)
    return staff_api_client


def _return_and_resolve(
    channel_slug: str,
    requester: Any,
    staff: Any,
    order: Any,
    resolution: str,
    email: str | None = None,
) -> dict[str, Any]:
    line = order.lines.order_by("created_at").first()
    request: dict[str, Any] = {
        "order": graphene.Node.to_global_id("Order", order.pk),
        "lines": [{"lineId": graphene.Node.to_global_id("OrderLine", line.pk), "quantity": 1}],
        "reason": "changed_mind",
    }
    if email:
        request["email"] = email
    created = _data(_call(requester, channel_slug, RETURN_REQUEST, {"input": request}), "returnRequestCreate")
    case_id = created["case"]["id"]
    assert created["case"]["status"] == "REQUESTED"

    assert _data(_call(staff, channel_slug, APPROVE, {"id": case_id}), "caseApprove")["case"]["status"] == (
        "AWAITING_RETURN"
    )
    assert (
        _data(_call(staff, channel_slug, RECEIVE, {"id": case_id}), "returnRequestMarkReceived")["case"][
            "status"
        ]
        == "RECEIVED"
    )
    inspected = _data(
        _call(
            staff,
            channel_slug,
            INSPECT,
            {
                "id": case_id,
                "lines": [
                    {"lineId": graphene.Node.to_global_id("OrderLine", line.pk), "condition": "UNOPENED"}
                ],
            },
        ),
        "returnRequestInspect",
    )
    assert inspected["case"]["status"] == "INSPECTED"
    response = _call(staff, channel_slug, RESOLVE, {"id": case_id, "resolution": resolution})
    assert response.status_code == 200, response.content
    return response.json()["data"]["caseResolve"]


def test_customer_return_refunded_to_the_legacy_payment(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    assert draft_order.user_id == user_api_client.user.pk
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)
    record = OrderRecord.objects.get(order_id=order.pk)
    assert record.policy_version is not None and record.paid_at is not None
    assert all(line.fulfilled_at is not None for line in record.lines.all())

    result = _return_and_resolve(channel_USD.slug, user_api_client, staff_with_orders, order, "REFUND")

    assert result["errors"] == []
    assert result["case"]["status"] == "RESOLVED"
    refund = Decimal(result["case"]["refund"]["amount"])
    line = order.lines.order_by("created_at").first()
    assert refund == line.unit_price_gross_amount
    returned = order.fulfillments.get(status=FulfillmentStatus.REFUNDED_AND_RETURNED)
    assert [(fl.order_line_id, fl.quantity) for fl in returned.lines.all()] == [(line.pk, 1)]
    assert returned.total_refund_amount == refund
    payment = order.payments.get()
    assert payment.captured_amount == order.total_gross_amount - refund
    order.refresh_from_db()
    assert order.status == OrderStatus.PARTIALLY_RETURNED


def test_transactions_refund_without_payment_app_fails_visibly_then_store_credit_with_bonus(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    channel_USD.order_mark_as_paid_strategy = MarkAsPaidStrategy.TRANSACTION_FLOW
    channel_USD.save(update_fields=["order_mark_as_paid_strategy"])
    policy = DEFAULT_POLICY.replace("store_credit_bonus: 0", "store_credit_bonus: 10")
    _enable(staff_with_orders, channel_USD, permission_manage_plugins, policy=policy)
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)
    assert order.payment_transactions.count() == 1

    failed = _return_and_resolve(channel_USD.slug, user_api_client, staff_with_orders, order, "REFUND")

    assert failed["errors"] == []
    assert failed["case"]["status"] == "RESOLUTION_FAILED"
    assert "payment app" in failed["case"]["failureMessage"]
    granted = order.granted_refunds.get()
    assert granted.status == "failure"
    assert list(granted.lines.values_list("quantity", flat=True)) == [1]
    assert order.fulfillments.filter(status=FulfillmentStatus.RETURNED).count() == 1

    case_id = failed["case"]["id"]
    credited = _data(
        _call(staff_with_orders, channel_USD.slug, RESOLVE, {"id": case_id, "resolution": "STORE_CREDIT"}),
        "caseResolve",
    )
    assert credited["case"]["status"] == "RESOLVED"
    refund = Decimal(credited["case"]["refund"]["amount"])
    card = GiftCard.objects.get()
    assert card.currency == order.currency
    assert card.initial_balance_amount == (refund * Decimal("1.10")).quantize(Decimal("0.01"))
    assert card.created_by_email == order.user_email
    # The return fulfilment was created once, even though resolve ran twice.
    assert order.fulfillments.filter(status=FulfillmentStatus.RETURNED).count() == 1
    assert order.granted_refunds.count() == 1


def test_guest_returns_with_the_order_email(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    draft_order.user = None
    draft_order.user_email = "guest@example.com"
    draft_order.save(update_fields=["user", "user_email"])
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)
    line = order.lines.order_by("created_at").first()
    request = {
        "order": graphene.Node.to_global_id("Order", order.pk),
        "lines": [{"lineId": graphene.Node.to_global_id("OrderLine", line.pk), "quantity": 1}],
        "reason": "changed_mind",
    }

    wrong = _call(
        api_client, channel_USD.slug, RETURN_REQUEST, {"input": {**request, "email": "other@example.com"}}
    )
    right = _call(
        api_client, channel_USD.slug, RETURN_REQUEST, {"input": {**request, "email": "guest@example.com"}}
    )

    assert wrong.json()["data"]["returnRequestCreate"]["errors"][0]["code"] == "NOT_FOUND"
    case = _data(right, "returnRequestCreate")["case"]
    assert case["status"] == "REQUESTED"
    assert Case.objects.get().customer_id is None


def test_order_placed_before_install_is_recorded_on_first_use(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    fulfilled_order: Any,
) -> None:
    assert not OrderRecord.objects.filter(order_id=fulfilled_order.pk).exists()
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    line = fulfilled_order.lines.order_by("created_at").first()
    request = {
        "order": graphene.Node.to_global_id("Order", fulfilled_order.pk),
        "lines": [{"lineId": graphene.Node.to_global_id("OrderLine", line.pk), "quantity": 1}],
        "reason": "defective",
    }

    response = _call(user_api_client, channel_USD.slug, RETURN_REQUEST, {"input": request})

    assert response.status_code == 200
    record = OrderRecord.objects.get(order_id=fulfilled_order.pk)
    assert record.lines.count() == fulfilled_order.lines.count()
    assert record.customer_id == graphene.Node.to_global_id("User", user_api_client.user.pk)


def _request_return(channel_slug: str, client: Any, order: Any, resolution: str | None = None) -> str:
    line = order.lines.order_by("created_at").first()
    request: dict[str, Any] = {
        "order": graphene.Node.to_global_id("Order", order.pk),
        "lines": [{"lineId": graphene.Node.to_global_id("OrderLine", line.pk), "quantity": 1}],
        "reason": "changed_mind",
    }
    if resolution:
        request["desiredResolution"] = resolution
    return _data(_call(client, channel_slug, RETURN_REQUEST, {"input": request}), "returnRequestCreate")[
        "case"
    ]["id"]


def test_cancelling_the_order_in_saleor_cancels_its_open_cases(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)
    _request_return(channel_USD.slug, user_api_client, order)
    for fulfillment in order.fulfillments.all():
        _saleor(
            staff_with_orders,
            FULFILMENT_CANCEL,
            {
                "id": graphene.Node.to_global_id("Fulfillment", fulfillment.pk),
                "warehouse": graphene.Node.to_global_id("Warehouse", warehouse.pk),
            },
            "orderFulfillmentCancel",
        )

    _saleor(
        staff_with_orders, ORDER_CANCEL, {"id": graphene.Node.to_global_id("Order", order.pk)}, "orderCancel"
    )

    case = Case.objects.get()
    assert case.status == "cancelled"
    assert case.events.order_by("-at").first().message == "The order was cancelled in Saleor."
    assert OrderRecord.objects.get(order_id=order.pk).cancelled_at is not None


def test_refunds_made_in_saleor_reduce_what_stays_refundable(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)

    _saleor(
        staff_with_orders,
        ORDER_REFUND,
        {"id": graphene.Node.to_global_id("Order", order.pk), "amount": "5.00"},
        "orderRefund",
    )

    record = OrderRecord.objects.get(order_id=order.pk)
    refunded = sorted(line.refunded_amount for line in record.lines.all())
    assert sum(refunded) == Decimal("5.00")
    assert all(line.refunded_amount <= line.paid_total for line in record.lines.all())
    # A replayed event records nothing more: the figures are Saleor's, not accumulated by the plugin.
    apply_order_event(str(order.pk), "refunded", "2026-01-01T00:00:00+00:00")
    assert sorted(line.refunded_amount for line in record.lines.all()) == refunded


def test_exchange_creates_a_replacement_draft_order_once(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)
    line = order.lines.order_by("created_at").first()
    case_id = _request_return(channel_USD.slug, user_api_client, order, "EXCHANGE")
    slug = channel_USD.slug
    _data(_call(staff_with_orders, slug, APPROVE, {"id": case_id}), "caseApprove")
    _data(_call(staff_with_orders, slug, RECEIVE, {"id": case_id}), "returnRequestMarkReceived")
    _data(
        _call(
            staff_with_orders,
            slug,
            INSPECT,
            {
                "id": case_id,
                "lines": [
                    {"lineId": graphene.Node.to_global_id("OrderLine", line.pk), "condition": "UNOPENED"}
                ],
            },
        ),
        "returnRequestInspect",
    )

    resolved = _data(
        _call(staff_with_orders, slug, RESOLVE, {"id": case_id, "resolution": "EXCHANGE"}), "caseResolve"
    )

    assert resolved["case"]["status"] == "RESOLVED"
    replacement = order.__class__.objects.get(original=order)
    assert replacement.status == OrderStatus.DRAFT
    assert [(item.variant_id, item.quantity) for item in replacement.lines.all()] == [(line.variant_id, 1)]
    assert order.fulfillments.filter(status=FulfillmentStatus.RETURNED).count() == 1
    assert order.events.filter(type="order_replacement_created").count() == 1


def test_policy_page_is_public_per_channel(
    aftersales_enabled: Any,
    staff_api_client: Any,
    api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
) -> None:
    _enable(staff_api_client, channel_USD, permission_manage_plugins)
    path = f"/plugins/channel/{channel_USD.slug}/{PLUGIN_ID}/policy/"

    page = api_client.get(path)
    document = api_client.get(path, {"format": "json"})
    legacy = api_client.get(f"/plugins/{PLUGIN_ID}/policy/")

    assert page.status_code == 200
    assert "30" in page.content.decode()
    assert document.status_code == 200
    assert document.json()
    assert legacy.status_code == 404


def test_app_tokens_need_manage_orders(
    aftersales_enabled: Any,
    staff_api_client: Any,
    app_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    permission_manage_orders: Any,
) -> None:
    _enable(staff_api_client, channel_USD, permission_manage_plugins)
    query = "{ afterSalesCases { totalCount } }"

    refused = _call(app_api_client, channel_USD.slug, query, {})
    app_api_client.app.permissions.add(permission_manage_orders)
    allowed = _call(app_api_client, channel_USD.slug, query, {})

    assert refused.status_code == 200
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert allowed.json()["data"] == {"afterSalesCases": {"totalCount": 0}}
    assert "errors" not in allowed.json()


class _PaymentApp(BaseHTTPRequestHandler):
    """A payment app's refund webhook: answers every refund request with REFUND_SUCCESS for the requested amount."""

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        amount = payload["action"]["value"]
        body = json.dumps(
            {"pspReference": f"psp-refund-{uuid.uuid4()}", "result": "REFUND_SUCCESS", "amount": amount}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def payment_app_url() -> Any:
    server = HTTPServer(("127.0.0.1", 0), _PaymentApp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/refund"
    server.shutdown()


def test_transactions_refund_requested_from_the_payment_app_completes_through_order_refunded(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
    app: Any,
    permission_manage_payments: Any,
    payment_app_url: str,
) -> None:
    from saleor.webhook.event_types import WebhookEventSyncType
    from saleor.webhook.models import Webhook

    aftersales_enabled.PLUGINS = [*aftersales_enabled.PLUGINS, "saleor.plugins.webhook.plugin.WebhookPlugin"]
    app.permissions.add(permission_manage_payments)
    channel_USD.order_mark_as_paid_strategy = MarkAsPaidStrategy.TRANSACTION_FLOW
    channel_USD.save(update_fields=["order_mark_as_paid_strategy"])
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)
    payment = order.payment_transactions.get()
    payment.app = app
    payment.app_identifier = app.identifier
    payment.save(update_fields=["app", "app_identifier"])
    webhook = Webhook.objects.create(name="refunds", app=app, target_url=payment_app_url)
    webhook.events.create(event_type=WebhookEventSyncType.TRANSACTION_REFUND_REQUESTED)

    result = _return_and_resolve(channel_USD.slug, user_api_client, staff_with_orders, order, "REFUND")

    assert result["errors"] == []
    # The answer is sent before the payment app's confirmation arrives (Saleor's order_refunded, after commit).
    assert result["case"]["status"] == "REFUND_PENDING", result["case"]["failureMessage"]
    refund = Decimal(result["case"]["refund"]["amount"])
    granted = order.granted_refunds.get()
    assert granted.status == "success"
    assert Case.objects.get().status == "resolved"
    assert granted.amount_value == refund
    payment.refresh_from_db()
    assert payment.refunded_value == refund
    case = Case.objects.get()
    issued = case.events.get(type="refund_issued")
    assert issued.payload["reference"] == f"granted-refund:{granted.pk}"
    assert issued.payload["amount"] == str(refund)
    assert (
        case.events.filter(type="refund_completed", payload__reference=issued.payload["reference"]).count()
        == 1
    )
    record = OrderRecord.objects.get(order_id=order.pk)
    assert sum(line.refunded_amount for line in record.lines.all()) == refund


def test_expired_and_revoked_tokens_get_a_json_401(
    aftersales_enabled: Any,
    staff_api_client: Any,
    user_api_client: Any,
    api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
) -> None:
    from saleor.core.jwt import JWT_ACCESS_TYPE, jwt_encode, jwt_user_payload

    _enable(staff_api_client, channel_USD, permission_manage_plugins)
    user = user_api_client.user
    expired = jwt_encode(jwt_user_payload(user, JWT_ACCESS_TYPE, timedelta(seconds=-60)))
    revoked = user_api_client.token or ""
    if not revoked:
        user_api_client.ensure_access_token()
        revoked = user_api_client.token
    user.jwt_token_key = "rotated"
    user.save(update_fields=["jwt_token_key"])

    for token in (expired, revoked):
        response = _call(
            api_client, channel_USD.slug, "{ __typename }", {}, HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 401, token
        assert response["Content-Type"] == "application/json"
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_staff_limited_to_other_channels_cannot_work_this_channels_cases(
    aftersales_enabled: Any,
    staff_api_client: Any,
    channel_USD: Any,
    channel_PLN: Any,
    permission_manage_plugins: Any,
    permission_manage_orders: Any,
) -> None:
    from saleor.account.models import Group

    _enable(staff_api_client, channel_USD, permission_manage_plugins)
    group = Group.objects.create(name="PLN orders", restricted_access_to_channels=True)
    group.permissions.add(permission_manage_orders)
    group.channels.add(channel_PLN)
    group.user_set.add(staff_api_client.user)

    response = _call(staff_api_client, channel_USD.slug, "{ afterSalesCases { totalCount } }", {})

    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PERMISSION_DENIED"
    assert channel_PLN.slug in error["message"]


def test_template_overrides_are_checked_on_save_and_used_for_the_channel(
    aftersales_enabled: Any,
    staff_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
) -> None:
    from saleor_aftersales_plugin.saleor_adapter import template_overrides

    bad = _enable(
        staff_api_client,
        channel_USD,
        permission_manage_plugins,
        templateOverrides=json.dumps({"en/no_such_event.subject": "x"}),
    )
    assert [e["field"] for e in bad["errors"]] == ["templateOverrides"]
    assert "no_such_event" in bad["errors"][0]["message"]

    overrides = {"en/approved.subject": "Return {{ case_number }} approved"}
    good = _enable(
        staff_api_client, channel_USD, permission_manage_plugins, templateOverrides=json.dumps(overrides)
    )

    assert good["errors"] == []
    assert template_overrides(channel_USD.slug) == overrides


def test_sender_and_staff_contacts_come_from_the_channels_configuration(
    aftersales_enabled: Any,
    staff_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
) -> None:
    from saleor_aftersales_plugin.saleor_adapter import channel_contacts

    result = _enable(
        staff_api_client,
        channel_USD,
        permission_manage_plugins,
        senderName="Main Store Care",
        senderAddress="care@store.example",
        staffNotificationEmails="desk@store.example, lead@store.example",
        escalationContacts="boss@store.example",
    )
    assert result["errors"] == []
    contacts = channel_contacts(channel_USD.slug)
    assert contacts.sender == "Main Store Care <care@store.example>"
    assert contacts.staff == ("desk@store.example", "lead@store.example")
    assert contacts.escalation == ("boss@store.example",)


def test_the_languages_setting_fills_a_policy_that_lists_none(
    aftersales_enabled: Any, staff_api_client: Any, channel_USD: Any, permission_manage_plugins: Any
) -> None:
    # The default policy has English texts only: adding Chinese asks for its texts, on the policy field.
    missing = _enable(
        staff_api_client,
        channel_USD,
        permission_manage_plugins,
        policy=DEFAULT_POLICY,
        languages="zh_Hans, en",
    )
    assert [e["field"] for e in missing["errors"]] == ["policy"]
    assert "zh_Hans" in missing["errors"][0]["message"]

    data, _ = load_source(DEFAULT_POLICY)
    data["texts"]["zh_Hans"] = {code: "请联系客服了解详情。" for code in data["texts"]["en"]}
    result = _enable(
        staff_api_client,
        channel_USD,
        permission_manage_plugins,
        policy=json.dumps(data),
        languages="zh_Hans, en",
    )
    assert result["errors"] == []
    latest = PolicyVersion.objects.filter(channel=channel_USD.slug).order_by("-version").first()
    assert latest.document["defaults"]["languages"] == ["zh_Hans", "en"]


def test_a_guest_with_the_email_of_a_registered_customers_order_is_refused(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    assert draft_order.user_id == user_api_client.user.pk  # order.user is set: a registered customer's order
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)
    line = order.lines.order_by("created_at").first()
    request = {
        "order": graphene.Node.to_global_id("Order", order.pk),
        "lines": [{"lineId": graphene.Node.to_global_id("OrderLine", line.pk), "quantity": 1}],
        "reason": "changed_mind",
        "idempotencyKey": "retry-1",
    }
    as_guest = _call(
        api_client, channel_USD.slug, RETURN_REQUEST, {"input": {**request, "email": order.user_email}}
    )
    assert as_guest.json()["data"]["returnRequestCreate"]["errors"][0]["code"] == "NOT_FOUND"
    assert order.user_email not in json.dumps(as_guest.json()["data"])
    assert not Case.objects.exists()

    mine = _data(
        _call(user_api_client, channel_USD.slug, RETURN_REQUEST, {"input": request}), "returnRequestCreate"
    )
    again = _data(
        _call(user_api_client, channel_USD.slug, RETURN_REQUEST, {"input": request}), "returnRequestCreate"
    )
    assert mine["case"]["id"] == again["case"]["id"]
    assert Case.objects.count() == 1


def test_the_endpoint_refuses_expensive_requests_before_running_them_and_answers_json(
    aftersales_enabled: Any,
    staff_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    api_client: Any,
) -> None:
    _enable(staff_api_client, channel_USD, permission_manage_plugins)
    aliases = " ".join(f"p{i}: afterSalesPolicy {{ version }}" for i in range(300))
    response = _call(api_client, channel_USD.slug, "{ " + aliases + " }", {})
    assert response.status_code == 400
    answer = response.json()
    assert answer["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert answer["errors"][0]["extensions"]["exception"]["code"] == "QueryCostError"
    assert answer["extensions"]["requestId"] == response["X-Request-Id"]

    deep = Client().post(
        _endpoint(channel_USD.slug),
        b'{"query": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        content_type="application/json",
    )
    assert deep.status_code == 400
    assert deep["Content-Type"] == "application/json"
    assert "nests too deeply" in deep.json()["errors"][0]["message"]
    assert deep.json()["extensions"]["requestId"] == deep["X-Request-Id"]


def test_saving_without_a_mail_backend_shows_a_delivery_warning(
    aftersales_enabled: Any, staff_api_client: Any, channel_USD: Any, permission_manage_plugins: Any
) -> None:
    def delivery_status(result: dict[str, Any]) -> str:
        (configuration,) = result["plugin"]["channelConfigurations"]
        return next(
            item["value"] for item in configuration["configuration"] if item["name"] == "deliveryStatus"
        )

    aftersales_enabled.EMAIL_BACKEND = ""  # what Saleor sets when EMAIL_URL is missing
    result = _enable(staff_api_client, channel_USD, permission_manage_plugins)
    assert result["errors"] == []
    assert delivery_status(result).startswith("Warning: No mail backend is configured (Saleor: set EMAIL_URL")

    aftersales_enabled.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = _enable(staff_api_client, channel_USD, permission_manage_plugins)
    assert delivery_status(result) == "OK: e-mails are delivered through Saleor's mail backend."


# --- Saleor is the ledger: refunds and returns made in Saleor bound what the plugin does

RESOLVE_WITH_AMOUNT = f"""mutation ($id: ID!, $resolution: AfterSalesResolution, $amount: Decimal, $reason: String) {{
  caseResolve(id: $id, resolution: $resolution, amount: $amount, reason: $reason) {{ {CASE_FIELDS} }} }}"""
ELIGIBILITY = """
query ($order: ID!, $lines: [LineQuantityInput!]) {
  returnEligibility(order: $order, lines: $lines) { lines { eligible reasons { code text } } }
}
"""
RETURN_PRODUCTS = """
mutation ($order: ID!, $input: OrderReturnProductsInput!) {
  orderFulfillmentReturnProducts(order: $order, input: $input) { errors { field code message } }
}
"""
GRANT_REFUND = """
mutation ($id: ID!, $input: OrderGrantRefundCreateInput!) {
  orderGrantRefundCreate(id: $id, input: $input) { errors { field code message } }
}
"""


def _inspected(channel_slug: str, customer: Any, staff: Any, order: Any) -> str:
    line = order.lines.order_by("created_at").first()
    case_id = _request_return(channel_slug, customer, order)
    _data(_call(staff, channel_slug, APPROVE, {"id": case_id}), "caseApprove")
    _data(_call(staff, channel_slug, RECEIVE, {"id": case_id}), "returnRequestMarkReceived")
    _data(
        _call(
            staff,
            channel_slug,
            INSPECT,
            {
                "id": case_id,
                "lines": [
                    {"lineId": graphene.Node.to_global_id("OrderLine", line.pk), "condition": "UNOPENED"}
                ],
            },
        ),
        "returnRequestInspect",
    )
    return case_id


def test_an_override_above_what_was_paid_is_refused_in_saleor(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)
    line = order.lines.order_by("created_at").first()
    case_id = _inspected(channel_USD.slug, user_api_client, staff_with_orders, order)
    variables = {"id": case_id, "resolution": "REFUND", "reason": "goodwill"}

    too_much = _call(
        staff_with_orders, channel_USD.slug, RESOLVE_WITH_AMOUNT, {**variables, "amount": "10000"}
    )
    not_a_number = _call(
        staff_with_orders, channel_USD.slug, RESOLVE_WITH_AMOUNT, {**variables, "amount": "NaN"}
    )

    error = too_much.json()["data"]["caseResolve"]["errors"][0]
    assert error["code"] == "REFUND_EXCEEDS_PAID" and error["field"] == "amount"
    assert f"at most {line.unit_price_gross_amount:.2f} USD" in error["message"]
    invalid = not_a_number.json()
    problems = invalid.get("errors") or invalid["data"]["caseResolve"]["errors"]
    assert problems and "amount" in json.dumps(problems).lower()
    assert order.payments.get().captured_amount == order.total_gross_amount
    assert Case.objects.get().status == "inspected"


def test_products_returned_by_staff_in_saleor_show_already_returned(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)
    line = order.lines.order_by("created_at").first()
    fline = order.fulfillments.get().lines.get(order_line=line)
    _saleor(
        staff_with_orders,
        RETURN_PRODUCTS,
        {
            "order": graphene.Node.to_global_id("Order", order.pk),
            "input": {
                "fulfillmentLines": [
                    {
                        "fulfillmentLineId": graphene.Node.to_global_id("FulfillmentLine", fline.pk),
                        "quantity": line.quantity,
                    }
                ],
                "refund": False,
            },
        },
        "orderFulfillmentReturnProducts",
    )
    request = {
        "order": graphene.Node.to_global_id("Order", order.pk),
        "lines": [{"lineId": graphene.Node.to_global_id("OrderLine", line.pk), "quantity": 1}],
        "reason": "changed_mind",
    }

    refused = _call(user_api_client, channel_USD.slug, RETURN_REQUEST, {"input": request})

    error = refused.json()["data"]["returnRequestCreate"]["errors"][0]
    assert error["message"].startswith(f"{line.product_name} cannot be returned: Already returned.")
    assert str(line.pk) not in error["message"]
    assert not Case.objects.exists()


def test_a_line_refund_granted_in_saleor_bounds_only_that_line(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    channel_USD.order_mark_as_paid_strategy = MarkAsPaidStrategy.TRANSACTION_FLOW
    channel_USD.save(update_fields=["order_mark_as_paid_strategy"])
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)
    first, second = order.lines.order_by("created_at")[:2]
    _saleor(
        staff_with_orders,
        GRANT_REFUND,
        {
            "id": graphene.Node.to_global_id("Order", order.pk),
            "input": {
                "lines": [
                    {"id": graphene.Node.to_global_id("OrderLine", first.pk), "quantity": first.quantity}
                ],
                "reason": "damaged in transit",
                "transactionId": graphene.Node.to_global_id(
                    "TransactionItem", order.payment_transactions.get().token
                ),
            },
        },
        "orderGrantRefundCreate",
    )
    figures = balances(OrderRecord.objects.get(order_id=order.pk), SaleorHost())

    assert figures[str(first.pk)].refundable == 0
    assert figures[str(second.pk)].refunded == 0
    assert figures[str(second.pk)].refundable == second.total_price_gross_amount
    request = {
        "order": graphene.Node.to_global_id("Order", order.pk),
        "lines": [{"lineId": graphene.Node.to_global_id("OrderLine", first.pk), "quantity": 1}],
        "reason": "changed_mind",
    }
    refused = _call(user_api_client, channel_USD.slug, RETURN_REQUEST, {"input": request})
    assert refused.json()["data"]["returnRequestCreate"]["errors"][0]["message"] == (
        f"{first.product_name} cannot be returned: Already refunded."
    )
