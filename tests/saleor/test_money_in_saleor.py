"""Money inside a real Saleor: what the plugin refunds is bounded by Saleor's own record, and says REFUNDED only
when Saleor confirms it.

Orders are placed through Saleor's API (draft orders, and a checkout paid through Saleor's dummy gateway), paid,
fulfilled (in parts, in several fulfilments, waiting for approval), refunded and returned in Saleor; cases go through
the plugin's endpoint. What is asserted is what staff would check in Saleor: payments, granted refunds, fulfilments.
"""

import contextlib
import json
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import graphene
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from ledger_machine import LedgerWorld, ledger_machine
from saleor.channel import MarkAsPaidStrategy
from saleor.checkout import calculations
from saleor.checkout.fetch import fetch_checkout_info, fetch_checkout_lines
from saleor.order import FulfillmentStatus
from saleor.order.models import Order, OrderGrantedRefundLine
from saleor.page.models import Page, PageType
from saleor.payment import ChargeStatus
from saleor.plugins.manager import get_plugins_manager
from saleor.warehouse.models import Stock
from saleor.webhook.event_types import WebhookEventSyncType
from saleor.webhook.models import Webhook
from test_plugin_in_saleor import (
    APPROVE,
    DRAFT_ORDER_COMPLETE,
    INSPECT,
    MARK_AS_PAID,
    ORDER_FULFILL,
    RECEIVE,
    RESOLVE,
    RESOLVE_WITH_AMOUNT,
    RETURN_REQUEST,
    _call,
    _data,
    _enable,
    _inspected,
    _place_paid_fulfilled_order,
    _saleor,
    payment_app_url,
    staff_with_orders,
)

from saleor_aftersales_plugin.models import Case, OrderRecord, OutboxMessage
from saleor_aftersales_plugin.plugin import DEFAULT_POLICY
from saleor_aftersales_plugin.saleor_adapter import SaleorHost, apply_order_event
from saleor_aftersales_plugin.services.ledger import balances
from saleor_aftersales_plugin.tasks import reconcile_refunds

pytestmark = pytest.mark.django_db
__all__ = [
    "payment_app_url",
    "staff_with_orders",
]  # fixtures shared with the plugin's other Saleor-tier tests

DUMMY_GATEWAY = "saleor.payment.gateways.dummy.plugin.DeprecatedDummyGatewayPlugin"
WEBHOOKS = "saleor.plugins.webhook.plugin.WebhookPlugin"
POLICY_WITH_KEEP_ITEM = DEFAULT_POLICY.replace(
    "resolutions: [refund, store_credit, exchange]",
    "resolutions: [refund, store_credit, exchange, keep_item]",
)
ELIGIBILITY = """
query ($order: ID!, $lines: [LineQuantityInput!]) {
  returnEligibility(order: $order, lines: $lines) { lines { lineId eligible reasons { code text } } }
}
"""
CHECKOUT_PAYMENT_CREATE = """
mutation ($id: ID!, $input: PaymentInput!) {
  checkoutPaymentCreate(id: $id, input: $input) { payment { id } errors { field code message } }
}
"""
CHECKOUT_COMPLETE = """
mutation ($id: ID!) { checkoutComplete(id: $id) { order { id } errors { field code message } } }
"""
FULFILMENT_APPROVE = """
mutation ($id: ID!) { orderFulfillmentApprove(id: $id, notifyCustomer: false) { errors { field code message } } }
"""
REPAIR_REQUEST = """
mutation ($input: RepairRequestCreateInput!) {
  repairRequestCreate(input: $input) { case { id status kind } errors { field code message } }
}
"""
REPAIR_STATUS = """
mutation ($id: ID!, $status: AfterSalesCaseStatus!) {
  repairStatusUpdate(id: $id, status: $status) { case { id status } errors { field code message } }
}
"""
COMPLAINT = """
mutation ($input: ComplaintCreateInput!) {
  complaintCreate(input: $input) { case { id status kind } errors { field code message } }
}
"""
CASE_REPLY = """
mutation ($id: ID!, $message: String!) {
  caseReply(id: $id, message: $message) { case { id status } errors { field code message } }
}
"""
RESOLVE_COMPLAINT = """
mutation ($id: ID!, $amount: Decimal, $reason: String) {
  caseResolve(id: $id, amount: $amount, reason: $reason) { case { id status } errors { field code message } }
}
"""


