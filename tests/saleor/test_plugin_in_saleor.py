"""The plugin inside a real Saleor: configuration through pluginUpdate, hooks, the endpoint and Saleor's money actions.

Everything goes through Saleor's GraphQL API (its test ApiClient) and the plugin's endpoint
``/plugins/channel/<slug>/saleor.aftersales/graphql/``; Saleor's own tables are then checked.
"""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from saleor.channel import MarkAsPaidStrategy
from saleor.giftcard.models import GiftCard
from saleor.order import FulfillmentStatus, OrderStatus
from saleor.plugins.models import PluginConfiguration
from saleor_steps import (
    GRANT_REFUND,
    RESOLVE,
    RESOLVE_WITH_AMOUNT,
    RETURN_REQUEST,
    Shop,
    enable_plugin,
    gid,
    inspect_case,
    inspected,
    ledger_figures,
    payload_of,
    plugin_call,
    plugin_endpoint,
    refund_order,
    request_return,
    return_and_resolve,
    return_input,
    return_products,
    saleor_call,
    transactions_order,
)

from saleor_aftersales_plugin.config import DEFAULT_POLICY
from saleor_aftersales_plugin.constants import PLUGIN_ID
from saleor_aftersales_plugin.models import Case, OrderRecord, PolicyVersion
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.saleor.events import apply_order_event
from saleor_aftersales_plugin.saleor.host import SaleorHost

pytestmark = pytest.mark.django_db

FULFILMENT_CANCEL = """
mutation ($id: ID!, $warehouse: ID) {
  orderFulfillmentCancel(id: $id, input: {warehouseId: $warehouse}) { errors { field code message } }
}
"""
ORDER_CANCEL = (
    "mutation ($id: ID!) { orderCancel(id: $id) { order { status } errors { field code message } } }"
)
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


def test_plugin_tables_are_migrated_with_saleor() -> None:
    tables = connection.introspection.table_names()
    assert "saleor_aftersales_plugin_case" in tables
    assert "order_order" in tables


def test_plugin_update_rejects_a_bad_policy_with_every_error_on_the_field(
    configure: Any, channel_USD: Any
) -> None:
    result = configure(policy=BAD_POLICY)

    (error,) = result["errors"]
    assert error["field"] == "policy"
    assert error["code"] == "INVALID"
    message = error["message"]
    assert "$.defaults.window.days" in message
    assert "$.defaults.resolutions[1]" in message
    assert "no_such_variable" in message
    assert PolicyVersion.objects.filter(channel=channel_USD.slug).count() == 0


def test_plugin_update_publishes_a_valid_policy_once_and_fills_the_channel_currency(
    configure: Any, channel_USD: Any
) -> None:
    result = configure(policy=DEFAULT_POLICY)
    assert result["errors"] == []
    (configuration,) = result["plugin"]["channelConfigurations"]
    assert configuration["active"] is True
    versions = PolicyVersion.objects.filter(channel=channel_USD.slug)
    assert [v.version for v in versions] == [1]
    assert versions[0].document["defaults"]["currency"] == channel_USD.currency_code
    assert versions[0].created_by == "dashboard"

    again = configure(policy=DEFAULT_POLICY)
    assert again["errors"] == []
    assert PolicyVersion.objects.filter(channel=channel_USD.slug).count() == 1

    changed = DEFAULT_POLICY.replace("days: 7,", "days: 14,")
    configure(policy=changed)
    assert sorted(
        PolicyVersion.objects.filter(channel=channel_USD.slug).values_list("version", flat=True)
    ) == [1, 2]

    # The Dashboard's customer-favourable switch is part of the published policy: a new version says so.
    configure(policy=changed, customerFavourable=True)
    latest = PolicyVersion.objects.filter(channel=channel_USD.slug).order_by("-version").first()
    assert latest.version == 3 and latest.document["defaults"]["customer_favourable"] is True


