"""Money inside a real Saleor: what the plugin refunds is bounded by Saleor's own record, and says REFUNDED only
when Saleor confirms it.

Orders are placed through Saleor's API (draft orders, and a checkout paid through Saleor's dummy gateway), paid,
fulfilled (in parts, in several fulfilments, waiting for approval), refunded and returned in Saleor; cases go through
the plugin's endpoint. What is asserted is what staff would check in Saleor: payments, granted refunds, fulfilments.
"""

import contextlib
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import graphene
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphene.utils.str_converters import to_camel_case
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test
from ledger_machine import LedgerWorld, ledger_machine
from saleor.checkout import calculations
from saleor.checkout.fetch import fetch_checkout_info, fetch_checkout_lines
from saleor.order import FulfillmentStatus
from saleor.order.models import Order, OrderGrantedRefundLine
from saleor.page.models import Page, PageType
from saleor.payment import ChargeStatus
from saleor.plugins.manager import get_plugins_manager
from saleor.warehouse.models import Stock
from saleor_steps import (
    APPROVE,
    GRANT_REFUND,
    RESOLVE,
    RESOLVE_WITH_AMOUNT,
    Shop,
    case_mutation,
    eligibility,
    enable_plugin,
    fulfil,
    gid,
    hand_payment_to,
    inspect_case,
    inspected,
    ledger_figures,
    mark_paid,
    pay_through_app,
    payload_of,
    plugin_call,
    return_products,
    return_request,
    saleor_call,
    transactions_order,
)

from saleor_aftersales_plugin.config import DEFAULT_POLICY
from saleor_aftersales_plugin.models import Case, OutboxMessage
from saleor_aftersales_plugin.saleor.events import apply_order_event
from saleor_aftersales_plugin.saleor.host import SaleorHost
from saleor_aftersales_plugin.tasks import reconcile_refunds

pytestmark = pytest.mark.django_db

