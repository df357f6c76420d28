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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import graphene
import jwt
from django.db import transaction
from django.db.models import Sum
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
from saleor.payment import PaymentError, TransactionEventType, TransactionKind
from saleor.payment import gateway as payment_gateway
from saleor.payment.interface import RefundData
from saleor.payment.models import Transaction, TransactionEvent
from saleor.permission.enums import OrderPermissions, PluginsPermissions
from saleor.site.models import Site

from .domain.facts import OrderFacts, OrderLineFacts, ProductFacts
from .domain.host import HostError, HostResult, ReturnedLine
from .domain.money import allocate, quantize
from .graphql.api import ANONYMOUS, MANAGE_ORDERS, MANAGE_PLUGINS, Principal
from .services import ServiceError
from .services import orders as order_service

logger = logging.getLogger(__name__)

PLUGIN_ID = "saleor.aftersales"

CASE_TAG = "aftersales_case"
"""Metadata key on Saleor objects (return fulfilments, gift cards) naming the case that created them."""
REFUND_TAG = "aftersales_refund"
"""Metadata key on a return fulfilment: the refund already made for its case (legacy payment flow)."""

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


def saleor_refunded_total(order: Any) -> Decimal:
    """What Saleor has refunded on the order, whichever payment flow it used."""
    transactions = order.payment_transactions.aggregate(total=Sum("refunded_value"))["total"]
    total = Decimal(transactions or 0)
    legacy = Transaction.objects.filter(
        payment__order=order, kind=TransactionKind.REFUND, is_success=True
    ).aggregate(total=Sum("amount"))["total"]
    total += Decimal(legacy or 0)
    return quantize(total, order.currency)


def sync_outside_refunds(order: Any) -> Decimal:
    """Spread refunds made in Saleor outside the plugin over the lines, so they reduce what stays refundable.

    The plugin's own refunds are already on the lines; only the difference is new. Returns the amount recorded.
    """
    record_row = order_service.get_order(order.pk)
    lines = list(record_row.lines.order_by("id"))
    known = sum((line.refunded_amount for line in lines), Decimal(0))
    new = saleor_refunded_total(order) - known
    room = [max(line.paid_total - line.refunded_amount, Decimal(0)) for line in lines]
    new = min(new, sum(room, Decimal(0)))
    if new <= 0:
        return Decimal(0)
    for line, share in zip(lines, allocate(new, room, record_row.currency), strict=True):
        if share > 0:
            order_service.record_refund(record_row.order_id, line.line_id, share)
    return new


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
                order_service.get_order(order.pk)
            except ServiceError:
                order_service.record_order(facts)
            sync_outside_refunds(order)
            note_refund_outcomes(order)
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


EVENT_REFUND_COMPLETED = "refund_completed"
EVENT_REFUND_REFUSED = "refund_refused"


def note_refund_outcomes(order: Any) -> None:
    """Record on each case whether its pending refund request (Transactions flow) succeeded or was refused.

    A refused refund is written on the case for staff with Saleor's reason; the granted refund stays on the order.
    """
    from .models import CaseEvent
    from .services.actors import SYSTEM_ACTOR
    from .services.cases import add_event

    pending = CaseEvent.objects.filter(
        case__order__order_id=order.pk, type="refund_issued", payload__pending=True
    ).select_related("case")
    for event in pending:
        reference = (event.payload or {}).get("reference")
        if (
            not reference
            or event.case.events.filter(
                type__in=[EVENT_REFUND_COMPLETED, EVENT_REFUND_REFUSED], payload__reference=reference
            ).exists()
        ):
            continue
        granted = order.granted_refunds.filter(pk=reference).first() if str(reference).isdigit() else None
        if granted is None or granted.status not in (
            OrderGrantedRefundStatus.SUCCESS,
            OrderGrantedRefundStatus.FAILURE,
        ):
            continue
        succeeded = granted.status == OrderGrantedRefundStatus.SUCCESS
        last = granted.transaction_events.order_by("created_at").last()
        add_event(
            event.case_id,
            EVENT_REFUND_COMPLETED if succeeded else EVENT_REFUND_REFUSED,
            actor_type=SYSTEM_ACTOR.type,
            actor_id="saleor",
            message=(
                f"The payment app refunded {granted.amount_value} {granted.currency}."
                if succeeded
                else f"The payment app refused the refund: {last.message if last else 'no reason given'}. "
                "Refund the customer another way, e.g. from the order in the Dashboard."
            ),
            payload={"reference": reference},
        )


def close_open_cases(order_id: Any, reason: str) -> None:
    """Withdraw or close every open case of a cancelled order (cases past receipt stay for staff to finish)."""
    from .domain import cases as machine
    from .models import Case
    from .services import returns
    from .services.actors import SYSTEM_ACTOR
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
                str(granted.pk),
                pending=granted.status != OrderGrantedRefundStatus.SUCCESS,
                message="The refund was already requested.",
            )
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
                )
                order_models.OrderGrantedRefundLine.objects.bulk_create(
                    [
                        order_models.OrderGrantedRefundLine(
                            granted_refund=granted,
                            order_line_id=line.line_id,
                            quantity=line.quantity,
                            reason=reason,
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
        return HostResult(
            str(granted.pk),
            pending=True,
            message=f"Refund of {amount} {order.currency} requested from the payment app.",
        )

    def _refund_payment(
        self, order: Any, payment: Any, case_id: str, lines: Sequence[ReturnedLine], amount: Decimal
    ) -> HostResult:
        fulfilment = self._case_fulfilment(order, case_id)
        if fulfilment is not None and fulfilment.get_value_from_metadata(REFUND_TAG):
            return HostResult(
                str(fulfilment.get_value_from_metadata(REFUND_TAG)), message="Already refunded."
            )
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
        order_refunded(
            order=order, user=self.user, app=self.app, amount=amount, payment=payment, manager=self.manager
        )
        reference = str(refund_transaction.pk)
        if fulfilment is not None:
            fulfilment.status = FulfillmentStatus.REFUNDED_AND_RETURNED
            fulfilment.total_refund_amount = amount
            fulfilment.store_value_in_metadata({REFUND_TAG: reference})
            fulfilment.save(update_fields=["status", "total_refund_amount", "metadata"])
        return HostResult(reference, message=f"Refunded {amount} {order.currency} to the original payment.")

    def issue_store_credit(
        self, order_id: str, case_id: str, amount: Decimal, currency: str, customer_email: str
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
                    metadata={CASE_TAG: case_id},
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