def test_plugin_update_refuses_a_fee_without_an_amount_in_the_channel_currency(
    configure: Any, channel_USD: Any
) -> None:
    label = "      - {name: charge_return_shipping, params: {amount: {JPY: '800'}}}\n"
    policy = DEFAULT_POLICY.replace("      - {name: deny, params: {reason: gift_card}}\n", label)
    result = configure(policy=policy)
    (error,) = result["errors"]
    assert error["field"] == "policy"
    assert (
        "$.rules[1].actions[0].params.amount: charge_return_shipping.amount gives JPY but not USD, the currency of "
        "defaults.currency that this channel's orders are in; amounts are never converted: add one, e.g. "
        "{JPY: '800', USD: '800.00'}." in error["message"]
    )
    wrong_currency = configure(
        policy=DEFAULT_POLICY.replace("defaults:\n", "defaults:\n  currency: JPY\n"),
    )
    assert (
        f"defaults.currency is JPY, but channel '{channel_USD.slug}' sells in USD"
        in wrong_currency["errors"][0]["message"]
    )
    assert PolicyVersion.objects.filter(channel=channel_USD.slug).count() == 0


def test_plugin_update_rejects_bad_settings_on_their_fields(configure: Any) -> None:
    result = configure(
        staffNotificationEmails="care@shop.example, not-an-address",
        templateOverrides="{not json",
    )
    fields = {error["field"]: error["message"] for error in result["errors"]}
    assert set(fields) == {"staffNotificationEmails", "templateOverrides"}
    assert "not-an-address" in fields["staffNotificationEmails"]


def test_statutory_minimums_setting_refuses_a_policy_below_the_law_and_names_the_source(
    configure: Any, channel_USD: Any
) -> None:
    german = DEFAULT_POLICY.replace("  eligible: true\n", "  eligible: true\n  country: DE\n")
    refused = configure(policy=german, statutoryMinimums="refuse")
    (error,) = refused["errors"]
    assert error["field"] == "policy" and error["code"] == "INVALID"
    assert error["message"].startswith(
        "The channel refuses policies below the statutory minimums (statutoryMinimums: refuse); 1 problem(s):\n"
        "$.defaults.window: [below_statutory_minimum] For orders delivered to DE, a return without a reason gets "
        "7 calendar days from delivery"
    )
    assert "Directive 2011/83/EU on consumer rights, Article 9" in error["message"]
    assert PolicyVersion.objects.filter(channel=channel_USD.slug).count() == 0

    typo = configure(policy=german, statutoryMinimums="refuse!")
    assert [(e["field"], e["code"]) for e in typo["errors"]] == [("statutoryMinimums", "INVALID")]
    assert "write 'warn' (publish and warn) or 'refuse'" in typo["errors"][0]["message"]

    warned = configure(policy=german, statutoryMinimums="warn")
    assert warned["errors"] == []
    assert PolicyVersion.objects.get(channel=channel_USD.slug).document["defaults"]["country"] == "DE"
    fourteen = german.replace("days: 7,", "days: 14,")
    accepted = configure(policy=fourteen, statutoryMinimums="refuse")
    assert accepted["errors"] == []
    assert PolicyVersion.objects.filter(channel=channel_USD.slug).count() == 2


def test_endpoint_is_404_where_the_plugin_is_inactive(
    configure: Any, staff_api_client: Any, channel_USD: Any, channel_PLN: Any
) -> None:
    configure()
    PluginConfiguration.objects.create(
        identifier=PLUGIN_ID, channel=channel_PLN, active=False, configuration=[]
    )

    inactive = plugin_call(staff_api_client, channel_PLN.slug, "{ __typename }", {})
    active = plugin_call(staff_api_client, channel_USD.slug, "{ __typename }", {})

    assert inactive.status_code == 404
    assert active.status_code == 200
    assert active.json()["data"] == {"__typename": "Query"}


def test_tampered_token_gets_a_json_401(
    configure: Any, staff_api_client: Any, channel_USD: Any, api_client: Any
) -> None:
    configure()
    header, payload, signature = staff_api_client.token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"

    response = plugin_call(
        api_client, channel_USD.slug, "{ __typename }", {}, HTTP_AUTHORIZATION=f"Bearer {tampered}"
    )

    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# --- an order's life: placed, paid and fulfilled in Saleor, returned through the plugin


