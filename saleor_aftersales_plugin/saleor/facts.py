"""Saleor's objects as the plugin's facts: orders (:func:`order_facts`), Saleor's own ledger of an order
(:func:`saleor_ledger`), the channel (:func:`channel_info`) and the plugin's saved configuration of a channel
(:func:`channel_config`). Reads only; nothing here calls the services.
"""

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

import graphene
from django.db import connection
from django.db.models import F, Prefetch, Q
from saleor.attribute.models import AssignedProductAttributeValue, AssignedVariantAttributeValue
from saleor.giftcard.models import GiftCard
from saleor.order import FulfillmentStatus, OrderGrantedRefundStatus
from saleor.order import models as order_models
from saleor.payment import TransactionKind
from saleor.payment.models import Payment, Transaction, TransactionItem
from saleor.plugins.models import PluginConfiguration
from saleor.product.models import Category, Collection

from ..config import ChannelConfig, ChannelInfo, parse_configuration
from ..constants import LINES_TAG, ORDER_TAG, PLUGIN_ID, REFUND_TAG
from ..domain.facts import OrderFacts, OrderLineFacts, ProductFacts
from ..domain.host import LineLedger, OrderLedger
from ..domain.money import allocate, quantize

# Fulfilments whose lines came back to the shop (or were replaced).
RETURNED_FULFILMENTS = (
    FulfillmentStatus.RETURNED,
    FulfillmentStatus.REFUNDED_AND_RETURNED,
    FulfillmentStatus.REPLACED,
)
# Fulfilments whose lines were refunded through Saleor's legacy payments (orderFulfillmentRefundProducts).
REFUNDED_FULFILMENTS = (FulfillmentStatus.REFUNDED, FulfillmentStatus.REFUNDED_AND_RETURNED)
# Fulfilments whose lines the customer still holds (and may send back).
RETURNABLE_FULFILMENTS = (FulfillmentStatus.FULFILLED, FulfillmentStatus.REFUNDED)
# Fulfilments that mean the items left the warehouse.
SHIPPED_FULFILMENTS = (
    FulfillmentStatus.FULFILLED,
    FulfillmentStatus.REFUNDED,
    FulfillmentStatus.RETURNED,
    FulfillmentStatus.REFUNDED_AND_RETURNED,
    FulfillmentStatus.REPLACED,
)


# --- order facts


def customer_global_id(user_pk: int | None) -> str | None:
    """The id a customer has in the plugin: Saleor's global User id (the same one its API shows)."""
    return graphene.Node.to_global_id("User", user_pk) if user_pk else None


def order_queryset() -> Any:
    """Saleor's orders with everything :func:`order_facts` reads and only that (Saleor's rows are wide: compiling
    and reading every column cost more than the queries), in a fixed number of queries whatever the number of
    lines: the lines with their variant, product, category and product type; collections; product and variant
    attributes with their values; fulfilments with their lines."""
    return (
        order_models.Order.objects.select_related("channel", "shipping_address", "billing_address", "user")
        .only(
            "id",
            "number",
            "currency",
            "created_at",
            "total_gross_amount",
            "user_email",
            "channel__slug",
            "shipping_address__country",
            "billing_address__country",
            "user__email",
        )
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=order_models.OrderLine.objects.select_related(
                    "variant__product__category", "variant__product__product_type"
                ).only(
                    "id",
                    "order_id",
                    "created_at",
                    "product_name",
                    "product_sku",
                    "product_variant_id",
                    "is_gift_card",
                    "quantity",
                    "quantity_fulfilled",
                    "unit_price_gross_amount",
                    "total_price_gross_amount",
                    "variant__sku",
                    "variant__product__category__slug",
                    "variant__product__category__tree_id",
                    "variant__product__category__lft",
                    "variant__product__category__rght",
                    "variant__product__product_type__slug",
                ),
            ),
            Prefetch("lines__variant__product__collections", queryset=Collection.objects.only("slug")),
            Prefetch(
                "lines__variant__product__attributevalues",
                queryset=AssignedProductAttributeValue.objects.select_related("value__attribute").only(
                    "product_id", "value__slug", "value__boolean", "value__attribute__slug"
                ),
            ),
            Prefetch(
                "lines__variant__attributevalues",
                queryset=AssignedVariantAttributeValue.objects.select_related("value__attribute").only(
                    "variant_id", "value__slug", "value__boolean", "value__attribute__slug"
                ),
            ),
            Prefetch(
                "fulfillments",
                queryset=order_models.Fulfillment.objects.only("order_id", "status", "created_at"),
            ),
            Prefetch(
                "fulfillments__lines",
                queryset=order_models.FulfillmentLine.objects.only("fulfillment_id", "order_line_id"),
            ),
        )
    )


