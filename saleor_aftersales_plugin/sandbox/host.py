"""The sandbox's host port: it keeps a ledger of what Saleor would do (deliveries, returns, refunds) and moves no money.

The ledger (:class:`~..models.SandboxLedgerEntry`) is the sandbox's counterpart of Saleor's fulfilments and refunds:
the plugin decides money from it exactly as it decides from Saleor's tables inside Saleor. What staff do in the shop
outside the plugin (a refund of a line or of the whole order, a return) is recorded with :meth:`SandboxHost.record_outside_refund`
and :meth:`SandboxHost.record_outside_return`. Refunds complete at once by default; ``refunds="pending"`` keeps them
waiting for :meth:`SandboxHost.settle_refund` (the payment app's later answer) and ``refunds="refused"`` refuses them, so
every path of a refund can be tried without a payment provider.

Messages: the sandbox's shop configuration is its Django settings. ``AFTERSALES_CHANNEL_CONTACTS`` maps a channel
to ``{"sender": ..., "staff": [...], "escalation": [...]}``, ``AFTERSALES_STAFF_GROUPS`` a group name to its members'
addresses (for ``group:<name>`` recipients) and ``AFTERSALES_TEMPLATE_OVERRIDES`` a channel to its template overrides;
the sandbox has no apps, so its notify channel carries nothing.
"""

import logging
import uuid
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from decimal import Decimal
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.db import transaction
from django.db.models import DecimalField, IntegerField, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from ..domain.host import (
    ChannelContacts,
    HostError,
    HostResult,
    LineLedger,
    OrderLedger,
    RefundOutcome,
    RefundRequest,
    ReturnedLine,
    StoreCreditRequest,
)
from ..domain.money import quantize
from ..models import OrderLineRecord, OrderRecord, SandboxLedgerEntry

logger = logging.getLogger(__name__)

NO_MONEY_MOVES = "sandbox host: recorded only, no money moved"
REFUND_MODES = ("instant", "pending", "refused")

Entry = SandboxLedgerEntry


def _summed(entries: QuerySet[SandboxLedgerEntry], field: str) -> Coalesce:
    """The sum of ``field`` over ``entries`` as a subquery (0 when there are none)."""
    total = entries.order_by().values("order_id").annotate(total=Sum(field)).values("total")
    output = DecimalField(max_digits=20, decimal_places=4) if field == "amount" else IntegerField()
    return Coalesce(Subquery(total, output_field=output), Value(0), output_field=output)


def _record(
    order_id: str, case_id: str, kind: str, reference: str, lines: Sequence[ReturnedLine], **fields: Any
) -> None:
    """One ledger row per line: its quantity for a return; for money, its amount (lines with none are left out)."""
    if kind == Entry.Kind.RETURN:
        rows = [({"quantity": line.quantity}, line) for line in lines]
    else:
        rows = [({"amount": line.amount}, line) for line in lines if line.amount > 0]
    Entry.objects.bulk_create(
        Entry(
            order_id=order_id,
            line_id=line.line_id,
            kind=kind,
            case_id=case_id,
            reference=reference,
            **size,
            **fields,
        )
        for size, line in rows
    )


