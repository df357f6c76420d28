"""Everything that touches Saleor besides plugin.py: order facts, the host port, and who is calling.

* :func:`order_facts` turns a Saleor ``Order`` into :class:`~.domain.facts.OrderFacts` (category ancestors,
  collections, attributes, shipping country and the fulfilment time of every line).
* :class:`SaleorHost` carries out resolutions with Saleor's own actions: returned-products fulfilments, refunds to
  the original payment (legacy Payment flow and Transactions flow), gift cards as store credit, replacement orders.
  Every action is tagged with the case id inside Saleor and looked up before it is created again.
* :func:`identify` resolves the caller of the plugin's endpoint from a Saleor JWT or an app token.
"""

import json
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import graphene
import jwt
from django.db import transaction
from django.db.models import Prefetch, Sum
from saleor.core.auth import get_token_from_request
from saleor.core.auth_backend import load_user_from_request
from saleor.core.utils.promo_code import generate_promo_code
from saleor.giftcard import events as gift_card_events
from saleor.giftcard.models import GiftCard
from saleor.giftcard.utils import calculate_expiry_date
from saleor.order import FulfillmentLineData, FulfillmentStatus, OrderGrantedRefundStatus
from saleor.order import models as order_models
from saleor.order.actions import (
    create_fulfillments_for_returned_products,
    create_replace_order,
    order_refunded,
)
from saleor.order.events import order_replacement_created
from saleor.order.utils import calculate_order_granted_refund_status, update_order_charge_data
from saleor.page.models import Page
from saleor.payment import PaymentError, TransactionEventType, TransactionKind
from saleor.payment import gateway as payment_gateway
from saleor.payment.interface import RefundData
from saleor.payment.models import Transaction, TransactionEvent
from saleor.permission.enums import OrderPermissions, PluginsPermissions
from saleor.site.models import Site

from .domain.actors import ANONYMOUS, MANAGE_ORDERS, MANAGE_PLUGINS, Principal
from .domain.facts import OrderFacts, OrderLineFacts, ProductFacts
from .domain.host import HostError, HostResult, LineLedger, OrderLedger, RefundOutcome, ReturnedLine
from .domain.money import allocate, quantize
from .services import ServiceError
from .services import ledger as ledger_service
from .services import orders as order_service
from .services import returns as return_service

logger = logging.getLogger(__name__)

PLUGIN_ID = "saleor.aftersales"

CASE_TAG = "aftersales_case"
"""Metadata key on Saleor objects (return fulfilments, gift cards) naming the case that created them."""
REFUND_TAG = "aftersales_refund"
"""Metadata key on a return fulfilment: the refund already made for its case (legacy payment flow)."""
ORDER_TAG = "aftersales_order"
"""Metadata key on a gift card the plugin issued: the order whose lines it settles."""
LINES_TAG = "aftersales_lines"
"""Metadata key: the money per order line that a plugin gift card or legacy refund settles (the ledger reads it)."""
GRANTED_REFUND = "granted-refund:"
PAYMENT_REFUND = "payment-refund:"
"""Prefixes of refund references: a granted refund (Transactions flow) or a legacy payment refund transaction."""

# Fulfilments whose lines came back to the shop (or were replaced).
_RETURNED_FULFILMENTS = (
    FulfillmentStatus.RETURNED,
    FulfillmentStatus.REFUNDED_AND_RETURNED,
    FulfillmentStatus.REPLACED,
)
# Fulfilments whose lines the customer still holds (and may send back).
_RETURNABLE_FULFILMENTS = (FulfillmentStatus.FULFILLED, FulfillmentStatus.REFUNDED)
# Fulfilments that mean the items left the warehouse.
_SHIPPED_FULFILMENTS = (
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


def _order_queryset() -> Any:
    return order_models.Order.objects.select_related(
        "channel", "shipping_address", "billing_address", "user"
    ).prefetch_related(
        "lines__variant__product__category",
        "lines__variant__product__product_type",
        "lines__variant__product__collections",
        "lines__variant__product__attributevalues__value__attribute",
        "lines__variant__attributevalues__value__attribute",
        "fulfillments__lines",
    )


def load_order(order_id: str | uuid.UUID) -> Any | None:
    try:
        key = uuid.UUID(str(order_id))
    except ValueError:
        return None
    return _order_queryset().filter(id=key).first()


def _category_path(category: Any) -> tuple[str, ...]:
    if category is None:
        return ()
    return tuple(c.slug for c in category.get_ancestors(include_self=True))


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


def _product_facts(line: Any) -> ProductFacts:
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
        category_path=_category_path(product.category),
        collections=tuple(sorted(c.slug for c in product.collections.all())),
        attributes=attributes,
        is_gift_card=line.is_gift_card,
    )


