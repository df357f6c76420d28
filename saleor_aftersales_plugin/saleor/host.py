"""Saleor's host port: resolutions carried out by Saleor's own actions, and what messages need from Saleor.

Returned-products fulfilments, refunds to the original payment (legacy Payment flow and Transactions flow), gift
cards as store credit and replacement orders; every action is tagged with the case id inside Saleor and looked up
before it is created again. The ledger the money is bounded by is Saleor's own record (:func:`.facts.saleor_ledger`).
Called by the services; calls none of them (Saleor's events that do live in :mod:`.events`).
"""

import logging
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from decimal import Decimal
from typing import Any

import graphene
from django.db import transaction
from saleor.account.models import Group
from saleor.core.db.connection import allow_writer
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
from saleor.payment import PaymentError, TransactionEventType
from saleor.payment import gateway as payment_gateway
from saleor.payment.interface import RefundData
from saleor.payment.models import TransactionEvent
from saleor.plugins.manager import get_plugins_manager
from saleor.site.models import Site

from ..constants import (
    CASE_TAG,
    GRANTED_REFUND,
    LINES_TAG,
    ORDER_TAG,
    PAYMENT_REFUND,
    REFUND_TAG,
    TEMPLATE_OVERRIDES,
)
from ..domain.host import (
    ChannelContacts,
    HostError,
    HostResult,
    OrderLedger,
    RefundOutcome,
    RefundRequest,
    ReturnedLine,
    StoreCreditRequest,
)
from ..domain.money import quantize
from ..domain.wording import quoted_clause
from .facts import RETURNABLE_FULFILMENTS, channel_config, ledger_order, saleor_ledger

logger = logging.getLogger(__name__)


class SaleorHost:
    """Resolutions carried out by Saleor's own order and payment actions; messages through Saleor's staff groups,
    the channel's plugin configuration and Saleor's notify pipeline."""

    name = "saleor"
    moves_money = True

    def __init__(self, manager: Any = None, user: Any = None, app: Any = None) -> None:
        self._manager = manager
        self.user = user
        self.app = app

    @property
    def manager(self) -> Any:
        if self._manager is None:
            self._manager = get_plugins_manager(allow_replica=False)
        return self._manager

    def writer(self) -> AbstractContextManager[None]:
        """Saleor's ``allow_writer()``: its settings refuse writes in Celery tasks without it."""
        return allow_writer()

    def _order(self, order_id: str) -> Any:
        order = order_models.Order.objects.select_related("channel").filter(id=order_id).first()
        if order is None:
            raise HostError(f"Saleor has no order {order_id}; it may have been deleted.")
        return order

    # the ledger

    def ledger(self, order_id: str) -> OrderLedger:
        order = ledger_order(order_id)
        if order is None:
            raise HostError(f"Saleor has no order {order_id}; it may have been deleted.")
        return saleor_ledger(order)

    def _reason_page(self, order: Any, page_type: Any) -> Any | None:
        """The page the channel's configuration names as the refund reason reference (slug or Page id)."""
        wanted = channel_config(order.channel.slug).refund_reason_reference
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
                    fulfillment__status__in=RETURNABLE_FULFILMENTS,
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

    def refund(self, request: RefundRequest) -> HostResult:
        order = self._order(request.order_id)
        if request.currency != order.currency:
            raise HostError(
                f"The refund is in {request.currency} but order #{order.number} is in {order.currency}."
            )
        amount = quantize(request.amount, request.currency)
        if amount <= 0:
            raise HostError("Nothing to refund: the amount is zero.")
        transaction_item = (
            order.payment_transactions.filter(charged_value__gt=0).order_by("-charged_value").first()
        )
        if transaction_item is not None:
            return self._refund_transaction(order, transaction_item, request, amount)
        payment = order.payments.filter(is_active=True).order_by("-pk").first()
        if payment is not None and payment.captured_amount > 0:
            return self._refund_payment(order, payment, request, amount)
        raise HostError(
            f"Order #{order.number} has no captured payment to refund; refund it by another means or offer "
            "store credit."
        )

    def _refund_transaction(
        self, order: Any, transaction_item: Any, request: RefundRequest, amount: Decimal
    ) -> HostResult:
        case_id, lines, reason = request.case_id, request.lines, request.reason
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
                f"Saleor could not request the refund from the payment app: {quoted_clause(error)}. The granted "
                "refund stays on the order; retry once the payment app is available, or refund manually."
            ) from error
        calculate_order_granted_refund_status(granted)
        outcome, answer = self.refund_outcome(str(order.pk), f"{GRANTED_REFUND}{granted.pk}")
        if outcome == RefundOutcome.FAILURE:
            raise HostError(
                f"The payment app refused the refund: {quoted_clause(answer)}. The amount stays refundable; "
                "resolve again to retry, or refund another way."
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
        self, order: Any, payment: Any, request: RefundRequest, amount: Decimal
    ) -> HostResult:
        case_id, lines = request.case_id, request.lines
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

    def issue_store_credit(self, request: StoreCreditRequest) -> HostResult:
        order = self._order(request.order_id)
        case_id, lines = request.case_id, request.lines
        existing = GiftCard.objects.filter(metadata__contains={CASE_TAG: case_id}).first()
        if existing is not None:
            return HostResult(existing.code, message="The gift card was already issued.")
        currency = request.currency or order.currency
        if currency != order.currency:
            raise HostError(
                f"Store credit is in {currency} but order #{order.number} is in {order.currency}."
            )
        amount = quantize(request.amount, currency)
        if amount <= 0:
            raise HostError("Nothing to credit: the amount is zero.")
        email = request.customer_email or order.user_email
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

    # messages

    def channel_contacts(self, channel: str) -> ChannelContacts:
        """Sender, staff addresses and escalation contacts from the channel's plugin configuration."""
        return channel_config(channel).contacts

    def template_overrides(self, channel: str) -> Mapping[str, Any]:
        """The channel's email template overrides (checked when saved); none when unset or unreadable."""
        config = channel_config(channel)
        if TEMPLATE_OVERRIDES in config.errors:
            logger.error(
                "After-sales: the template overrides of channel %s cannot be read (%s); using the built-in ones",
                channel,
                " ".join(config.errors[TEMPLATE_OVERRIDES]),
            )
        return config.template_overrides

    def staff_group_emails(self, channel: str, group: str) -> list[str]:
        """E-mail addresses of the active staff in Saleor's permission group ``group`` who can see the channel."""
        found = Group.objects.filter(name=group).first()
        if found is None:
            logger.warning("After-sales: no staff group named %r (channel %s)", group, channel)
            return []
        if found.restricted_access_to_channels and not found.channels.filter(slug=channel).exists():
            return []
        return sorted(found.user_set.filter(is_active=True, is_staff=True).values_list("email", flat=True))

    def notify(self, event: str, payload: Mapping[str, Any], channel: str) -> None:
        """Hand a delivered message to Saleor's notify pipeline (apps with NOTIFY_USER webhooks receive it)."""
        self.manager.notify(event, payload_func=lambda: dict(payload), channel_slug=channel)