def load_order(order_id: str | uuid.UUID) -> Any | None:
    try:
        key = uuid.UUID(str(order_id))
    except ValueError:
        return None
    return order_queryset().filter(id=key).first()


def _category_paths(lines: Iterable[Any]) -> dict[int, tuple[str, ...]]:
    """The slugs from the root down to each category of the lines' products (category id -> path), in one query."""
    categories = {
        line.variant.product.category.pk: line.variant.product.category
        for line in lines
        if line.variant is not None and line.variant.product.category is not None
    }
    if not categories:
        return {}
    within = Q()
    for category in categories.values():
        within |= Q(tree_id=category.tree_id, lft__lte=category.lft, rght__gte=category.rght)
    ancestors = list(
        Category.objects.filter(within).order_by("tree_id", "lft").only("slug", "tree_id", "lft", "rght")
    )
    return {
        pk: tuple(
            node.slug
            for node in ancestors
            if node.tree_id == category.tree_id and node.lft <= category.lft and node.rght >= category.rght
        )
        for pk, category in categories.items()
    }


def _attribute_value(value: Any) -> str:
    if value.boolean is not None:
        return "true" if value.boolean else "false"
    return value.slug


def _attributes(assignments: Iterable[Any]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for assigned in assignments:
        value = assigned.value
        found.setdefault(value.attribute.slug, []).append(_attribute_value(value))
    return {slug: tuple(values) for slug, values in found.items()}


def _product_facts(line: Any, category_paths: Mapping[int, tuple[str, ...]]) -> ProductFacts:
    variant = line.variant
    product = variant.product if variant else None
    if product is None:
        return ProductFacts(
            sku=line.product_sku or "",
            product_name=line.product_name,
            variant_id=line.product_variant_id,
            is_gift_card=line.is_gift_card,
        )
    attributes = _attributes(product.attributevalues.all())
    attributes.update(_attributes(variant.attributevalues.all()))
    return ProductFacts(
        sku=line.product_sku or variant.sku or "",
        product_id=graphene.Node.to_global_id("Product", product.pk),
        variant_id=graphene.Node.to_global_id("ProductVariant", variant.pk),
        product_name=line.product_name,
        product_type=product.product_type.slug if product.product_type_id else "",
        category_path=category_paths.get(product.category_id, ()),
        collections=tuple(sorted(c.slug for c in product.collections.all())),
        attributes=attributes,
        is_gift_card=line.is_gift_card,
    )


def _fulfilment_times(order: Any) -> dict[str, datetime]:
    """When each line first left the warehouse (Saleor records no delivery date)."""
    times: dict[str, datetime] = {}
    for fulfillment in order.fulfillments.all():
        if fulfillment.status not in SHIPPED_FULFILMENTS:
            continue
        for fline in fulfillment.lines.all():
            key = str(fline.order_line_id)
            if key not in times or fulfillment.created_at < times[key]:
                times[key] = fulfillment.created_at
    return times


def order_facts(order: Any) -> OrderFacts:
    times = _fulfilment_times(order)
    category_paths = _category_paths(order.lines.all())
    lines = []
    for line in sorted(order.lines.all(), key=lambda item: (item.created_at, str(item.pk))):
        paid = line.total_price_gross_amount
        lines.append(
            OrderLineFacts(
                line_id=str(line.pk),
                product=_product_facts(line, category_paths),
                quantity=line.quantity,
                unit_price=quantize(line.unit_price_gross_amount, order.currency),
                paid_total=quantize(paid, order.currency),
                quantity_fulfilled=line.quantity_fulfilled,
                fulfilled_at=times.get(str(line.pk)),
            )
        )
    address = order.shipping_address or order.billing_address
    fulfilled = [times.get(line.line_id) for line in lines]
    return OrderFacts(
        order_id=str(order.pk),
        channel=order.channel.slug,
        currency=order.currency,
        created_at=order.created_at,
        lines=tuple(lines),
        total=quantize(order.total_gross_amount, order.currency),
        number=str(order.number),
        customer_email=order.user_email or (order.user.email if order.user_id else ""),
        customer_id=customer_global_id(order.user_id),
        shipping_country=address.country.code if address and address.country else "",
        fulfilled_at=max(fulfilled) if fulfilled and all(fulfilled) else None,  # type: ignore[type-var]
    )


def _spread(
    amount: Decimal, weights: Mapping[str, Decimal], currency: str, into: dict[str, Decimal]
) -> Decimal:
    """Add ``amount`` to the lines of ``weights`` in proportion (each at most its weight); returns what is left."""
    amount = quantize(amount, currency)
    total = sum(weights.values(), Decimal(0))
    if amount <= 0 or total <= 0:
        return max(amount, Decimal(0))
    part = min(amount, quantize(total, currency))
    for key, share in zip(weights, allocate(part, list(weights.values()), currency), strict=True):
        into[key] += share
    return amount - part


def _sql(template: str) -> str:
    """``template`` with ``{Model}`` replaced by the table of that Saleor model and ``{Model.field}`` by the column."""
    models = {
        "Order": order_models.Order,
        "OrderLine": order_models.OrderLine,
        "Fulfillment": order_models.Fulfillment,
        "FulfillmentLine": order_models.FulfillmentLine,
        "OrderGrantedRefund": order_models.OrderGrantedRefund,
        "TransactionItem": TransactionItem,
        "Payment": Payment,
        "Transaction": Transaction,
        "GiftCard": GiftCard,
    }

    def name(match: re.Match[str]) -> str:
        model = models[match.group(1)]
        if match.group(2) is None:
            return connection.ops.quote_name(model._meta.db_table)
        return connection.ops.quote_name(model._meta.get_field(match.group(2)).column)

    return re.sub(r"\{(\w+)(?:\.(\w+))?\}", name, template)


# Raw SQL (written once, from Saleor's models): the ORM's compilation of these subqueries cost more than running them.
# One query: the order's row (materialised, so its subqueries run once) joined to its lines.
_LEDGER = """
WITH o AS MATERIALIZED (
  SELECT o.{Order.id} AS id, o.{Order.currency} AS currency,
    EXISTS (SELECT 1 FROM {TransactionItem} t WHERE t.{TransactionItem.order} = o.{Order.id}) AS uses_transactions,
    COALESCE((SELECT SUM(t.{TransactionItem.refunded_value} + t.{TransactionItem.refund_pending_value})
              FROM {TransactionItem} t WHERE t.{TransactionItem.order} = o.{Order.id}), 0) AS refunds_moved,
    EXISTS (SELECT 1 FROM {OrderGrantedRefund} g WHERE g.{OrderGrantedRefund.order} = o.{Order.id}) AS granted,
    EXISTS (SELECT 1 FROM {Payment} p WHERE p.{Payment.order} = o.{Order.id}) AS payments,
    EXISTS (SELECT 1 FROM {Payment} p
            WHERE p.{Payment.order} = o.{Order.id} AND p.{Payment.metadata} ? %(lines_tag)s) AS line_refunds,
    COALESCE((SELECT SUM(x.{Transaction.amount}) FROM {Transaction} x
              JOIN {Payment} p ON p.{Payment.id} = x.{Transaction.payment}
              WHERE p.{Payment.order} = o.{Order.id} AND x.{Transaction.kind} = %(refund)s
                AND x.{Transaction.is_success}), 0) AS legacy_refunded,
    EXISTS (SELECT 1 FROM {Fulfillment} f
            WHERE f.{Fulfillment.order} = o.{Order.id} AND f.{Fulfillment.status} = ANY(%(refunded)s)) AS refunded,
    EXISTS (SELECT 1 FROM {GiftCard} c WHERE c.{GiftCard.metadata} @> %(gift_card_tag)s::jsonb) AS gift_cards
  FROM {Order} o WHERE o.{Order.id} = %(order)s
)
SELECT o.id, o.currency, o.uses_transactions, o.refunds_moved, o.granted, o.payments, o.line_refunds,
  o.legacy_refunded, o.refunded, o.gift_cards,
  l.{OrderLine.id}, l.{OrderLine.unit_price_gross_amount}, l.{OrderLine.total_price_gross_amount},
  COALESCE((SELECT SUM(fl.{FulfillmentLine.quantity}) FROM {FulfillmentLine} fl
            JOIN {Fulfillment} f ON f.{Fulfillment.id} = fl.{FulfillmentLine.fulfillment}
            WHERE fl.{FulfillmentLine.order_line} = l.{OrderLine.id} AND f.{Fulfillment.status} = ANY(%(shipped)s)), 0),
  COALESCE((SELECT SUM(fl.{FulfillmentLine.quantity}) FROM {FulfillmentLine} fl
            JOIN {Fulfillment} f ON f.{Fulfillment.id} = fl.{FulfillmentLine.fulfillment}
            WHERE fl.{FulfillmentLine.order_line} = l.{OrderLine.id} AND f.{Fulfillment.status} = ANY(%(returned)s)), 0)
FROM o LEFT JOIN {OrderLine} l ON l.{OrderLine.order} = o.id
"""


@dataclass(frozen=True, slots=True)
class LedgerLine:
    """One of Saleor's order lines as its ledger is read: its unit price and total, the units delivered and
    returned."""

    line_id: str
    unit_price: Decimal
    total_price: Decimal
    delivered: int
    returned: int


@dataclass(frozen=True, slots=True)
class LedgerOrder:
    """Saleor's order as its ledger starts being read (:func:`ledger_order`)."""

    pk: uuid.UUID
    currency: str
    uses_transactions: bool
    refunds_moved: Decimal
    """Refunded and refund-pending amounts of its transactions."""
    has_granted_refunds: bool
    has_payments: bool
    has_payment_line_refunds: bool
    """A legacy payment carries the plugin's refunds per line in its metadata."""
    legacy_refunded: Decimal
    """Successful refunds of its legacy payments."""
    has_refunded_fulfilments: bool
    has_gift_cards: bool
    """The plugin issued gift cards for it."""
    lines: tuple[LedgerLine, ...] = ()


def ledger_order(order_id: str) -> LedgerOrder | None:
    """Saleor's order as its ledger is read (:func:`saleor_ledger`), in one query: its currency, its lines with the
    units delivered and returned and, from Saleor's payment records, what refunds moved and which other records it
    has (so only those are read after); None when Saleor has no such order."""
    try:
        key = str(uuid.UUID(str(order_id)))
    except ValueError:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            _ledger_sql(),
            {
                "order": key,
                "lines_tag": LINES_TAG,
                "refund": TransactionKind.REFUND,
                "refunded": list(REFUNDED_FULFILMENTS),
                "gift_card_tag": json.dumps({ORDER_TAG: key}),
                "shipped": list(SHIPPED_FULFILMENTS),
                "returned": list(RETURNED_FULFILMENTS),
            },
        )
        rows = cursor.fetchall()
    if not rows:
        return None
    lines = tuple(
        LedgerLine(str(line_id), Decimal(unit_price), Decimal(total_price), int(delivered), int(returned))
        for *_order, line_id, unit_price, total_price, delivered, returned in rows
        if line_id is not None
    )
    return LedgerOrder(*rows[0][:10], lines=lines)