def _fulfilment_times(order: Any) -> dict[str, datetime]:
    """When each line first left the warehouse (Saleor records no delivery date)."""
    times: dict[str, datetime] = {}
    for fulfillment in order.fulfillments.all():
        if fulfillment.status not in _SHIPPED_FULFILMENTS:
            continue
        for fline in fulfillment.lines.all():
            key = str(fline.order_line_id)
            if key not in times or fulfillment.created_at < times[key]:
                times[key] = fulfillment.created_at
    return times


def order_facts(order: Any) -> OrderFacts:
    times = _fulfilment_times(order)
    lines = []
    for line in sorted(order.lines.all(), key=lambda item: (item.created_at, str(item.pk))):
        paid = line.total_price_gross_amount
        lines.append(
            OrderLineFacts(
                line_id=str(line.pk),
                product=_product_facts(line),
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


def record(order: Any, *, paid_at: datetime | None = None, cancelled_at: datetime | None = None) -> Any:
    """Record (or refresh) a Saleor order in the plugin's tables; reloads it with what the facts need."""
    full = _order_queryset().get(pk=order.pk)
    return order_service.record_order(order_facts(full), paid_at=paid_at, cancelled_at=cancelled_at)


def ensure_order_recorded(order_id: str) -> bool:
    """Record an order placed before the plugin was installed; False when Saleor has no such order.

    Accepts the order's UUID or its Saleor global id (``Order:<uuid>``).
    """
    raw = str(order_id)
    try:
        kind, pk = graphene.Node.from_global_id(raw)
        if kind == "Order":
            raw = pk
    except Exception:  # not a global id: a plain UUID
        pass
    try:
        order_service.get_order(raw)
        return True
    except ServiceError:
        pass
    order = load_order(raw)
    if order is None:
        return False
    order_service.record_order(order_facts(order))
    return True


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


def saleor_ledger(order: Any) -> OrderLedger:
    """Saleor's own record of an order's deliveries, returns and refunds, whoever made them.

    ``order`` comes with its lines, fulfilments (with lines), transactions, granted refunds (with lines) and payments
    prefetched (:meth:`SaleorHost.ledger`), so the read costs the same whatever the order holds.

    * delivered: units in approved fulfilments (waiting-for-approval and cancelled ones are not delivered);
      returned: units in returned, refunded-and-returned and replaced fulfilments;
    * Transactions flow: every granted refund not refused counts (pending or not yet requested included, so it can
      never be paid twice); one with lines is spread over them by unit price x quantity, as Saleor computes a
      grant's amount (the rest, e.g. shipping, counts for the order); transaction refunds no grant explains
      count for the order;
    * legacy payments: refunds of fulfilments (orderFulfillmentRefundProducts) spread over their lines; the
      plugin's own refunds and gift cards per line as recorded in their metadata; the rest of the payments' refunds
      for the order.
    """
    currency = order.currency
    unit = {str(line.pk): Decimal(line.unit_price_gross_amount) for line in order.lines.all()}
    delivered: dict[str, int] = defaultdict(int)
    returned: dict[str, int] = defaultdict(int)
    refunded: dict[str, Decimal] = defaultdict(Decimal)
    for_order = Decimal(0)
    fulfilments = list(order.fulfillments.all())
    for fulfilment in fulfilments:
        for fline in fulfilment.lines.all():
            key = str(fline.order_line_id)
            if fulfilment.status in _SHIPPED_FULFILMENTS:
                delivered[key] += fline.quantity
            if fulfilment.status in _RETURNED_FULFILMENTS:
                returned[key] += fline.quantity
    transactions = list(order.payment_transactions.all())
    if transactions:
        covered = Decimal(0)
        for granted in order.granted_refunds.all():
            if granted.status == OrderGrantedRefundStatus.FAILURE:
                continue
            weights = {
                str(gline.order_line_id): unit.get(str(gline.order_line_id), Decimal(0)) * gline.quantity
                for gline in granted.lines.all()
            }
            for_order += _spread(granted.amount_value, weights, currency, refunded)
            if granted.status in (OrderGrantedRefundStatus.PENDING, OrderGrantedRefundStatus.SUCCESS):
                covered += granted.amount_value
        moved = sum((item.refunded_value + item.refund_pending_value for item in transactions), Decimal(0))
        for_order += max(moved - covered, Decimal(0))
    payments = list(order.payments.all())
    if payments:
        legacy = Transaction.objects.filter(
            payment__order=order, kind=TransactionKind.REFUND, is_success=True
        ).aggregate(total=Sum("amount"))["total"] or Decimal(0)
        explained = Decimal(0)
        for payment in payments:
            for amounts in (payment.get_value_from_metadata(LINES_TAG) or {}).values():
                for key, value in amounts.items():
                    refunded[key] += Decimal(str(value))
                    explained += Decimal(str(value))
        if not transactions:
            for fulfilment in fulfilments:
                if fulfilment.status not in (
                    FulfillmentStatus.REFUNDED,
                    FulfillmentStatus.REFUNDED_AND_RETURNED,
                ) or fulfilment.get_value_from_metadata(REFUND_TAG):
                    continue
                weights: dict[str, Decimal] = defaultdict(Decimal)
                for fline in fulfilment.lines.all():
                    weights[str(fline.order_line_id)] += unit.get(str(fline.order_line_id), Decimal(0)) * (
                        fline.quantity
                    )
                amount = Decimal(fulfilment.total_refund_amount or 0)
                for_order += _spread(amount, weights, currency, refunded)
                explained += amount + Decimal(fulfilment.shipping_refund_amount or 0)
        for_order += max(Decimal(legacy) - explained, Decimal(0))
    for card in GiftCard.objects.filter(metadata__contains={ORDER_TAG: str(order.pk)}):
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


# --- order events (run by the record_saleor_order task, off Saleor's request path)

ORDER_EVENTS = ("created", "confirmed", "paid", "fulfilled", "cancelled", "refunded")


def apply_order_event(order_id: str, event: str, at: str) -> bool:
    """Bring the plugin's record of a Saleor order up to date after ``event``; False when Saleor has no such order.

    Facts are read from Saleor now (not from the event), so a late or replayed event records the current state;
    each line's fulfilment time comes from Saleor's fulfilments. The policy version pinned is the one in force when
    the order was placed, whenever this runs.
    """
    if event not in ORDER_EVENTS:
        raise ValueError(f"Unknown order event {event!r}; known: {', '.join(ORDER_EVENTS)}.")
    instant = datetime.fromisoformat(at)
    with transaction.atomic():
        order = _order_queryset().filter(pk=order_id).first()
        if order is None:
            return False
        facts = order_facts(order)
        if event == "refunded":
            try:
                record_row = order_service.get_order(order.pk)
            except ServiceError:
                record_row = order_service.record_order(facts)
            host = SaleorHost()
            return_service.reconcile_refunds(order.pk, host)
            ledger_service.refresh_cache(record_row, ledger_service.balances(record_row, host))
            return True
        order_service.record_order(
            facts,
            paid_at=instant if event == "paid" else None,
            cancelled_at=instant if event == "cancelled" else None,
        )
        if event == "cancelled":
            close_open_cases(order.pk, "The order was cancelled in Saleor.")
    if event == "fulfilled":
        from .tasks import send_policy_reminder

        send_policy_reminder.delay(str(order.pk))
    return True


def close_open_cases(order_id: Any, reason: str) -> None:
    """Withdraw or close every open case of a cancelled order (cases past receipt stay for staff to finish)."""
    from .domain import cases as machine
    from .domain.actors import SYSTEM_ACTOR
    from .models import Case
    from .services import returns
    from .services.cases import transition

    for case in Case.objects.filter(order__order_id=order_id).exclude(status__in=machine.NOT_OPEN):
        if machine.customer_may_cancel(case.kind, case.status):
            returns.cancel(case.pk, actor=SYSTEM_ACTOR, reason=reason)
        elif machine.CaseStatus.CLOSED in machine.allowed_next(case.kind, case.status):
            transition(
                case.pk,
                machine.CaseStatus.CLOSED,
                actor_type=SYSTEM_ACTOR.type,
                actor_id=SYSTEM_ACTOR.id,
                message=reason,
            )
        else:
            logger.info("After-sales: case %s stays %s after its order was cancelled", case.pk, case.status)


# --- the host port


class SaleorHost:
    """Resolutions carried out by Saleor's own order and payment actions."""

    name = "saleor"
    moves_money = True

    def __init__(self, manager: Any = None, user: Any = None, app: Any = None) -> None:
        self._manager = manager
        self.user = user
        self.app = app

    @property
    def manager(self) -> Any:
        if self._manager is None:
            from saleor.plugins.manager import get_plugins_manager

            self._manager = get_plugins_manager(allow_replica=False)
        return self._manager

    def _order(self, order_id: str) -> Any:
        order = order_models.Order.objects.select_related("channel").filter(id=order_id).first()
        if order is None:
            raise HostError(f"Saleor has no order {order_id}; it may have been deleted.")
        return order

    # the ledger

    def ledger(self, order_id: str) -> OrderLedger:
        # Everything the ledger reads, fetched up front: the same number of queries whatever the order holds.
        order = (
            order_models.Order.objects.filter(id=order_id)
            .only("id", "currency")
            .prefetch_related(
                Prefetch(
                    "lines",
                    queryset=order_models.OrderLine.objects.only("id", "order_id", "unit_price_gross_amount"),
                ),
                "fulfillments__lines",
                "payment_transactions",
                "granted_refunds__lines",
                "payments",
            )
            .first()
        )
        if order is None:
            raise HostError(f"Saleor has no order {order_id}; it may have been deleted.")
        return saleor_ledger(order)

    def _reason_page(self, order: Any, page_type: Any) -> Any | None:
        """The page the channel's configuration names as the refund reason reference (slug or Page id)."""
        wanted = str(channel_configuration(order.channel.slug).get("refundReasonReference") or "").strip()
        if not wanted:
            return None
        pages = Page.objects.filter(page_type=page_type)
        try:
            kind, pk = graphene.Node.from_global_id(wanted)
        except Exception:  # not a global id: a slug
            kind, pk = "", ""
        if kind == "Page" and str(pk).isdigit():
            return pages.filter(pk=int(pk)).first()
        return pages.filter(slug=wanted).first()

    def _uses_transactions(self, order: Any) -> bool:
        return order.payment_transactions.filter(charged_value__gt=0).exists()

    def refund_blocker(self, order_id: str) -> str:
        order = self._order(order_id)
        if not self._uses_transactions(order):
            return ""
        page_type = Site.objects.get_current().settings.refund_reason_reference_type
        if page_type is None or self._reason_page(order, page_type) is not None:
            return ""
        return (
            f"The shop's refund settings require a refund reason reference (a page of type '{page_type.name}'), "
            f"and the after-sales configuration of channel {order.channel.slug} names none of that type: set "
            "'Refund reason reference' to the slug of such a page. No money was moved."
        )

    def refund_outcome(self, order_id: str, reference: str) -> tuple[RefundOutcome, str]:
        order = self._order(order_id)
        if reference.startswith(GRANTED_REFUND):
            granted = order.granted_refunds.filter(pk=reference.removeprefix(GRANTED_REFUND)).first()
            if granted is None:
                return RefundOutcome.FAILURE, "The granted refund no longer exists in Saleor."
            calculate_order_granted_refund_status(granted)
            last = granted.transaction_events.order_by("created_at").last()
            message = (last.message or "") if last else ""
            if granted.status == OrderGrantedRefundStatus.SUCCESS:
                return (
                    RefundOutcome.SUCCESS,
                    f"The payment app refunded {granted.amount_value} {granted.currency}.",
                )
            if granted.status == OrderGrantedRefundStatus.FAILURE:
                return RefundOutcome.FAILURE, message or "no reason given"
            return RefundOutcome.PENDING, message
        return RefundOutcome.SUCCESS, "Refunded through the payment gateway."

    def _case_fulfilment(self, order: Any, case_id: str) -> Any | None:
        return order.fulfillments.filter(
            metadata__contains={CASE_TAG: case_id},
            status__in=[FulfillmentStatus.RETURNED, FulfillmentStatus.REFUNDED_AND_RETURNED],
        ).first()

    def mark_returned(self, order_id: str, case_id: str, lines: Sequence[ReturnedLine]) -> HostResult:
        order = self._order(order_id)
        existing = self._case_fulfilment(order, case_id)
        if existing is not None:
            return HostResult(str(existing.pk), message="Items were already marked returned in Saleor.")
        fulfilment_lines = self._returnable_lines(order, lines)
        try:
            with transaction.atomic():
                returned, _replaced, _draft = create_fulfillments_for_returned_products(
                    user=self.user,
                    app=self.app,
                    order=order,
                    payment=None,
                    order_lines=[],
                    fulfillment_lines=fulfilment_lines,
                    manager=self.manager,
                    site_settings=Site.objects.get_current().settings,
                    refund=False,
                    reason=f"After-sales case {case_id}",
                )
                returned.store_value_in_metadata({CASE_TAG: case_id})
                returned.save(update_fields=["metadata"])
        except Exception as error:
            logger.exception("Saleor could not mark the items of case %s returned", case_id)
            raise HostError(f"Saleor could not mark the items returned: {error}") from error
        return HostResult(
            str(returned.pk), message=f"Return fulfilment #{returned.fulfillment_order} created."
        )

    def _returnable_lines(self, order: Any, lines: Sequence[ReturnedLine]) -> list[Any]:
        """Fulfilment lines covering every returned unit; refuses what Saleor's action would not check."""
        if order.status in ("draft", "unconfirmed", "canceled", "expired"):
            raise HostError(f"Order #{order.number} is {order.status}; only fulfilled orders take returns.")
        result = []
        for line in lines:
            if line.quantity <= 0:
                raise HostError(f"Line {line.line_id}: the quantity to return must be positive.")
            candidates = list(
                order_models.FulfillmentLine.objects.filter(
                    order_line_id=line.line_id,
                    fulfillment__order=order,
                    fulfillment__status__in=_RETURNABLE_FULFILMENTS,
                    quantity__gt=0,
                ).select_related("fulfillment", "order_line")
            )
            available = sum(candidate.quantity for candidate in candidates)
            if available < line.quantity:
                name = candidates[0].order_line.product_name if candidates else line.line_id
                raise HostError(
                    f"Cannot return {line.quantity} x {name} of order #{order.number}: only {available} "
                    "shipped unit(s) are not yet returned in Saleor."
                )
            wanted = line.quantity
            for candidate in candidates:
                take = min(wanted, candidate.quantity)
                if take:
                    result.append(FulfillmentLineData(line=candidate, quantity=take))
                wanted -= take
        return result

    # money

    def refund(
        self,
        order_id: str,
        case_id: str,
        lines: Sequence[ReturnedLine],
        amount: Decimal,
        currency: str,
        reason: str,
    ) -> HostResult:
        order = self._order(order_id)
        if currency != order.currency:
            raise HostError(f"The refund is in {currency} but order #{order.number} is in {order.currency}.")
        amount = quantize(amount, currency)
        if amount <= 0:
            raise HostError("Nothing to refund: the amount is zero.")
        transaction_item = (
            order.payment_transactions.filter(charged_value__gt=0).order_by("-charged_value").first()
        )
        if transaction_item is not None:
            return self._refund_transaction(order, transaction_item, case_id, lines, amount, reason)
        payment = order.payments.filter(is_active=True).order_by("-pk").first()
        if payment is not None and payment.captured_amount > 0:
            return self._refund_payment(order, payment, case_id, lines, amount)
        raise HostError(
            f"Order #{order.number} has no captured payment to refund; refund it by another means or offer "
            "store credit."
        )

    def _refund_transaction(
        self,
        order: Any,
        transaction_item: Any,
        case_id: str,
        lines: Sequence[ReturnedLine],
        amount: Decimal,
        reason: str,
    ) -> HostResult:
        tag = f"[{CASE_TAG}:{case_id}]"
        granted = order.granted_refunds.filter(reason__contains=tag).first()
        # A failed request may be retried with the same granted refund; a pending or successful one is not repeated.
        if granted is not None and granted.status in (
            OrderGrantedRefundStatus.PENDING,
            OrderGrantedRefundStatus.SUCCESS,
        ):
            return HostResult(
                f"{GRANTED_REFUND}{granted.pk}",
                pending=granted.status != OrderGrantedRefundStatus.SUCCESS,
                message="The refund was already requested.",
            )
        page_type = Site.objects.get_current().settings.refund_reason_reference_type
        reason_page = self._reason_page(order, page_type) if page_type is not None else None
        if page_type is not None and reason_page is None:
            raise HostError(self.refund_blocker(str(order.pk)))
        if amount > transaction_item.charged_value:
            raise HostError(
                f"Cannot refund {amount} {order.currency}: the payment holds only "
                f"{transaction_item.charged_value} {order.currency}."
            )
        with transaction.atomic():
            if granted is None:
                granted = order.granted_refunds.create(
                    amount_value=amount,
                    currency=order.currency,
                    reason=f"{reason} {tag}".strip(),
                    user=self.user,
                    app=self.app,
                    transaction_item=transaction_item,
                    reason_reference=reason_page,
                )
                order_models.OrderGrantedRefundLine.objects.bulk_create(
                    [
                        order_models.OrderGrantedRefundLine(
                            granted_refund=granted,
                            order_line_id=line.line_id,
                            quantity=line.quantity,
                            reason=reason,
                            reason_reference=reason_page,
                        )
                        for line in lines
                    ]
                )
                update_order_charge_data(order)
        request_event = TransactionEvent.objects.create(
            transaction=transaction_item,
            amount_value=amount,
            currency=transaction_item.currency,
            type=TransactionEventType.REFUND_REQUEST,
            user=self.user,
            app=self.app,
            message=reason[:512],
            related_granted_refund=granted,
        )
        try:
            payment_gateway.request_refund_action(
                transaction=transaction_item,
                manager=self.manager,
                refund_value=amount,
                request_event=request_event,
                channel_slug=order.channel.slug,
                user=self.user,
                app=self.app,
                granted_refund=granted,
            )
        except PaymentError as error:
            # Saleor has already recorded the failure as a transaction event of the granted refund.
            calculate_order_granted_refund_status(granted)
            raise HostError(
                f"Saleor could not request the refund from the payment app: {error}. The granted refund stays "
                "on the order; retry once the payment app is available, or refund manually."
            ) from error
        calculate_order_granted_refund_status(granted)
        outcome, answer = self.refund_outcome(str(order.pk), f"{GRANTED_REFUND}{granted.pk}")
        if outcome == RefundOutcome.FAILURE:
            raise HostError(
                f"The payment app refused the refund: {answer}. The amount stays refundable; resolve again to "
                "retry, or refund another way."
            )
        return HostResult(
            f"{GRANTED_REFUND}{granted.pk}",
            pending=outcome == RefundOutcome.PENDING,
            message=(
                f"Refund of {amount} {order.currency} requested from the payment app."
                if outcome == RefundOutcome.PENDING
                else answer
            ),
        )

    def _refund_payment(
        self, order: Any, payment: Any, case_id: str, lines: Sequence[ReturnedLine], amount: Decimal
    ) -> HostResult:
        fulfilment = self._case_fulfilment(order, case_id)
        if fulfilment is not None and fulfilment.get_value_from_metadata(REFUND_TAG):
            return HostResult(
                f"{PAYMENT_REFUND}{fulfilment.get_value_from_metadata(REFUND_TAG)}",
                message="Already refunded.",
            )
        recorded = payment.get_value_from_metadata(LINES_TAG) or {}
        if case_id in recorded:
            return HostResult(f"{PAYMENT_REFUND}{case_id}", message="Already refunded.")
        if amount > payment.captured_amount:
            raise HostError(
                f"Cannot refund {amount} {order.currency}: the payment holds only {payment.captured_amount} "
                f"{order.currency}."
            )
        refund_lines = list(fulfilment.lines.select_related("fulfillment")) if fulfilment is not None else []
        try:
            refund_transaction = payment_gateway.refund(
                payment,
                self.manager,
                channel_slug=order.channel.slug,
                amount=amount,
                refund_data=RefundData(
                    fulfillment_lines_to_refund=[
                        FulfillmentLineData(line=fline, quantity=fline.quantity) for fline in refund_lines
                    ],
                    refund_amount_is_automatically_calculated=False,
                ),
            )
        except PaymentError as error:
            raise HostError(f"The payment gateway refused the refund: {error}") from error
        payment.refresh_from_db()
        # The payment remembers what each line got back, so the ledger attributes the refund exactly.
        recorded[case_id] = {line.line_id: str(line.amount) for line in lines}
        payment.store_value_in_metadata({LINES_TAG: recorded})
        payment.save(update_fields=["metadata"])
        order_refunded(
            order=order, user=self.user, app=self.app, amount=amount, payment=payment, manager=self.manager
        )
        reference = str(refund_transaction.pk)
        if fulfilment is not None:
            fulfilment.status = FulfillmentStatus.REFUNDED_AND_RETURNED
            fulfilment.total_refund_amount = amount
            fulfilment.store_value_in_metadata({REFUND_TAG: reference})
            fulfilment.save(update_fields=["status", "total_refund_amount", "metadata"])
        return HostResult(
            f"{PAYMENT_REFUND}{reference}",
            message=f"Refunded {amount} {order.currency} to the original payment.",
        )

    def issue_store_credit(
        self,
        order_id: str,
        case_id: str,
        amount: Decimal,
        currency: str,
        customer_email: str,
        lines: Sequence[ReturnedLine] = (),
    ) -> HostResult:
        order = self._order(order_id)
        existing = GiftCard.objects.filter(metadata__contains={CASE_TAG: case_id}).first()
        if existing is not None:
            return HostResult(existing.code, message="The gift card was already issued.")
        currency = currency or order.currency
        if currency != order.currency:
            raise HostError(
                f"Store credit is in {currency} but order #{order.number} is in {order.currency}."
            )
        amount = quantize(amount, currency)
        if amount <= 0:
            raise HostError("Nothing to credit: the amount is zero.")
        email = customer_email or order.user_email
        try:
            with transaction.atomic():
                card = GiftCard.objects.create(
                    code=generate_promo_code(),
                    currency=currency,
                    initial_balance_amount=amount,
                    current_balance_amount=amount,
                    created_by=order.user if order.user_id else None,
                    created_by_email=email or None,
                    app=self.app,
                    expiry_date=calculate_expiry_date(Site.objects.get_current().settings),
                    metadata={
                        CASE_TAG: case_id,
                        ORDER_TAG: str(order.pk),
                        LINES_TAG: {line.line_id: str(line.amount) for line in lines if line.amount > 0},
                    },
                )
                gift_card_events.gift_card_issued_event(card, self.user, self.app)
        except Exception as error:
            logger.exception("Saleor could not issue the gift card of case %s", case_id)
            raise HostError(f"Saleor could not create the gift card: {error}") from error
        return HostResult(card.code, message=f"Gift card of {amount} {currency} issued.")

    def create_exchange(self, order_id: str, case_id: str, lines: Sequence[ReturnedLine]) -> HostResult:
        order = self._order(order_id)
        existing = order_models.Order.objects.filter(
            original=order, metadata__contains={CASE_TAG: case_id}
        ).first()
        if existing is not None:
            return HostResult(str(existing.pk), message="The replacement order already exists.")
        returned = self._case_fulfilment(order, case_id)
        if returned is None:
            raise HostError("Mark the items returned before creating the replacement order.")
        wanted = {line.line_id: line.quantity for line in lines}
        fulfilment_lines = [
            FulfillmentLineData(line=fline, quantity=wanted[str(fline.order_line_id)], replace=True)
            for fline in returned.lines.all()
            if str(fline.order_line_id) in wanted
        ]
        try:
            with transaction.atomic():
                draft = create_replace_order(
                    user=self.user,
                    app=self.app,
                    original_order=order,
                    order_lines_to_replace=[],
                    fulfillment_lines_to_replace=fulfilment_lines,
                )
                draft.store_value_in_metadata({CASE_TAG: case_id})
                draft.save(update_fields=["metadata"])
                order_replacement_created(
                    original_order=order, replace_order=draft, user=self.user, app=self.app
                )
        except Exception as error:
            logger.exception("Saleor could not create the replacement of case %s", case_id)
            raise HostError(f"Saleor could not create the replacement draft order: {error}") from error
        return HostResult(str(draft.pk), message=f"Replacement draft order #{draft.number} created.")


# --- who is calling


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
    from saleor.graphql.app.dataloaders import get_app_promise

    app = get_app_promise(request).get()
    if app is None or not app.is_active:
        raise AuthenticationFailed("The token is neither a valid Saleor user token nor an active app token.")
    permissions = _permissions(app)
    return Caller(Principal("app", graphene.Node.to_global_id("App", app.pk), "", permissions), app=app)


# --- notifications inside Saleor: apps hear every message, staff groups and template overrides come from Saleor


def channel_configuration(channel_slug: str) -> dict[str, Any]:
    """The plugin's saved configuration of a channel as ``{name: value}`` (empty when never saved)."""
    from saleor.plugins.models import PluginConfiguration

    row = (
        PluginConfiguration.objects.filter(identifier=PLUGIN_ID, channel__slug=channel_slug)
        .only("configuration")
        .first()
    )
    return {item["name"]: item.get("value") for item in (row.configuration if row else [])}


def template_overrides(channel_slug: str) -> dict[str, str]:
    """The channel's email template overrides (validated when saved); none when unset or unreadable."""
    text = str(channel_configuration(channel_slug).get("templateOverrides") or "").strip()
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        logger.error(
            "After-sales: template overrides of channel %s are not JSON; using the built-in ones",
            channel_slug,
        )
        return {}
    return data if isinstance(data, dict) else {}


def staff_group_emails(channel_slug: str, group_name: str) -> list[str]:
    """E-mail addresses of the active staff in Saleor's permission group ``group_name`` who can see the channel."""
    from saleor.account.models import Group

    group = Group.objects.filter(name=group_name).first()
    if group is None:
        logger.warning("After-sales: no staff group named %r (channel %s)", group_name, channel_slug)
        return []
    if group.restricted_access_to_channels and not group.channels.filter(slug=channel_slug).exists():
        return []
    return sorted(group.user_set.filter(is_active=True, is_staff=True).values_list("email", flat=True))


def notify_saleor_apps(event: str, payload: Any, channel_slug: str) -> None:
    """Hand a delivered message to Saleor's notify pipeline (apps with NOTIFY_USER webhooks receive it)."""
    from saleor.plugins.manager import get_plugins_manager

    manager = get_plugins_manager(allow_replica=False)
    manager.notify(event, payload_func=lambda: dict(payload), channel_slug=channel_slug)


def channel_contacts(channel_slug: str) -> Any:
    """Sender, staff addresses and escalation contacts from the channel's plugin configuration."""
    from .notifications import ChannelContacts

    values = channel_configuration(channel_slug)

    def entries(name: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in str(values.get(name) or "").split(",") if part.strip())

    name, address = (
        str(values.get("senderName") or "").strip(),
        str(values.get("senderAddress") or "").strip(),
    )
    return ChannelContacts(
        sender=(f"{name} <{address}>" if name else address) if address else "",
        staff=entries("staffNotificationEmails"),
        escalation=entries("escalationContacts"),
    )


def install_notification_hooks() -> None:
    from .notifications import (
        set_contacts_provider,
        set_group_resolver,
        set_notify_hook,
        set_overrides_provider,
    )

    set_notify_hook(notify_saleor_apps)
    set_group_resolver(staff_group_emails)
    set_overrides_provider(template_overrides)
    set_contacts_provider(channel_contacts)
