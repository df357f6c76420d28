"""Refunds made in Saleor outside the plugin (legacy payment flow) then the plugin's returns and refunds."""

from decimal import Decimal
from typing import Any

import pytest
from saleor.giftcard.models import GiftCard
from saleor.order import FulfillmentStatus
from saleor.order.models import Order
from saleor_steps import (
    GRANT_REFUND,
    REFUND_PRODUCTS,
    RESOLVE,
    RETURN_PRODUCTS,
    RETURN_REQUEST,
    Shop,
    gid,
    inspect_case,
    ledger_figures,
    payload_of,
    plugin_call,
    refund_order,
    request_return,
    return_input,
    saleor_call,
)

from saleor_aftersales_plugin.models import Case

pytestmark = pytest.mark.django_db


def _check_invariants(order: Any) -> dict:
    order = Order.objects.get(pk=order.pk)
    figures = ledger_figures(order)
    for line in order.lines.all():
        figure = figures[str(line.pk)]
        assert figure.refunded <= line.total_price_gross_amount, (line.product_name, figure)
    payment = order.payments.first()
    if payment is not None:
        assert payment.captured_amount >= 0, payment.captured_amount
        refunded = payment.total.__class__(payment.total) - payment.captured_amount
        assert refunded <= order.total_gross_amount, (refunded, order.total_gross_amount)
    return figures


def _fline(order: Any, line: Any) -> Any:
    return order.fulfillments.get(status=FulfillmentStatus.FULFILLED).lines.get(order_line=line)


def _refund_products(shop: Shop, order: Any, line: Any, quantity: int, shipping: bool = False) -> None:
    saleor_call(
        shop.staff,
        REFUND_PRODUCTS,
        {
            "order": gid("Order", order.pk),
            "input": {
                "fulfillmentLines": [
                    {
                        "fulfillmentLineId": gid("FulfillmentLine", _fline(order, line).pk),
                        "quantity": quantity,
                    }
                ],
                "includeShippingCosts": shipping,
            },
        },
        "orderFulfillmentRefundProducts",
    )