def test_customer_return_refunded_to_the_legacy_payment(shop: Shop) -> None:
    shop.enable()
    assert shop.draft_order.user_id == shop.customer.user.pk
    order = shop.place_order()
    record = OrderRecord.objects.get(order_id=order.pk)
    assert record.policy_version is not None and record.paid_at is not None
    assert all(line.fulfilled_at is not None for line in record.lines.all())

    result = return_and_resolve(shop.slug, shop.customer, shop.staff, order, "REFUND")

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
    shop: Shop,
) -> None:
    shop.channel.order_mark_as_paid_strategy = MarkAsPaidStrategy.TRANSACTION_FLOW
    shop.channel.save(update_fields=["order_mark_as_paid_strategy"])
    policy = DEFAULT_POLICY.replace("store_credit_bonus: 0", "store_credit_bonus: 10")
    shop.enable(policy=policy)
    order = shop.place_order()
    assert order.payment_transactions.count() == 1

    failed = return_and_resolve(shop.slug, shop.customer, shop.staff, order, "REFUND")

    assert failed["errors"] == []
    assert failed["case"]["status"] == "RESOLUTION_FAILED"
    assert "payment app" in failed["case"]["failureMessage"]
    granted = order.granted_refunds.get()
    assert granted.status == "failure"
    assert list(granted.lines.values_list("quantity", flat=True)) == [1]
    assert order.fulfillments.filter(status=FulfillmentStatus.RETURNED).count() == 1

    case_id = failed["case"]["id"]
    credited = payload_of(
        shop.staff_call(RESOLVE, {"id": case_id, "resolution": "STORE_CREDIT"}),
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


def test_guest_returns_with_the_order_email(shop: Shop, api_client: Any) -> None:
    shop.draft_order.user = None
    shop.draft_order.user_email = "guest@example.com"
    shop.draft_order.save(update_fields=["user", "user_email"])
    shop.enable()
    order = shop.place_order()
    line = order.lines.order_by("created_at").first()
    request = return_input(order, line)

    wrong = plugin_call(
        api_client, shop.slug, RETURN_REQUEST, {"input": {**request, "email": "other@example.com"}}
    )
    right = plugin_call(
        api_client, shop.slug, RETURN_REQUEST, {"input": {**request, "email": "guest@example.com"}}
    )

    assert wrong.json()["data"]["returnRequestCreate"]["errors"][0]["code"] == "NOT_FOUND"
    case = payload_of(right, "returnRequestCreate")["case"]
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
    enable_plugin(staff_with_orders, channel_USD, permission_manage_plugins)
    line = fulfilled_order.lines.order_by("created_at").first()
    request = return_input(fulfilled_order, line, reason="defective")

    response = plugin_call(user_api_client, channel_USD.slug, RETURN_REQUEST, {"input": request})

    assert response.status_code == 200
    record = OrderRecord.objects.get(order_id=fulfilled_order.pk)
    assert record.lines.count() == fulfilled_order.lines.count()
    assert record.customer_id == gid("User", user_api_client.user.pk)


def test_cancelling_the_order_in_saleor_cancels_its_open_cases(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()
    request_return(shop.slug, shop.customer, order)
    for fulfillment in order.fulfillments.all():
        saleor_call(
            shop.staff,
            FULFILMENT_CANCEL,
            {
                "id": gid("Fulfillment", fulfillment.pk),
                "warehouse": gid("Warehouse", shop.warehouse.pk),
            },
            "orderFulfillmentCancel",
        )

    saleor_call(shop.staff, ORDER_CANCEL, {"id": gid("Order", order.pk)}, "orderCancel")

    case = Case.objects.get()
    assert case.status == "cancelled"
    assert case.events.order_by("-at").first().message == "The order was cancelled in Saleor."
    assert OrderRecord.objects.get(order_id=order.pk).cancelled_at is not None


def test_refunds_made_in_saleor_reduce_what_stays_refundable(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()

    refund_order(shop.staff, order, "5.00")

    record = OrderRecord.objects.get(order_id=order.pk)
    refunded = sorted(line.refunded_amount for line in record.lines.all())
    assert sum(refunded) == Decimal("5.00")
    assert all(line.refunded_amount <= line.paid_total for line in record.lines.all())
    # A replayed event records nothing more: the figures are Saleor's, not accumulated by the plugin.
    apply_order_event(str(order.pk), "refunded", "2026-01-01T00:00:00+00:00")
    assert sorted(line.refunded_amount for line in record.lines.all()) == refunded


def test_exchange_creates_a_replacement_draft_order_once(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()
    line = order.lines.order_by("created_at").first()
    case_id = request_return(shop.slug, shop.customer, order, "EXCHANGE")
    slug = shop.slug
    inspect_case(shop.staff, slug, case_id, line)

    resolved = payload_of(
        plugin_call(shop.staff, slug, RESOLVE, {"id": case_id, "resolution": "EXCHANGE"}),
        "caseResolve",
    )

    assert resolved["case"]["status"] == "RESOLVED"
    replacement = order.__class__.objects.get(original=order)
    assert replacement.status == OrderStatus.DRAFT
    assert [(item.variant_id, item.quantity) for item in replacement.lines.all()] == [(line.variant_id, 1)]
    assert order.fulfillments.filter(status=FulfillmentStatus.RETURNED).count() == 1
    assert order.events.filter(type="order_replacement_created").count() == 1


def test_policy_page_is_public_per_channel(configure: Any, api_client: Any, channel_USD: Any) -> None:
    configure()
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
    configure: Any, app_api_client: Any, channel_USD: Any, permission_manage_orders: Any
) -> None:
    configure()
    query = "{ afterSalesCases { totalCount } }"

    refused = plugin_call(app_api_client, channel_USD.slug, query, {})
    app_api_client.app.permissions.add(permission_manage_orders)
    allowed = plugin_call(app_api_client, channel_USD.slug, query, {})

    assert refused.status_code == 200
    assert refused.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    assert allowed.json()["data"] == {"afterSalesCases": {"totalCount": 0}}
    assert "errors" not in allowed.json()


def test_transactions_refund_requested_from_the_payment_app_completes_through_order_refunded(
    shop: Shop, app: Any, permission_manage_payments: Any, payment_app_url: str
) -> None:
    shop.enable()
    order = transactions_order(
        shop.settings, shop.staff, shop.channel, app, permission_manage_payments, payment_app_url,
        shop.draft_order, shop.warehouse,
    )  # fmt: skip
    payment = order.payment_transactions.get()

    result = return_and_resolve(shop.slug, shop.customer, shop.staff, order, "REFUND")

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
    configure: Any, user_api_client: Any, api_client: Any, channel_USD: Any
) -> None:
    from saleor.core.jwt import JWT_ACCESS_TYPE, jwt_encode, jwt_user_payload

    configure()
    user = user_api_client.user
    expired = jwt_encode(jwt_user_payload(user, JWT_ACCESS_TYPE, timedelta(seconds=-60)))
    revoked = user_api_client.token or ""
    if not revoked:
        user_api_client.ensure_access_token()
        revoked = user_api_client.token
    user.jwt_token_key = "rotated"
    user.save(update_fields=["jwt_token_key"])

    for token in (expired, revoked):
        response = plugin_call(
            api_client, channel_USD.slug, "{ __typename }", {}, HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        assert response.status_code == 401, token
        assert response["Content-Type"] == "application/json"
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_staff_limited_to_other_channels_cannot_work_this_channels_cases(
    configure: Any, staff_api_client: Any, channel_USD: Any, channel_PLN: Any, permission_manage_orders: Any
) -> None:
    from saleor.account.models import Group

    configure()
    group = Group.objects.create(name="PLN orders", restricted_access_to_channels=True)
    group.permissions.add(permission_manage_orders)
    group.channels.add(channel_PLN)
    group.user_set.add(staff_api_client.user)

    response = plugin_call(staff_api_client, channel_USD.slug, "{ afterSalesCases { totalCount } }", {})

    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "PERMISSION_DENIED"
    assert channel_PLN.slug in error["message"]


def test_template_overrides_are_checked_on_save_and_used_for_the_channel(
    configure: Any, channel_USD: Any
) -> None:
    bad = configure(
        templateOverrides=json.dumps({"en/no_such_event.subject": "x"}),
    )
    assert [e["field"] for e in bad["errors"]] == ["templateOverrides"]
    assert "no_such_event" in bad["errors"][0]["message"]

    overrides = {"en/approved.subject": "Return {{ case_number }} approved"}
    good = configure(templateOverrides=json.dumps(overrides))

    assert good["errors"] == []
    assert SaleorHost().template_overrides(channel_USD.slug) == overrides


def test_sender_and_staff_contacts_come_from_the_channels_configuration(
    configure: Any, channel_USD: Any
) -> None:
    result = configure(
        senderName="Main Store Care",
        senderAddress="care@store.example",
        staffNotificationEmails="desk@store.example, lead@store.example",
        escalationContacts="boss@store.example",
    )
    assert result["errors"] == []
    contacts = SaleorHost().channel_contacts(channel_USD.slug)
    assert contacts.sender == "Main Store Care <care@store.example>"
    assert contacts.staff == ("desk@store.example", "lead@store.example")
    assert contacts.escalation == ("boss@store.example",)


def test_the_languages_setting_fills_a_policy_that_lists_none(configure: Any, channel_USD: Any) -> None:
    # The default policy has English texts only: adding Chinese asks for its texts, on the policy field.
    missing = configure(
        policy=DEFAULT_POLICY,
        languages="zh_Hans, en",
    )
    assert [e["field"] for e in missing["errors"]] == ["policy"]
    assert "zh_Hans" in missing["errors"][0]["message"]

    data, _ = load_source(DEFAULT_POLICY)
    data["texts"]["zh_Hans"] = {code: "请联系客服了解详情。" for code in data["texts"]["en"]}
    result = configure(
        policy=json.dumps(data),
        languages="zh_Hans, en",
    )
    assert result["errors"] == []
    latest = PolicyVersion.objects.filter(channel=channel_USD.slug).order_by("-version").first()
    assert latest.document["defaults"]["languages"] == ["zh_Hans", "en"]


def test_a_guest_with_the_email_of_a_registered_customers_order_is_refused(
    shop: Shop, api_client: Any
) -> None:
    shop.enable()
    assert (
        shop.draft_order.user_id == shop.customer.user.pk
    )  # order.user is set: a registered customer's order
    order = shop.place_order()
    line = order.lines.order_by("created_at").first()
    request = return_input(order, line, idempotencyKey="retry-1")
    as_guest = plugin_call(
        api_client, shop.slug, RETURN_REQUEST, {"input": {**request, "email": order.user_email}}
    )
    assert as_guest.json()["data"]["returnRequestCreate"]["errors"][0]["code"] == "NOT_FOUND"
    assert order.user_email not in json.dumps(as_guest.json()["data"])
    assert not Case.objects.exists()

    mine = payload_of(
        shop.customer_call(RETURN_REQUEST, {"input": request}),
        "returnRequestCreate",
    )
    again = payload_of(
        shop.customer_call(RETURN_REQUEST, {"input": request}),
        "returnRequestCreate",
    )
    assert mine["case"]["id"] == again["case"]["id"]
    assert Case.objects.count() == 1


def test_the_endpoint_refuses_expensive_requests_before_running_them_and_answers_json(
    configure: Any, channel_USD: Any, api_client: Any
) -> None:
    configure()
    aliases = " ".join(f"p{i}: afterSalesPolicy {{ version }}" for i in range(300))
    response = plugin_call(api_client, channel_USD.slug, "{ " + aliases + " }", {})
    assert response.status_code == 400
    answer = response.json()
    assert answer["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert answer["errors"][0]["extensions"]["exception"]["code"] == "QueryCostError"
    assert answer["extensions"]["requestId"] == response["X-Request-Id"]

    deep = Client().post(
        plugin_endpoint(channel_USD.slug),
        b'{"query": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
        content_type="application/json",
    )
    assert deep.status_code == 400
    assert deep["Content-Type"] == "application/json"
    assert "nests too deeply" in deep.json()["errors"][0]["message"]
    assert deep.json()["extensions"]["requestId"] == deep["X-Request-Id"]


def test_saving_without_a_mail_backend_shows_a_delivery_warning(
    configure: Any, aftersales_enabled: Any
) -> None:
    def delivery_status(result: dict[str, Any]) -> str:
        (configuration,) = result["plugin"]["channelConfigurations"]
        return next(
            item["value"] for item in configuration["configuration"] if item["name"] == "deliveryStatus"
        )

    aftersales_enabled.EMAIL_BACKEND = ""  # what Saleor sets when EMAIL_URL is missing
    result = configure()
    assert result["errors"] == []
    assert delivery_status(result).startswith("Warning: No mail backend is configured (Saleor: set EMAIL_URL")

    aftersales_enabled.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = configure()
    assert delivery_status(result) == "OK: e-mails are delivered through Saleor's mail backend."


# --- Saleor is the ledger: refunds and returns made in Saleor bound what the plugin does


def test_an_override_above_what_was_paid_is_refused_in_saleor(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()
    line = order.lines.order_by("created_at").first()
    case_id = inspected(shop.slug, shop.customer, shop.staff, order)
    variables = {"id": case_id, "resolution": "REFUND", "reason": "goodwill"}

    too_much = shop.staff_call(RESOLVE_WITH_AMOUNT, {**variables, "amount": "10000"})
    not_a_number = shop.staff_call(RESOLVE_WITH_AMOUNT, {**variables, "amount": "NaN"})

    error = too_much.json()["data"]["caseResolve"]["errors"][0]
    assert error["code"] == "REFUND_EXCEEDS_PAID" and error["field"] == "amount"
    assert f"at most {line.unit_price_gross_amount:.2f} USD" in error["message"]
    invalid = not_a_number.json()
    problems = invalid.get("errors") or invalid["data"]["caseResolve"]["errors"]
    assert problems and "amount" in json.dumps(problems).lower()
    assert order.payments.get().captured_amount == order.total_gross_amount
    assert Case.objects.get().status == "inspected"


def test_products_returned_by_staff_in_saleor_show_already_returned(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()
    line = order.lines.order_by("created_at").first()
    return_products(shop.staff, order, order.fulfillments.get().lines.get(order_line=line), line.quantity)
    request = return_input(order, line)

    refused = shop.customer_call(RETURN_REQUEST, {"input": request})

    error = refused.json()["data"]["returnRequestCreate"]["errors"][0]
    assert error["message"].startswith(f"{line.product_name} cannot be returned: Already returned.")
    assert str(line.pk) not in error["message"]
    assert not Case.objects.exists()


def test_a_line_refund_granted_in_saleor_bounds_only_that_line(shop: Shop) -> None:
    shop.channel.order_mark_as_paid_strategy = MarkAsPaidStrategy.TRANSACTION_FLOW
    shop.channel.save(update_fields=["order_mark_as_paid_strategy"])
    shop.enable()
    order = shop.place_order()
    first, second = order.lines.order_by("created_at")[:2]
    saleor_call(
        shop.staff,
        GRANT_REFUND,
        {
            "id": gid("Order", order.pk),
            "input": {
                "lines": [{"id": gid("OrderLine", first.pk), "quantity": first.quantity}],
                "reason": "damaged in transit",
                "transactionId": gid("TransactionItem", order.payment_transactions.get().token),
            },
        },
        "orderGrantRefundCreate",
    )
    line_figures = ledger_figures(order)

    assert line_figures[str(first.pk)].refundable == 0
    assert line_figures[str(second.pk)].refunded == 0
    assert line_figures[str(second.pk)].refundable == second.total_price_gross_amount
    request = return_input(order, first)
    refused = shop.customer_call(RETURN_REQUEST, {"input": request})
    assert refused.json()["data"]["returnRequestCreate"]["errors"][0]["message"] == (
        f"{first.product_name} cannot be returned: Already refunded."
    )