def gid(kind: str, pk: Any) -> str:
    return graphene.Node.to_global_id(kind, pk)


def _paid(staff: Any, order: Any) -> Any:
    completed = _saleor(staff, DRAFT_ORDER_COMPLETE, {"id": gid("Order", order.pk)}, "draftOrderComplete")
    assert completed["order"]["status"] == "UNFULFILLED"
    _saleor(staff, MARK_AS_PAID, {"id": gid("Order", order.pk)}, "orderMarkAsPaid")
    order.refresh_from_db()
    return order


def _fulfil(staff: Any, order: Any, warehouse: Any, units: dict[Any, int]) -> dict[str, Any]:
    lines = [
        {
            "orderLineId": gid("OrderLine", line.pk),
            "stocks": [{"quantity": quantity, "warehouse": gid("Warehouse", warehouse.pk)}],
        }
        for line, quantity in units.items()
    ]
    return _saleor(
        staff,
        ORDER_FULFILL,
        {"order": gid("Order", order.pk), "input": {"lines": lines, "notifyCustomer": False}},
        "orderFulfill",
    )


def _eligibility(client: Any, channel_slug: str, order: Any, line: Any, quantity: int) -> dict[str, Any]:
    answer = _data(
        _call(
            client,
            channel_slug,
            ELIGIBILITY,
            {
                "order": gid("Order", order.pk),
                "lines": [{"lineId": gid("OrderLine", line.pk), "quantity": quantity}],
            },
        ),
        "returnEligibility",
    )
    return answer["lines"][0]


def _request(client: Any, channel_slug: str, order: Any, line: Any, quantity: int, **extra: Any) -> Any:
    request = {
        "order": gid("Order", order.pk),
        "lines": [{"lineId": gid("OrderLine", line.pk), "quantity": quantity}],
        "reason": "changed_mind",
        **extra,
    }
    return _call(client, channel_slug, RETURN_REQUEST, {"input": request})


def _to_inspected(staff: Any, channel_slug: str, case_id: str, line: Any) -> None:
    _data(_call(staff, channel_slug, APPROVE, {"id": case_id}), "caseApprove")
    _data(_call(staff, channel_slug, RECEIVE, {"id": case_id}), "returnRequestMarkReceived")
    inspected = _data(
        _call(
            staff,
            channel_slug,
            INSPECT,
            {"id": case_id, "lines": [{"lineId": gid("OrderLine", line.pk), "condition": "UNOPENED"}]},
        ),
        "returnRequestInspect",
    )
    assert inspected["case"]["status"] == "INSPECTED"


def _figures(order: Any) -> dict[str, Any]:
    return balances(OrderRecord.objects.get(order_id=order.pk), SaleorHost())


# --- a checkout paid through Saleor's dummy gateway