class SandboxHost:
    name = "sandbox"
    moves_money = False
    refund_mode = "instant"

    def __init__(self, refunds: str = "instant") -> None:
        if refunds not in REFUND_MODES:
            raise ValueError(f"refunds must be one of {', '.join(REFUND_MODES)}, not {refunds!r}.")
        self.refund_mode = refunds

    def _order(self, order_id: str) -> OrderRecord:
        order = OrderRecord.objects.filter(order_id=order_id).first()
        if order is None:
            raise HostError(f"The sandbox has no order {order_id}; import it first.")
        return order

    def writer(self) -> AbstractContextManager[None]:
        return nullcontext()

    # --- messages

    def channel_contacts(self, channel: str) -> ChannelContacts:
        configured = (getattr(settings, "AFTERSALES_CHANNEL_CONTACTS", None) or {}).get(channel) or {}
        return ChannelContacts(
            sender=str(configured.get("sender") or ""),
            staff=tuple(configured.get("staff") or ()),
            escalation=tuple(configured.get("escalation") or ()),
        )

    def staff_group_emails(self, channel: str, group: str) -> list[str]:
        groups = getattr(settings, "AFTERSALES_STAFF_GROUPS", None) or {}
        if group not in groups:
            logger.warning("After-sales: no staff group named %r (channel %s)", group, channel)
            return []
        return list(groups[group])

    def template_overrides(self, channel: str) -> Mapping[str, Any]:
        return (getattr(settings, "AFTERSALES_TEMPLATE_OVERRIDES", None) or {}).get(channel) or {}

    def notify(self, event: str, payload: Mapping[str, Any], channel: str) -> None:
        """The sandbox has no apps listening: nothing to hand the message to."""

    # --- the ledger

    def ledger(self, order_id: str) -> OrderLedger:
        # One query whatever the order's size: its lines (with the order), each with its entries summed.
        entries = Entry.objects.filter(order_id=OuterRef("order__order_id")).exclude(
            outcome=Entry.Outcome.FAILURE
        )
        for_line = entries.filter(line_id=OuterRef("line_id"))
        rows = list(
            OrderLineRecord.objects.filter(order__order_id=order_id)
            .select_related("order")
            .annotate(
                host_refunded=_summed(for_line.exclude(kind=Entry.Kind.RETURN), "amount"),
                host_returned=_summed(for_line.filter(kind=Entry.Kind.RETURN), "quantity"),
                order_refunded=_summed(entries.filter(line_id__isnull=True), "amount"),
            )
        )
        if not rows:
            order = self._order(order_id)
            return OrderLedger(order.currency, {}, Decimal(0))
        order = rows[0].order
        baseline = {str(line["line_id"]): line for line in (order.facts or {}).get("lines", [])}
        lines = {}
        for line in rows:
            key = str(line.line_id)
            before = baseline.get(key, {})
            lines[key] = LineLedger(
                line_id=key,
                delivered=line.quantity_fulfilled,
                returned=int(before.get("quantity_returned") or 0) + int(line.host_returned),
                refunded=quantize(
                    Decimal(str(before.get("refunded_amount") or 0)) + Decimal(line.host_refunded),
                    order.currency,
                ),
            )
        return OrderLedger(order.currency, lines, quantize(Decimal(rows[0].order_refunded), order.currency))

    def refund_blocker(self, order_id: str) -> str:
        return ""

    def refund_outcome(self, order_id: str, reference: str) -> tuple[RefundOutcome, str]:
        entry = Entry.objects.filter(order_id=order_id, reference=reference).first()
        if entry is None:
            return RefundOutcome.FAILURE, f"The sandbox has no refund {reference}."
        return RefundOutcome(entry.outcome), entry.message

    def settle_refund(self, order_id: str, reference: str, succeeded: bool, message: str = "") -> None:
        """The payment app's late answer to a pending refund (every line entry of the refund gets the outcome)."""
        outcome = Entry.Outcome.SUCCESS if succeeded else Entry.Outcome.FAILURE
        Entry.objects.filter(order_id=order_id, reference=reference).update(outcome=outcome, message=message)

    # --- what staff do in the shop outside the plugin

    def record_outside_refund(self, order_id: str, amount: Decimal, line_id: str | None = None) -> str:
        """A refund made in the shop (of one line, or of the whole order when ``line_id`` is None)."""
        order = self._order(order_id)
        reference = f"sandbox-outside-refund-{uuid4()}"
        Entry.objects.create(
            order_id=order.order_id,
            line_id=uuid.UUID(str(line_id)) if line_id else None,
            kind=Entry.Kind.REFUND,
            amount=quantize(amount, order.currency),
            reference=reference,
        )
        return reference

    def record_outside_return(self, order_id: str, line_id: str, quantity: int) -> str:
        """Units taken back in the shop outside the plugin; refused beyond what was delivered and not returned."""
        self._check_returnable(order_id, {str(line_id): quantity})
        reference = f"sandbox-outside-return-{uuid4()}"
        Entry.objects.create(
            order_id=order_id, line_id=line_id, kind=Entry.Kind.RETURN, quantity=quantity, reference=reference
        )
        return reference

    def _check_returnable(self, order_id: str, wanted: dict[str, int]) -> None:
        ledger = self.ledger(order_id)
        for line_id, quantity in wanted.items():
            line = ledger.lines.get(line_id)
            left = line.delivered - line.returned if line else 0
            if quantity <= 0 or quantity > left:
                raise HostError(
                    f"Cannot take back {quantity} unit(s) of line {line_id}: {max(left, 0)} delivered and not "
                    "yet returned."
                )

    # --- the plugin's actions

    def _existing(self, case_id: str, kind: str) -> Entry | None:
        return Entry.objects.filter(case_id=case_id, kind=kind).exclude(outcome=Entry.Outcome.FAILURE).first()

    def mark_returned(self, order_id: str, case_id: str, lines: Sequence[ReturnedLine]) -> HostResult:
        with transaction.atomic():
            existing = self._existing(case_id, Entry.Kind.RETURN)
            if existing is not None:
                return HostResult(existing.reference, message="Items were already marked returned.")
            self._check_returnable(order_id, {line.line_id: line.quantity for line in lines})
            reference = f"sandbox-return-{uuid4()}"
            _record(order_id, case_id, Entry.Kind.RETURN, reference, lines)
        return HostResult(reference, message=NO_MONEY_MOVES)

    def refund(self, request: RefundRequest) -> HostResult:
        order_id, case_id, lines, amount, currency = (
            request.order_id,
            request.case_id,
            request.lines,
            request.amount,
            request.currency,
        )
        order = self._order(order_id)
        if currency != order.currency:
            raise HostError(f"The refund is in {currency} but the order is in {order.currency}.")
        with transaction.atomic():
            # A refused refund is requested again under the same reference: one refund per case, never two.
            previous = Entry.objects.filter(case_id=case_id, kind=Entry.Kind.REFUND).first()
            if previous is not None and previous.outcome != Entry.Outcome.FAILURE:
                return HostResult(
                    previous.reference,
                    pending=previous.outcome == Entry.Outcome.PENDING,
                    message="The refund was already requested.",
                )
            if amount > order.total:
                raise HostError(
                    f"Cannot refund {amount} {currency}: the order was paid {order.total} {currency}."
                )
            reference = previous.reference if previous is not None else f"sandbox-refund-{uuid4()}"
            outcome = {
                "instant": Entry.Outcome.SUCCESS,
                "pending": Entry.Outcome.PENDING,
                "refused": Entry.Outcome.FAILURE,
            }[self.refund_mode]
            message = (
                "The sandbox payment app refused the refund." if outcome == Entry.Outcome.FAILURE else ""
            )
            Entry.objects.filter(case_id=case_id, kind=Entry.Kind.REFUND).delete()
            _record(order_id, case_id, Entry.Kind.REFUND, reference, lines, outcome=outcome, message=message)
        if outcome == Entry.Outcome.FAILURE:
            raise HostError(message)
        return HostResult(reference, pending=outcome == Entry.Outcome.PENDING, message=NO_MONEY_MOVES)

    def issue_store_credit(self, request: StoreCreditRequest) -> HostResult:
        order_id, case_id, lines = request.order_id, request.case_id, request.lines
        with transaction.atomic():
            existing = self._existing(case_id, Entry.Kind.STORE_CREDIT)
            if existing is not None:
                return HostResult(existing.reference, message="The store credit was already issued.")
            reference = f"SANDBOX-{uuid4().hex[:12].upper()}"
            _record(
                order_id,
                case_id,
                Entry.Kind.STORE_CREDIT,
                reference,
                lines,
                message=f"store credit {request.amount} {request.currency}",
            )
            if not any(line.amount > 0 for line in lines):
                Entry.objects.create(
                    order_id=order_id, kind=Entry.Kind.STORE_CREDIT, case_id=case_id, reference=reference
                )
        return HostResult(reference, message=NO_MONEY_MOVES)

    def create_exchange(self, order_id: str, case_id: str, lines: Sequence[ReturnedLine]) -> HostResult:
        return HostResult(f"sandbox-exchange-{uuid4()}", message=NO_MONEY_MOVES)