@cache
def _ledger_sql() -> str:
    return _sql(_LEDGER)


def saleor_ledger(order: LedgerOrder) -> OrderLedger:
    """Saleor's own record of an order's deliveries, returns and refunds, whoever made them.

    ``order`` is read by :func:`ledger_order` with its lines and their delivered and returned units; then only the
    records it has that the figures need: granted refunds (with lines) in the Transactions flow;
    payments that carry the plugin's refunds per line, refunded fulfilments (with lines) in the legacy one; gift
    cards the plugin issued for the order. The number of queries does not grow with what the order holds.

    * delivered: units in approved fulfilments (waiting-for-approval and cancelled ones are not delivered);
      returned: units in returned, refunded-and-returned and replaced fulfilments;
    * Transactions flow: every granted refund not refused counts (pending or not yet requested included, so it can
      never be paid twice); one with lines is spread over them by unit price x quantity, as Saleor computes a
      grant's amount; the rest counts for the order, less the order's shipping when the grant includes it (money
      paid for shipping is no product's); transaction refunds no grant explains count for the order;
    * legacy payments: refunds of fulfilments (orderFulfillmentRefundProducts) spread over their lines, less the
      shipping Saleor refunded with them; the plugin's own refunds and gift cards per line as recorded in their
      metadata; the rest of the payments' refunds for the order.
    """
    currency = order.currency
    unit: dict[str, Decimal] = {}
    total: dict[str, Decimal] = {}
    delivered: dict[str, int] = {}
    returned: dict[str, int] = {}
    for line in order.lines:
        unit[line.line_id] = line.unit_price
        total[line.line_id] = line.total_price
        delivered[line.line_id], returned[line.line_id] = line.delivered, line.returned
    refunded: dict[str, Decimal] = defaultdict(Decimal)
    for_order = Decimal(0)
    if order.uses_transactions:
        covered = Decimal(0)
        granted_refunds = (
            order_models.OrderGrantedRefund.objects.filter(order_id=order.pk)
            .annotate(shipping=F("order__shipping_price_gross_amount"))
            .prefetch_related("lines")
            if order.has_granted_refunds
            else ()
        )
        for granted in granted_refunds:
            if granted.status == OrderGrantedRefundStatus.FAILURE:
                continue
            weights = {
                str(gline.order_line_id): unit.get(str(gline.order_line_id), Decimal(0)) * gline.quantity
                for gline in granted.lines.all()
            }
            rest = _spread(granted.amount_value, weights, currency, refunded)
            if granted.shipping_costs_included:  # the order's shipping, granted back: no product's money
                rest -= min(rest, Decimal(granted.shipping or 0))
            for_order += rest
            if granted.status in (OrderGrantedRefundStatus.PENDING, OrderGrantedRefundStatus.SUCCESS):
                covered += granted.amount_value
        for_order += max(order.refunds_moved - covered, Decimal(0))
    if order.has_payments:
        explained = Decimal(0)
        payments = (
            Payment.objects.filter(order_id=order.pk, metadata__has_key=LINES_TAG)
            if order.has_payment_line_refunds
            else ()
        )
        for payment in payments:
            for amounts in (payment.get_value_from_metadata(LINES_TAG) or {}).values():
                for key, value in amounts.items():
                    refunded[key] += Decimal(str(value))
                    explained += Decimal(str(value))
        if not order.uses_transactions and order.has_refunded_fulfilments:
            refunded_fulfilments = order_models.Fulfillment.objects.filter(
                order_id=order.pk, status__in=REFUNDED_FULFILMENTS
            ).prefetch_related("lines")
            for fulfilment in refunded_fulfilments:
                if fulfilment.get_value_from_metadata(REFUND_TAG):
                    continue
                weights: dict[str, Decimal] = defaultdict(Decimal)
                for fline in fulfilment.lines.all():
                    weights[str(fline.order_line_id)] += unit.get(str(fline.order_line_id), Decimal(0)) * (
                        fline.quantity
                    )
                # Saleor's total includes the shipping it refunded with the products (shipping_refund_amount).
                amount = Decimal(fulfilment.total_refund_amount or 0)
                shipping = min(Decimal(fulfilment.shipping_refund_amount or 0), amount)
                rest = _spread(amount - shipping, weights, currency, refunded)
                # More than its units' price (Saleor priced units it had already moved elsewhere): the same
                # lines' products still, up to what is left of each line's price, before the order's.
                room = {key: max(total.get(key, Decimal(0)) - refunded[key], Decimal(0)) for key in weights}
                for_order += _spread(rest, room, currency, refunded)
                explained += amount
        for_order += max(Decimal(order.legacy_refunded) - explained, Decimal(0))
    gift_cards = (
        GiftCard.objects.filter(metadata__contains={ORDER_TAG: str(order.pk)}) if order.has_gift_cards else ()
    )
    for card in gift_cards:
        for key, value in (card.get_value_from_metadata(LINES_TAG) or {}).items():
            refunded[key] += Decimal(str(value))
    return OrderLedger(
        currency,
        {
            key: LineLedger(key, delivered[key], returned[key], quantize(refunded[key], currency))
            for key in unit
        },
        quantize(for_order, currency),
    )


# --- the channel


def channel_info(channel: Any) -> ChannelInfo:
    """What the configuration check needs of a Saleor channel."""
    country = channel.default_country.code if channel.default_country else ""
    return ChannelInfo(channel.slug, channel.currency_code, country)


def channel_config(channel_slug: str) -> ChannelConfig:
    """The plugin's saved configuration of a channel (the defaults when it was never saved)."""
    row = (
        PluginConfiguration.objects.filter(identifier=PLUGIN_ID, channel__slug=channel_slug)
        .only("configuration")
        .first()
    )
    return parse_configuration(row.configuration if row else [])