def test_a_checkout_paid_with_the_dummy_gateway_is_refunded_through_it(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    checkout_ready_to_complete: Any,
    warehouse: Any,
) -> None:
    aftersales_enabled.PLUGINS = [*aftersales_enabled.PLUGINS, DUMMY_GATEWAY]
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    checkout = checkout_ready_to_complete
    checkout.user = user_api_client.user
    checkout.email = user_api_client.user.email
    checkout.save(update_fields=["user", "email"])
    checkout_id = gid("Checkout", checkout.pk)
    manager = get_plugins_manager(allow_replica=False)
    lines, _ = fetch_checkout_lines(checkout)
    total = calculations.calculate_checkout_total_with_gift_cards(
        manager, fetch_checkout_info(checkout, lines, manager), lines
    ).gross.amount
    _saleor(
        user_api_client,
        CHECKOUT_PAYMENT_CREATE,
        {
            "id": checkout_id,
            "input": {"gateway": "mirumee.payments.dummy", "token": "fully-charged", "amount": str(total)},
        },
        "checkoutPaymentCreate",
    )
    completed = _saleor(user_api_client, CHECKOUT_COMPLETE, {"id": checkout_id}, "checkoutComplete")
    order = Order.objects.get(pk=graphene.Node.from_global_id(completed["order"]["id"])[1])
    payment = order.payments.get()
    assert payment.gateway == "mirumee.payments.dummy" and payment.captured_amount == order.total_gross_amount
    line = order.lines.get()
    _fulfil(staff_with_orders, order, warehouse, {line: line.quantity})

    case_id = _data(_request(user_api_client, channel_USD.slug, order, line, 1), "returnRequestCreate")[
        "case"
    ]["id"]
    _to_inspected(staff_with_orders, channel_USD.slug, case_id, line)
    resolved = _data(
        _call(staff_with_orders, channel_USD.slug, RESOLVE, {"id": case_id, "resolution": "REFUND"}),
        "caseResolve",
    )

    refund = Decimal(resolved["case"]["refund"]["amount"])
    assert resolved["case"]["status"] == "RESOLVED"
    assert refund == line.unit_price_gross_amount
    payment.refresh_from_db()
    assert payment.captured_amount == order.total_gross_amount - refund
    assert payment.charge_status == ChargeStatus.PARTIALLY_REFUNDED
    refunds = payment.transactions.filter(kind="refund", is_success=True)
    assert [t.amount for t in refunds] == [refund]
    returned = order.fulfillments.get(status=FulfillmentStatus.REFUNDED_AND_RETURNED)
    assert sum(fline.quantity for fline in returned.lines.all()) == 1
    figures = _figures(order)[str(line.pk)]
    assert figures.refunded == refund and figures.returned == 1
    assert figures.returnable == line.quantity - 1


# --- a payment app refusing a refund