def test_line_refunded_in_saleor_while_the_case_is_inspected_is_not_refunded_again(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()
    line = order.lines.order_by("created_at").first()
    case_id = request_return(shop.slug, shop.customer, order)
    inspect_case(shop.staff, shop.slug, case_id, line)
    # Meanwhile staff refund the whole line in Saleor's Dashboard.
    order = Order.objects.get(pk=order.pk)
    fline = order.fulfillments.filter(status=FulfillmentStatus.FULFILLED).first()
    remaining = fline.lines.get(order_line=line).quantity
    _refund_products(shop, order, line, remaining)
    payment_before = order.payments.get().captured_amount

    plugin_call(shop.staff, shop.slug, RESOLVE, {"id": case_id, "resolution": "REFUND"})
    order = Order.objects.get(pk=order.pk)
    figures = _check_invariants(order)
    # The line was refunded in full already: the case may not take more money.
    assert order.payments.get().captured_amount == payment_before
    assert not GiftCard.objects.exists()
    assert figures[str(line.pk)].refunded == line.total_price_gross_amount
    assert Case.objects.get().refund_amount == Decimal("0.00")
    # Saleor refunded only this line: the other is whole.
    assert all(f.refunded == 0 for key, f in figures.items() if key != str(line.pk)), figures


def test_order_refunded_in_full_in_saleor_then_return_is_refused(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()
    refund_order(shop.staff, order, order.total_gross_amount)
    line = order.lines.order_by("created_at").first()
    response = shop.customer_call(RETURN_REQUEST, {"input": return_input(order, line)})
    data = response.json()["data"]["returnRequestCreate"]
    _check_invariants(order)
    assert data["errors"], data


def test_order_refunded_partly_then_every_unit_returned_and_refunded(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()
    # Staff refund most of the order in Saleor (order level, legacy payment).
    part = (order.total_gross_amount - Decimal("1.00")).quantize(Decimal("0.01"))
    refund_order(shop.staff, order, part)
    for line in order.lines.order_by("created_at"):
        response = shop.customer_call(RETURN_REQUEST, {"input": return_input(order, line, line.quantity)})
        data = response.json()["data"]["returnRequestCreate"]
        if data["errors"]:
            continue
        inspect_case(shop.staff, shop.slug, data["case"]["id"], line)
        plugin_call(shop.staff, shop.slug, RESOLVE, {"id": data["case"]["id"], "resolution": "REFUND"})
        _check_invariants(order)
    order = Order.objects.get(pk=order.pk)
    assert order.payments.get().captured_amount >= 0
    figures = ledger_figures(order)
    assert sum(f.refunded for f in figures.values()) <= sum(
        line.total_price_gross_amount for line in order.lines.all()
    )


def test_refund_products_with_shipping_then_other_line_returned(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()
    first, second = order.lines.order_by("created_at")[:2]
    _refund_products(shop, order, first, 1, shipping=True)
    order = Order.objects.get(pk=order.pk)
    _check_invariants(order)
    for line in (first, second):
        # What is left of each line: the first less the unit Saleor refunded (with the shipping), all of the second.
        units = line.quantity - (1 if line == first else 0)
        if units == 0:
            continue
        response = shop.customer_call(RETURN_REQUEST, {"input": return_input(order, line, units)})
        case_id = payload_of(response, "returnRequestCreate")["case"]["id"]
        inspect_case(shop.staff, shop.slug, case_id, line)
        payload_of(
            plugin_call(shop.staff, shop.slug, RESOLVE, {"id": case_id, "resolution": "REFUND"}),
            "caseResolve",
        )
        _check_invariants(order)
    # Every unit of both lines is refunded: each line exactly what was paid for it, shipping aside.
    figures = ledger_figures(Order.objects.get(pk=order.pk))
    for line in (first, second):
        assert figures[str(line.pk)].refunded == line.total_price_gross_amount, (line.product_name, figures)


def test_return_products_with_refund_in_saleor_then_the_same_units_through_the_plugin(shop: Shop) -> None:
    shop.enable()
    order = shop.place_order()
    line = order.lines.order_by("created_at").first()
    saleor_call(
        shop.staff,
        RETURN_PRODUCTS,
        {
            "order": gid("Order", order.pk),
            "input": {
                "fulfillmentLines": [
                    {
                        "fulfillmentLineId": gid("FulfillmentLine", _fline(order, line).pk),
                        "quantity": line.quantity,
                    }
                ],
                "refund": True,
            },
        },
        "orderFulfillmentReturnProducts",
    )
    response = shop.customer_call(RETURN_REQUEST, {"input": return_input(order, line)})
    data = response.json()["data"]["returnRequestCreate"]
    _check_invariants(order)
    assert data["errors"]


@pytest.mark.parametrize("shipping", [False, True])
def test_a_refund_of_one_line_in_saleor_leaves_the_other_line_whole(shop: Shop, shipping: bool) -> None:
    """Staff refund one unit of line A in Saleor (with or without the shipping costs): line B was never refunded,
    so returning all of B must offer B's full price."""
    shop.enable()
    order = shop.place_order()
    first, second = order.lines.order_by("created_at")[:2]
    _refund_products(shop, order, first, 1, shipping=shipping)
    order = Order.objects.get(pk=order.pk)
    figures = ledger_figures(order)
    response = shop.customer_call(RETURN_REQUEST, {"input": return_input(order, second, second.quantity)})
    data = payload_of(response, "returnRequestCreate")
    assert figures[str(second.pk)].refunded == 0, figures[str(second.pk)]
    assert Decimal(data["case"]["refund"]["amount"]) == second.total_price_gross_amount


def test_a_shipping_refund_granted_in_saleor_does_not_reduce_the_lines(shop: Shop) -> None:
    """Transactions flow: staff grant a refund of the shipping costs only; no line was refunded."""
    from saleor.channel import MarkAsPaidStrategy

    shop.channel.order_mark_as_paid_strategy = MarkAsPaidStrategy.TRANSACTION_FLOW
    shop.channel.save(update_fields=["order_mark_as_paid_strategy"])
    shop.enable()
    order = shop.place_order()
    saleor_call(
        shop.staff,
        GRANT_REFUND,
        {
            "id": gid("Order", order.pk),
            "input": {
                "grantRefundForShipping": True,
                "reason": "late delivery",
                "transactionId": gid("TransactionItem", order.payment_transactions.get().token),
            },
        },
        "orderGrantRefundCreate",
    )
    figures = ledger_figures(order)
    assert all(f.refunded == 0 for f in figures.values()), figures
