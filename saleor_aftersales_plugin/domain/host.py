"""The host port: what only the shop platform knows or can carry out.

Money and stock actions (refunds to the original payment, returned-products fulfilments, gift cards, replacement
orders) and the ledger they are bounded by; and, for messages, the channel's contacts, its staff groups, its email
template overrides and the platform's own notification channel. Two implementations exist: Saleor's
(:mod:`saleor_aftersales_plugin.saleor.host`) and the sandbox's (records what would happen; no money moves). Services
and notifications are handed one and never know which one they have.
"""

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class ReturnedLine:
    line_id: str
    quantity: int
    amount: Decimal
    """Refund for this line after fees, in the order currency."""


@dataclass(frozen=True, slots=True)
class HostResult:
    reference: str
    """The host's id for what it created (refund, fulfilment, gift card code, draft order)."""
    pending: bool = False
    """True when the host completes the action later (e.g. a refund request awaiting the payment gateway)."""
    message: str = ""


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """Money back to the order's original payment, for a case."""

    order_id: str
    case_id: str
    """One refund per case: asking again returns the first request's result (a refused one is asked anew)."""
    lines: Sequence[ReturnedLine]
    """Which lines' money this is (their amounts after fees); the host attributes the refund to them."""
    amount: Decimal
    """The total, in ``currency``: the order's currency, else the host refuses."""
    currency: str
    reason: str
    """Shown on the host's refund record, e.g. 'Case 12'."""


@dataclass(frozen=True, slots=True)
class StoreCreditRequest:
    """Store credit (a gift card) for a case instead of money back."""

    order_id: str
    case_id: str
    """One card per case: asking again returns the first card."""
    amount: Decimal
    """The card's value (the bonus included), in ``currency``."""
    currency: str
    customer_email: str
    """Whom the card is for; empty: the order's e-mail."""
    lines: Sequence[ReturnedLine] = ()
    """Which lines' refundable money it settles (their amounts, without the bonus), so the ledger counts it."""


class HostError(Exception):
    """The host refused or failed; the message is shown to staff and the action can be retried."""


@dataclass(frozen=True, slots=True)
class LineLedger:
    """What the host knows happened to one order line, whoever did it (the plugin, staff, the payment app)."""

    line_id: str
    delivered: int
    """Units that left the warehouse (approved fulfilments)."""
    returned: int = 0
    """Units the host records as returned or replaced."""
    refunded: Decimal = Decimal(0)
    """Money refunded (or requested and not refused) for this line, as the host attributes it to the line."""


@dataclass(frozen=True, slots=True)
class OrderLedger:
    """The host's money and stock facts of an order: its per-line ledger plus refunds made for the order as a whole.

    ``order_refunded`` is money refunded (or requested and not refused) that the host does not attribute to any line
    (e.g. Saleor's ``orderRefund`` without lines); the services spread it over the lines by a documented rule.
    """

    currency: str
    lines: Mapping[str, LineLedger]
    order_refunded: Decimal = Decimal(0)


class RefundOutcome(StrEnum):
    """Where a refund request stands at the host."""

    PENDING = "pending"
    SUCCESS = "success"
    FAILURE = "failure"


@dataclass(frozen=True, slots=True)
class ChannelContacts:
    """Who a channel's messages come from and which extra staff hear about cases (the shop's configuration)."""

    sender: str = ""
    """From address, e.g. 'Volt Support <support@volt.example>'; empty: Django's DEFAULT_FROM_EMAIL."""
    staff: tuple[str, ...] = ()
    """Extra recipients of staff messages (new case, SLA warnings), besides the escalation path's first tier."""
    escalation: tuple[str, ...] = ()
    """Extra recipients of escalations, besides the tier's own."""


class NotificationHost(Protocol):
    """What messages need from the host: who they come from and go to, the shop's templates, its notify channel."""

    def channel_contacts(self, channel: str) -> ChannelContacts: ...

    def staff_group_emails(self, channel: str, group: str) -> list[str]:
        """E-mail addresses of the active staff of permission group ``group`` who can see ``channel``."""
        ...

    def template_overrides(self, channel: str) -> Mapping[str, Any]:
        """The channel's email template overrides (flat or nested form, see ``notifications.rendering``)."""
        ...

    def notify(self, event: str, payload: Mapping[str, Any], channel: str) -> None:
        """Hand a delivered message to the host's own notification channel (Saleor: apps' NOTIFY_USER webhooks)."""
        ...


class HostPort(NotificationHost, Protocol):
    name: str
    moves_money: bool

    def writer(self) -> AbstractContextManager[None]:
        """The context in which a background task may write to the database (Saleor guards writes in its tasks)."""
        ...

    def mark_returned(self, order_id: str, case_id: str, lines: Sequence[ReturnedLine]) -> HostResult: ...

    def refund(self, request: RefundRequest) -> HostResult: ...

    def issue_store_credit(self, request: StoreCreditRequest) -> HostResult: ...

    def create_exchange(self, order_id: str, case_id: str, lines: Sequence[ReturnedLine]) -> HostResult: ...

    def ledger(self, order_id: str) -> OrderLedger:
        """The host's record of the order's deliveries, returns and refunds: the authority for money decisions."""
        ...

    def refund_blocker(self, order_id: str) -> str:
        """Why a refund of this order would be refused by the host's own settings ("" when nothing blocks it)."""
        ...

    def refund_outcome(self, order_id: str, reference: str) -> tuple[RefundOutcome, str]:
        """The current state of the refund ``reference`` and the host's message (the reason of a failure)."""
        ...