class _RefusingThenPayingApp(BaseHTTPRequestHandler):
    """A payment app's refund webhook: refuses the first request (REFUND_FAILURE), pays the next ones."""

    requests: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(payload)
        refused = len(type(self).requests) == 1
        body = json.dumps(
            {
                "pspReference": f"psp-refund-{len(type(self).requests)}",
                "result": "REFUND_FAILURE" if refused else "REFUND_SUCCESS",
                "amount": payload["action"]["value"],
                "message": "Card expired" if refused else "Refunded",
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def refusing_app_url() -> Any:
    _RefusingThenPayingApp.requests = []
    server = HTTPServer(("127.0.0.1", 0), _RefusingThenPayingApp)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/refund"
    server.shutdown()


def _transactions_order(
    settings: Any,
    staff: Any,
    channel: Any,
    app: Any,
    permission_manage_payments: Any,
    url: str,
    draft: Any,
    warehouse: Any,
) -> Any:
    settings.PLUGINS = [*settings.PLUGINS, WEBHOOKS]
    app.permissions.add(permission_manage_payments)
    channel.order_mark_as_paid_strategy = MarkAsPaidStrategy.TRANSACTION_FLOW
    channel.save(update_fields=["order_mark_as_paid_strategy"])
    order = _place_paid_fulfilled_order(staff, draft, warehouse)
    payment = order.payment_transactions.get()
    payment.app = app
    payment.app_identifier = app.identifier
    payment.save(update_fields=["app", "app_identifier"])
    webhook = Webhook.objects.create(name="refunds", app=app, target_url=url)
    webhook.events.create(event_type=WebhookEventSyncType.TRANSACTION_REFUND_REQUESTED)
    return order


def test_a_payment_app_refusing_a_refund_fails_the_case_keeps_the_amount_and_a_retry_pays_once(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
    app: Any,
    permission_manage_payments: Any,
    refusing_app_url: str,
) -> None:
    _enable(
        staff_with_orders, channel_USD, permission_manage_plugins, staffNotificationEmails="desk@example.com"
    )
    order = _transactions_order(
        aftersales_enabled, staff_with_orders, channel_USD, app, permission_manage_payments, refusing_app_url,
        draft_order, warehouse,
    )  # fmt: skip
    line = order.lines.order_by("created_at").first()
    case_id = _inspected(channel_USD.slug, user_api_client, staff_with_orders, order)

    requested = _data(
        _call(staff_with_orders, channel_USD.slug, RESOLVE, {"id": case_id, "resolution": "REFUND"}),
        "caseResolve",
    )

    # Saleor asks the payment app after its transaction commits, so the answer can only say pending; the app's
    # refusal then fires no Saleor hook: the periodic reconcile finds it, fails the case and tells staff.
    assert requested["case"]["status"] == "REFUND_PENDING"
    granted = order.granted_refunds.get()
    assert granted.status == "failure"
    case = Case.objects.get()
    assert case.status == "refund_pending"
    assert reconcile_refunds.apply().get() == {"changed": 1}
    case.refresh_from_db()
    assert case.status == "resolution_failed" and "Card expired" in case.failure_message
    payment = order.payment_transactions.get()
    assert payment.refunded_value == 0
    assert _figures(order)[str(line.pk)].refunded == 0
    staff_message = OutboxMessage.objects.get(case=case, event="staff_resolution_failed")
    assert staff_message.recipient == "desk@example.com"
    assert "Card expired" in staff_message.payload["reason"]
    assert not OutboxMessage.objects.filter(case=case, event="refund_issued").exists()

    retried = _data(
        _call(staff_with_orders, channel_USD.slug, RESOLVE, {"id": case_id, "resolution": "REFUND"}),
        "caseResolve",
    )

    assert retried["errors"] == []
    refund = Decimal(retried["case"]["refund"]["amount"])
    payment.refresh_from_db()
    assert payment.refunded_value == refund == line.unit_price_gross_amount
    assert len(_RefusingThenPayingApp.requests) == 2
    granted.refresh_from_db()  # the retry reused the granted refund: one refund, paid once
    assert order.granted_refunds.count() == 1
    assert granted.status == "success" and granted.amount_value == refund
    case.refresh_from_db()
    assert case.status == "resolved"
    assert OutboxMessage.objects.filter(case=case, event="refund_issued").count() == 1
    assert _figures(order)[str(line.pk)].refunded == refund
    assert reconcile_refunds.apply().get() == {"changed": 0}


# --- fulfilments: partial, several, waiting for approval


def test_only_delivered_units_can_be_returned_across_partial_and_several_fulfilments(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    order = _paid(staff_with_orders, draft_order)
    first, second = order.lines.order_by("created_at")[:2]
    assert (first.quantity, second.quantity) == (3, 2)
    _fulfil(staff_with_orders, order, warehouse, {first: 1})
    _fulfil(staff_with_orders, order, warehouse, {first: 1})

    two = _eligibility(user_api_client, channel_USD.slug, order, first, 2)
    three = _eligibility(user_api_client, channel_USD.slug, order, first, 3)
    unshipped = _eligibility(user_api_client, channel_USD.slug, order, second, 1)

    assert two["eligible"] is True
    assert three["eligible"] is False
    assert unshipped["eligible"] is False
    assert unshipped["reasons"][0]["text"] == "This item has not been shipped yet."
    figures = _figures(order)
    assert (figures[str(first.pk)].delivered, figures[str(second.pk)].delivered) == (2, 0)
    refused = _request(user_api_client, channel_USD.slug, order, first, 3).json()["data"][
        "returnRequestCreate"
    ]
    assert refused["case"] is None and refused["errors"][0]["field"]
    assert str(first.pk) not in refused["errors"][0]["message"]
    accepted = _data(_request(user_api_client, channel_USD.slug, order, first, 2), "returnRequestCreate")
    assert accepted["case"]["status"] == "REQUESTED"
    assert _figures(order)[str(first.pk)].returnable == 0


def test_a_fulfilment_waiting_for_approval_is_not_delivered(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
    site_settings: Any,
) -> None:
    site_settings.fulfillment_auto_approve = False
    site_settings.save(update_fields=["fulfillment_auto_approve"])
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    order = _paid(staff_with_orders, draft_order)
    first = order.lines.order_by("created_at").first()
    _fulfil(staff_with_orders, order, warehouse, {first: first.quantity})
    fulfilment = order.fulfillments.get()
    assert fulfilment.status == FulfillmentStatus.WAITING_FOR_APPROVAL

    waiting = _eligibility(user_api_client, channel_USD.slug, order, first, 1)

    assert waiting["eligible"] is False
    assert waiting["reasons"][0]["text"] == "This item has not been shipped yet."
    assert _figures(order)[str(first.pk)].delivered == 0
    _saleor(
        staff_with_orders,
        FULFILMENT_APPROVE,
        {"id": gid("Fulfillment", fulfilment.pk)},
        "orderFulfillmentApprove",
    )
    assert _eligibility(user_api_client, channel_USD.slug, order, first, 1)["eligible"] is True
    assert _figures(order)[str(first.pk)].delivered == first.quantity


# --- overrides


def test_an_override_within_the_bound_refunds_exactly_that_amount_in_saleor(
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
    amount = (line.unit_price_gross_amount / 2).quantize(Decimal("0.01"))

    resolved = _data(
        _call(
            staff_with_orders,
            channel_USD.slug,
            RESOLVE_WITH_AMOUNT,
            {"id": case_id, "resolution": "REFUND", "amount": str(amount), "reason": "scratched box"},
        ),
        "caseResolve",
    )

    assert resolved["case"]["status"] == "RESOLVED"
    assert Decimal(resolved["case"]["refund"]["amount"]) == amount
    payment = order.payments.get()
    assert [t.amount for t in payment.transactions.filter(kind="refund", is_success=True)] == [amount]
    assert payment.captured_amount == order.total_gross_amount - amount
    figures = _figures(order)[str(line.pk)]
    assert figures.refunded == amount and figures.refundable == line.total_price_gross_amount - amount


# --- repairs, complaints and keep-the-item


def test_keep_the_item_refunds_without_a_return_and_the_units_stay_settled(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    _enable(staff_with_orders, channel_USD, permission_manage_plugins, policy=POLICY_WITH_KEEP_ITEM)
    order = _place_paid_fulfilled_order(staff_with_orders, draft_order, warehouse)
    line = order.lines.order_by("created_at").first()
    case_id = _data(
        _request(user_api_client, channel_USD.slug, order, line, 1, desiredResolution="KEEP_ITEM"),
        "returnRequestCreate",
    )["case"]["id"]
    approved = _data(_call(staff_with_orders, channel_USD.slug, APPROVE, {"id": case_id}), "caseApprove")
    assert approved["case"]["status"] == "APPROVED"

    resolved = _data(
        _call(staff_with_orders, channel_USD.slug, RESOLVE, {"id": case_id, "resolution": "KEEP_ITEM"}),
        "caseResolve",
    )

    assert resolved["case"]["status"] == "RESOLVED"
    refund = Decimal(resolved["case"]["refund"]["amount"])
    assert refund == line.unit_price_gross_amount
    payment = order.payments.get()
    assert [t.amount for t in payment.transactions.filter(kind="refund", is_success=True)] == [refund]
    assert not order.fulfillments.filter(
        status__in=[FulfillmentStatus.RETURNED, FulfillmentStatus.REFUNDED_AND_RETURNED]
    ).exists()
    figures = _figures(order)[str(line.pk)]
    assert figures.refunded == refund and figures.returned == 0
    assert figures.returnable == line.quantity - 1  # the kept unit is settled for good


def test_repairs_and_complaints_move_no_money_in_saleor(
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
    repair = _data(
        _call(
            user_api_client,
            channel_USD.slug,
            REPAIR_REQUEST,
            {
                "input": {
                    "order": gid("Order", order.pk),
                    "line": {"lineId": gid("OrderLine", line.pk), "quantity": 1},
                    "reason": "defective",
                    "comment": "It does not switch on.",
                }
            },
        ),
        "repairRequestCreate",
    )["case"]
    complaint = _data(
        _call(
            user_api_client,
            channel_USD.slug,
            COMPLAINT,
            {
                "input": {
                    "order": gid("Order", order.pk),
                    "category": "LOGISTICS",
                    "comment": "The box was crushed.",
                }
            },
        ),
        "complaintCreate",
    )["case"]
    assert (repair["kind"], complaint["kind"]) == ("REPAIR", "COMPLAINT")

    _data(_call(staff_with_orders, channel_USD.slug, APPROVE, {"id": repair["id"]}), "caseApprove")
    for status in ("RECEIVED", "DIAGNOSING", "REPAIRING", "SHIPPED_BACK"):
        moved = _data(
            _call(staff_with_orders, channel_USD.slug, REPAIR_STATUS, {"id": repair["id"], "status": status}),
            "repairStatusUpdate",
        )
        assert moved["case"]["status"] == status
    replied = _data(
        _call(
            staff_with_orders,
            channel_USD.slug,
            CASE_REPLY,
            {"id": complaint["id"], "message": "Sorry about the box; we are looking into it."},
        ),
        "caseReply",
    )
    assert replied["case"]["status"] == "RESPONDED"
    with_amount = _call(
        staff_with_orders,
        channel_USD.slug,
        RESOLVE_COMPLAINT,
        {"id": complaint["id"], "amount": "5.00", "reason": "x"},
    ).json()["data"]["caseResolve"]
    resolved = _data(
        _call(
            staff_with_orders,
            channel_USD.slug,
            RESOLVE_COMPLAINT,
            {"id": complaint["id"], "reason": "Apologised."},
        ),
        "caseResolve",
    )

    assert with_amount["case"] is None and with_amount["errors"][0]["field"] == "amount"
    assert resolved["case"]["status"] == "RESOLVED"
    payment = order.payments.get()
    assert payment.captured_amount == order.total_gross_amount
    assert not payment.transactions.filter(kind="refund").exists()
    assert not order.granted_refunds.exists()
    figures = _figures(order)[str(line.pk)]
    assert figures.refunded == 0 and figures.returnable == line.quantity


# --- the shop's refund settings: a reason reference


def test_a_required_refund_reason_reference_is_carried_or_the_resolve_is_refused_before_money_moves(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    user_api_client: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
    app: Any,
    permission_manage_payments: Any,
    refusing_app_url: str,
    site_settings: Any,
) -> None:
    page_type = PageType.objects.create(name="Refund reasons", slug="refund-reasons")
    reason_page = Page.objects.create(title="Customer return", slug="customer-return", page_type=page_type)
    site_settings.refund_reason_reference_type = page_type
    site_settings.save(update_fields=["refund_reason_reference_type"])
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    _RefusingThenPayingApp.requests = [{}]  # the app pays every request in this test
    order = _transactions_order(
        aftersales_enabled, staff_with_orders, channel_USD, app, permission_manage_payments, refusing_app_url,
        draft_order, warehouse,
    )  # fmt: skip
    case_id = _inspected(channel_USD.slug, user_api_client, staff_with_orders, order)

    refused = _call(
        staff_with_orders, channel_USD.slug, RESOLVE, {"id": case_id, "resolution": "REFUND"}
    ).json()["data"]["caseResolve"]

    assert refused["case"] is None
    assert refused["errors"][0]["code"] == "REFUND_REASON_REQUIRED"
    assert "refund reason reference" in refused["errors"][0]["message"]
    assert not order.granted_refunds.exists() and len(_RefusingThenPayingApp.requests) == 1
    assert Case.objects.get().status == "inspected"

    _enable(
        staff_with_orders, channel_USD, permission_manage_plugins, refundReasonReference="customer-return"
    )
    resolved = _data(
        _call(staff_with_orders, channel_USD.slug, RESOLVE, {"id": case_id, "resolution": "REFUND"}),
        "caseResolve",
    )

    assert resolved["errors"] == []
    granted = order.granted_refunds.get()
    assert granted.reason_reference == reason_page
    assert {gline.reason_reference for gline in granted.lines.all()} == {reason_page}
    assert granted.status == "success"
    assert Case.objects.get().status == "resolved"


# --- the money machine against Saleor

DRAFT_ORDER_CREATE = """
mutation ($input: DraftOrderCreateInput!) {
  draftOrderCreate(input: $input) { order { id } errors { field code message } }
}
"""
GRANT_REFUND = """
mutation ($id: ID!, $input: OrderGrantRefundCreateInput!) {
  orderGrantRefundCreate(id: $id, input: $input) { errors { field code message } }
}
"""
RETURN_PRODUCTS = """
mutation ($order: ID!, $input: OrderReturnProductsInput!) {
  orderFulfillmentReturnProducts(order: $order, input: $input) { errors { field code message } }
}
"""


def _address(address: Any) -> dict[str, str]:
    return {
        "firstName": address.first_name,
        "lastName": address.last_name,
        "streetAddress1": address.street_address_1,
        "city": address.city,
        "postalCode": address.postal_code,
        "country": str(address.country),
        "countryArea": address.country_area,
        "phone": str(address.phone),
    }


def test_random_workflows_in_saleor_never_refund_above_paid_nor_return_above_delivered(
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
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The stateful money machine (tests/services/ledger_machine.py) with Saleor as the host: orders placed, paid through a
    payment app and partly fulfilled in Saleor; outside refunds are Saleor granted refunds (of a line, or of the
    order), outside returns Saleor's orderFulfillmentReturnProducts. After every step the plugin's figures equal
    what the machine computed, and Saleor's tables never show a line refunded above paid or returned above
    delivered."""
    aftersales_enabled.PLUGINS = [*aftersales_enabled.PLUGINS, WEBHOOKS]
    app.permissions.add(permission_manage_payments)
    channel_USD.order_mark_as_paid_strategy = MarkAsPaidStrategy.TRANSACTION_FLOW
    channel_USD.save(update_fields=["order_mark_as_paid_strategy"])
    _enable(staff_with_orders, channel_USD, permission_manage_plugins, policy=POLICY_WITH_KEEP_ITEM)
    webhook = Webhook.objects.create(name="refunds", app=app, target_url=payment_app_url)
    webhook.events.create(event_type=WebhookEventSyncType.TRANSACTION_REFUND_REQUESTED)
    Stock.objects.filter(warehouse=warehouse).update(quantity=100_000)
    template = [(line.variant, line.quantity) for line in draft_order.lines.order_by("created_at")]
    address = _address(draft_order.shipping_address)

    @contextlib.contextmanager
    def step() -> Iterator[None]:
        # A run outlives Saleor's short-lived access tokens; and each step runs the on-commit hooks a request would.
        staff_with_orders.regenerate_access_token()
        with django_capture_on_commit_callbacks(execute=True):
            yield

    def new_order() -> str:
        with step():
            created = _saleor(
                staff_with_orders,
                DRAFT_ORDER_CREATE,
                {
                    "input": {
                        "channelId": gid("Channel", channel_USD.pk),
                        "user": gid("User", user_api_client.user.pk),
                        "lines": [
                            {"variantId": gid("ProductVariant", variant.pk), "quantity": quantity}
                            for variant, quantity in template
                        ],
                        "shippingAddress": address,
                        "billingAddress": address,
                        "shippingMethod": gid("ShippingMethod", draft_order.shipping_method_id),
                    }
                },
                "draftOrderCreate",
            )
            order = _paid(
                staff_with_orders,
                Order.objects.get(pk=graphene.Node.from_global_id(created["order"]["id"])[1]),
            )
            payment = order.payment_transactions.get()
            payment.app = app
            payment.app_identifier = app.identifier
            payment.save(update_fields=["app", "app_identifier"])
            first, second = order.lines.order_by("created_at")[:2]
            _fulfil(staff_with_orders, order, warehouse, {first: first.quantity, second: 1})
        apply_order_event(str(order.pk), "fulfilled", order.updated_at.isoformat())
        return str(order.pk)

    def outside_refund(order_id: str, amount: Decimal, line_id: str | None) -> bool:
        order = Order.objects.get(pk=order_id)
        grant: dict[str, Any] = {
            "amount": str(amount),
            "reason": "refunded by staff in the Dashboard",
            "transactionId": gid("TransactionItem", order.payment_transactions.get().token),
        }
        if line_id is not None:
            # Saleor grants each unit of a line once, and counts a grant for its lines up to their price.
            line = order.lines.get(pk=line_id)
            granted = sum(gline.quantity for gline in OrderGrantedRefundLine.objects.filter(order_line=line))
            units = line.quantity - granted
            if units <= 0 or amount > line.unit_price_gross_amount * units:
                return False
            grant["lines"] = [{"id": gid("OrderLine", line.pk), "quantity": units}]
        with django_capture_on_commit_callbacks(execute=True):
            _saleor(
                staff_with_orders,
                GRANT_REFUND,
                {"id": gid("Order", order.pk), "input": grant},
                "orderGrantRefundCreate",
            )
        return True

    def outside_return(order_id: str, line_id: str, quantity: int) -> None:
        order = Order.objects.get(pk=order_id)
        fline = (
            order.fulfillments.filter(status=FulfillmentStatus.FULFILLED)
            .get()
            .lines.get(order_line_id=line_id)
        )
        with django_capture_on_commit_callbacks(execute=True):
            _saleor(
                staff_with_orders,
                RETURN_PRODUCTS,
                {
                    "order": gid("Order", order.pk),
                    "input": {
                        "fulfillmentLines": [
                            {"fulfillmentLineId": gid("FulfillmentLine", fline.pk), "quantity": quantity}
                        ],
                        "refund": False,
                    },
                },
                "orderFulfillmentReturnProducts",
            )

    world = LedgerWorld(
        new_order=new_order,
        host=SaleorHost(),
        outside_refund=outside_refund,
        outside_return=outside_return,
        currency="USD",
        around=step,
        paid_lines=lambda order_id: {
            str(line.pk): line.total_price_gross_amount for line in Order.objects.get(pk=order_id).lines.all()
        },
    )
    run_state_machine_as_test(
        ledger_machine(world),
        settings=settings(
            max_examples=5,
            stateful_step_count=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
            derandomize=True,
        ),
    )
    print(f"ledger machine in Saleor: {world.steps}")
    assert world.steps["examples"] >= 5
    assert (
        sum(count for name, count in world.steps.items() if name.startswith("resolve ") and "->" in name) > 0
    )


def test_the_ledger_read_costs_the_same_whatever_saleor_recorded(
    aftersales_enabled: Any,
    staff_with_orders: Any,
    channel_USD: Any,
    permission_manage_plugins: Any,
    draft_order: Any,
    warehouse: Any,
) -> None:
    _enable(staff_with_orders, channel_USD, permission_manage_plugins)
    order = _paid(staff_with_orders, draft_order)
    first, second = order.lines.order_by("created_at")[:2]
    _fulfil(staff_with_orders, order, warehouse, {first: 1})
    with CaptureQueriesContext(connection) as one_fulfilment:
        few = SaleorHost().ledger(str(order.pk))
    _fulfil(staff_with_orders, order, warehouse, {first: 2})
    _fulfil(staff_with_orders, order, warehouse, {second: 2})
    fline = order.fulfillments.filter(lines__order_line=second).get().lines.get()
    _saleor(
        staff_with_orders,
        RETURN_PRODUCTS,
        {
            "order": gid("Order", order.pk),
            "input": {
                "fulfillmentLines": [{"fulfillmentLineId": gid("FulfillmentLine", fline.pk), "quantity": 1}],
                "refund": False,
            },
        },
        "orderFulfillmentReturnProducts",
    )
    with CaptureQueriesContext(connection) as many_fulfilments:
        more = SaleorHost().ledger(str(order.pk))

    assert (few.lines[str(first.pk)].delivered, few.lines[str(second.pk)].delivered) == (1, 0)
    assert (more.lines[str(first.pk)].delivered, more.lines[str(second.pk)].delivered) == (3, 2)
    assert more.lines[str(second.pk)].returned == 1
    print(f"Saleor ledger read: {len(one_fulfilment)} and {len(many_fulfilments)} queries")
    assert len(one_fulfilment) == len(many_fulfilments) <= 10