DUMMY_GATEWAY = "saleor.payment.gateways.dummy.plugin.DeprecatedDummyGatewayPlugin"
POLICY_WITH_KEEP_ITEM = DEFAULT_POLICY.replace(
    "resolutions: [refund, store_credit, exchange]",
    "resolutions: [refund, store_credit, exchange, keep_item]",
)
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
REPAIR_REQUEST = case_mutation("repairRequestCreate", "$input: RepairRequestCreateInput!", "id status kind")
REPAIR_STATUS = case_mutation("repairStatusUpdate", "$id: ID!, $status: AfterSalesCaseStatus!")
COMPLAINT = case_mutation("complaintCreate", "$input: ComplaintCreateInput!", "id status kind")
CASE_REPLY = case_mutation("caseReply", "$id: ID!, $message: String!")
RESOLVE_COMPLAINT = case_mutation("caseResolve", "$id: ID!, $amount: Decimal, $reason: String")


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
    enable_plugin(staff_with_orders, channel_USD, permission_manage_plugins)
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
    saleor_call(
        user_api_client,
        CHECKOUT_PAYMENT_CREATE,
        {
            "id": checkout_id,
            "input": {"gateway": "mirumee.payments.dummy", "token": "fully-charged", "amount": str(total)},
        },
        "checkoutPaymentCreate",
    )
    completed = saleor_call(user_api_client, CHECKOUT_COMPLETE, {"id": checkout_id}, "checkoutComplete")
    order = Order.objects.get(pk=graphene.Node.from_global_id(completed["order"]["id"])[1])
    payment = order.payments.get()
    assert payment.gateway == "mirumee.payments.dummy" and payment.captured_amount == order.total_gross_amount
    line = order.lines.get()
    fulfil(staff_with_orders, order, warehouse, {line: line.quantity})

    case_id = payload_of(
        return_request(user_api_client, channel_USD.slug, order, line, 1), "returnRequestCreate"
    )["case"]["id"]
    inspect_case(staff_with_orders, channel_USD.slug, case_id, line)
    resolved = payload_of(
        plugin_call(staff_with_orders, channel_USD.slug, RESOLVE, {"id": case_id, "resolution": "REFUND"}),
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
    figures = ledger_figures(order)[str(line.pk)]
    assert figures.refunded == refund and figures.returned == 1
    assert figures.returnable == line.quantity - 1


# --- a payment app refusing a refund


def test_a_payment_app_refusing_a_refund_fails_the_case_keeps_the_amount_and_a_retry_pays_once(
    shop: Shop, app: Any, permission_manage_payments: Any, payment_app: Any
) -> None:
    shop.enable(staffNotificationEmails="desk@example.com")
    refusing_once = payment_app(refusals=1)
    order = transactions_order(
        shop.settings, shop.staff, shop.channel, app, permission_manage_payments, refusing_once.url,
        shop.draft_order, shop.warehouse,
    )  # fmt: skip
    line = order.lines.order_by("created_at").first()
    case_id = inspected(shop.slug, shop.customer, shop.staff, order)

    requested = payload_of(
        shop.staff_call(RESOLVE, {"id": case_id, "resolution": "REFUND"}),
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
    assert ledger_figures(order)[str(line.pk)].refunded == 0
    staff_message = OutboxMessage.objects.get(case=case, event="staff_resolution_failed")
    assert staff_message.recipient == "desk@example.com"
    assert "Card expired" in staff_message.payload["reason"]
    assert not OutboxMessage.objects.filter(case=case, event="refund_issued").exists()

    retried = payload_of(
        shop.staff_call(RESOLVE, {"id": case_id, "resolution": "REFUND"}),
        "caseResolve",
    )

    assert retried["errors"] == []
    refund = Decimal(retried["case"]["refund"]["amount"])
    payment.refresh_from_db()
    assert payment.refunded_value == refund == line.unit_price_gross_amount
    assert len(refusing_once.requests) == 2
    granted.refresh_from_db()  # the retry reused the granted refund: one refund, paid once
    assert order.granted_refunds.count() == 1
    assert granted.status == "success" and granted.amount_value == refund
    case.refresh_from_db()
    assert case.status == "resolved"
    assert OutboxMessage.objects.filter(case=case, event="refund_issued").count() == 1
    assert ledger_figures(order)[str(line.pk)].refunded == refund
    assert reconcile_refunds.apply().get() == {"changed": 0}


# --- fulfilments: partial, several, waiting for approval


def test_only_delivered_units_can_be_returned_across_partial_and_several_fulfilments(shop: Shop) -> None:
    shop.enable()
    order = mark_paid(shop.staff, shop.draft_order)
    first, second = order.lines.order_by("created_at")[:2]
    assert (first.quantity, second.quantity) == (3, 2)
    fulfil(shop.staff, order, shop.warehouse, {first: 1})
    fulfil(shop.staff, order, shop.warehouse, {first: 1})

    two = eligibility(shop.customer, shop.slug, order, first, 2)
    three = eligibility(shop.customer, shop.slug, order, first, 3)
    unshipped = eligibility(shop.customer, shop.slug, order, second, 1)

    assert two["eligible"] is True
    assert three["eligible"] is False
    assert unshipped["eligible"] is False
    assert unshipped["reasons"][0]["text"] == "This item has not been shipped yet."
    figures = ledger_figures(order)
    assert (figures[str(first.pk)].delivered, figures[str(second.pk)].delivered) == (2, 0)
    refused = return_request(shop.customer, shop.slug, order, first, 3).json()["data"]["returnRequestCreate"]
    assert refused["case"] is None and refused["errors"][0]["field"]
    assert str(first.pk) not in refused["errors"][0]["message"]
    accepted = payload_of(return_request(shop.customer, shop.slug, order, first, 2), "returnRequestCreate")
    assert accepted["case"]["status"] == "REQUESTED"
    assert ledger_figures(order)[str(first.pk)].returnable == 0


def test_a_fulfilment_waiting_for_approval_is_not_delivered(shop: Shop, site_settings: Any) -> None:
    site_settings.fulfillment_auto_approve = False
    site_settings.save(update_fields=["fulfillment_auto_approve"])
    shop.enable()
    order = mark_paid(shop.staff, shop.draft_order)
    first = order.lines.order_by("created_at").first()
    fulfil(shop.staff, order, shop.warehouse, {first: first.quantity})
    fulfilment = order.fulfillments.get()
    assert fulfilment.status == FulfillmentStatus.WAITING_FOR_APPROVAL

    waiting = eligibility(shop.customer, shop.slug, order, first, 1)

    assert waiting["eligible"] is False
    assert waiting["reasons"][0]["text"] == "This item has not been shipped yet."
    assert ledger_figures(order)[str(first.pk)].delivered == 0
    saleor_call(
        shop.staff,
        FULFILMENT_APPROVE,
        {"id": gid("Fulfillment", fulfilment.pk)},
        "orderFulfillmentApprove",
    )
    assert eligibility(shop.customer, shop.slug, order, first, 1)["eligible"] is True
    assert ledger_figures(order)[str(first.pk)].delivered == first.quantity


# --- overrides


def test_an_override_within_the_bound_refunds_exactly_that_amount_in_saleor(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()
    line = order.lines.order_by("created_at").first()
    case_id = inspected(shop.slug, shop.customer, shop.staff, order)
    amount = (line.unit_price_gross_amount / 2).quantize(Decimal("0.01"))

    resolved = payload_of(
        shop.staff_call(
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
    figures = ledger_figures(order)[str(line.pk)]
    assert figures.refunded == amount and figures.refundable == line.total_price_gross_amount - amount


# --- repairs, complaints and keep-the-item


def test_keep_the_item_refunds_without_a_return_and_the_units_stay_settled(shop: Shop) -> None:
    shop.enable(policy=POLICY_WITH_KEEP_ITEM)
    order = shop.place_order()
    line = order.lines.order_by("created_at").first()
    case_id = payload_of(
        return_request(shop.customer, shop.slug, order, line, 1, desiredResolution="KEEP_ITEM"),
        "returnRequestCreate",
    )["case"]["id"]
    approved = payload_of(shop.staff_call(APPROVE, {"id": case_id}), "caseApprove")
    assert approved["case"]["status"] == "APPROVED"

    resolved = payload_of(
        shop.staff_call(RESOLVE, {"id": case_id, "resolution": "KEEP_ITEM"}),
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
    figures = ledger_figures(order)[str(line.pk)]
    assert figures.refunded == refund and figures.returned == 0
    assert figures.returnable == line.quantity - 1  # the kept unit is settled for good


def test_repairs_and_complaints_move_no_money_in_saleor(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()
    line = order.lines.order_by("created_at").first()
    repair = payload_of(
        shop.customer_call(
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
    complaint = payload_of(
        shop.customer_call(
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

    payload_of(shop.staff_call(APPROVE, {"id": repair["id"]}), "caseApprove")
    for status in ("RECEIVED", "DIAGNOSING", "REPAIRING", "SHIPPED_BACK"):
        moved = payload_of(
            shop.staff_call(REPAIR_STATUS, {"id": repair["id"], "status": status}),
            "repairStatusUpdate",
        )
        assert moved["case"]["status"] == status
    replied = payload_of(
        shop.staff_call(
            CASE_REPLY, {"id": complaint["id"], "message": "Sorry about the box; we are looking into it."}
        ),
        "caseReply",
    )
    assert replied["case"]["status"] == "RESPONDED"
    with_amount = shop.staff_call(
        RESOLVE_COMPLAINT, {"id": complaint["id"], "amount": "5.00", "reason": "x"}
    ).json()["data"]["caseResolve"]
    resolved = payload_of(
        shop.staff_call(RESOLVE_COMPLAINT, {"id": complaint["id"], "reason": "Apologised."}),
        "caseResolve",
    )

    assert with_amount["case"] is None and with_amount["errors"][0]["field"] == "amount"
    assert resolved["case"]["status"] == "RESOLVED"
    payment = order.payments.get()
    assert payment.captured_amount == order.total_gross_amount
    assert not payment.transactions.filter(kind="refund").exists()
    assert not order.granted_refunds.exists()
    figures = ledger_figures(order)[str(line.pk)]
    assert figures.refunded == 0 and figures.returnable == line.quantity


# --- the shop's refund settings: a reason reference


def test_a_required_refund_reason_reference_is_carried_or_the_resolve_is_refused_before_money_moves(
    shop: Shop, app: Any, permission_manage_payments: Any, payment_app: Any, site_settings: Any
) -> None:
    page_type = PageType.objects.create(name="Refund reasons", slug="refund-reasons")
    reason_page = Page.objects.create(title="Customer return", slug="customer-return", page_type=page_type)
    site_settings.refund_reason_reference_type = page_type
    site_settings.save(update_fields=["refund_reason_reference_type"])
    shop.enable()
    paying = payment_app()
    order = transactions_order(
        shop.settings, shop.staff, shop.channel, app, permission_manage_payments, paying.url,
        shop.draft_order, shop.warehouse,
    )  # fmt: skip
    case_id = inspected(shop.slug, shop.customer, shop.staff, order)

    refused = shop.staff_call(RESOLVE, {"id": case_id, "resolution": "REFUND"}).json()["data"]["caseResolve"]

    assert refused["case"] is None
    assert refused["errors"][0]["code"] == "REFUND_REASON_REQUIRED"
    assert "refund reason reference" in refused["errors"][0]["message"]
    assert not order.granted_refunds.exists() and paying.requests == []
    assert Case.objects.get().status == "inspected"

    shop.enable(refundReasonReference="customer-return")
    resolved = payload_of(
        shop.staff_call(RESOLVE, {"id": case_id, "resolution": "REFUND"}),
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


ADDRESS_INPUT = (
    "first_name",
    "last_name",
    "street_address_1",
    "city",
    "postal_code",
    "country",
    "country_area",
    "phone",
)


def _address(address: Any) -> dict[str, str]:
    """``address`` as Saleor's AddressInput."""
    data = address.as_data()
    return {to_camel_case(name): str(data[name]) for name in ADDRESS_INPUT}


def test_random_workflows_in_saleor_never_refund_above_paid_nor_return_above_delivered(
    shop: Shop,
    app: Any,
    permission_manage_payments: Any,
    payment_app_url: str,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """The stateful money machine (tests/ledger_machine.py) with Saleor as the host: orders placed, paid through a
    payment app and partly fulfilled in Saleor; outside refunds are Saleor granted refunds (of a line, or of the
    order), outside returns Saleor's orderFulfillmentReturnProducts. After every step the plugin's figures equal
    what the machine computed, and Saleor's tables never show a line refunded above paid or returned above
    delivered."""
    pay_through_app(shop.settings, shop.channel, app, permission_manage_payments, payment_app_url)
    shop.enable(policy=POLICY_WITH_KEEP_ITEM)
    Stock.objects.filter(warehouse=shop.warehouse).update(quantity=100_000)
    template = [(line.variant, line.quantity) for line in shop.draft_order.lines.order_by("created_at")]
    address = _address(shop.draft_order.shipping_address)

    @contextlib.contextmanager
    def step() -> Iterator[None]:
        # A run outlives Saleor's short-lived access tokens; and each step runs the on-commit hooks a request would.
        shop.staff.regenerate_access_token()
        with django_capture_on_commit_callbacks(execute=True):
            yield

    def new_order() -> str:
        with step():
            created = saleor_call(
                shop.staff,
                DRAFT_ORDER_CREATE,
                {
                    "input": {
                        "channelId": gid("Channel", shop.channel.pk),
                        "user": gid("User", shop.customer.user.pk),
                        "lines": [
                            {"variantId": gid("ProductVariant", variant.pk), "quantity": quantity}
                            for variant, quantity in template
                        ],
                        "shippingAddress": address,
                        "billingAddress": address,
                        "shippingMethod": gid("ShippingMethod", shop.draft_order.shipping_method_id),
                    }
                },
                "draftOrderCreate",
            )
            order = mark_paid(
                shop.staff,
                Order.objects.get(pk=graphene.Node.from_global_id(created["order"]["id"])[1]),
            )
            hand_payment_to(app, order)
            first, second = order.lines.order_by("created_at")[:2]
            fulfil(shop.staff, order, shop.warehouse, {first: first.quantity, second: 1})
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
            saleor_call(
                shop.staff,
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
            return_products(shop.staff, order, fline, quantity)

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


def test_the_ledger_read_costs_the_same_whatever_saleor_recorded(shop: Shop) -> None:
    shop.enable()
    order = mark_paid(shop.staff, shop.draft_order)
    first, second = order.lines.order_by("created_at")[:2]
    fulfil(shop.staff, order, shop.warehouse, {first: 1})
    with CaptureQueriesContext(connection) as one_fulfilment:
        few = SaleorHost().ledger(str(order.pk))
    fulfil(shop.staff, order, shop.warehouse, {first: 2})
    fulfil(shop.staff, order, shop.warehouse, {second: 2})
    fline = order.fulfillments.filter(lines__order_line=second).get().lines.get()
    return_products(shop.staff, order, fline, 1)
    with CaptureQueriesContext(connection) as many_fulfilments:
        more = SaleorHost().ledger(str(order.pk))

    assert (few.lines[str(first.pk)].delivered, few.lines[str(second.pk)].delivered) == (1, 0)
    assert (more.lines[str(first.pk)].delivered, more.lines[str(second.pk)].delivered) == (3, 2)
    assert more.lines[str(second.pk)].returned == 1
    print(f"Saleor ledger read: {len(one_fulfilment)} and {len(many_fulfilments)} queries")
    assert len(one_fulfilment) == len(many_fulfilments) <= 10
