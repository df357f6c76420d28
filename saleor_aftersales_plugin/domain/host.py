"""The host port: the money and stock actions that only the shop platform can carry out.

Two implementations exist: the Saleor adapter (refunds to the original payment, returned-products fulfilments, gift
cards, replacement orders) and the sandbox adapter (records what would happen; no money moves). Services call the port
and never know which one they have.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol


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


class HostPort(Protocol):
    name: str
    moves_money: bool

    def mark_returned(self, order_id: str, case_id: str, lines: Sequence[ReturnedLine]) -> HostResult: ...

    def refund(
        self,
        order_id: str,
        case_id: str,
        lines: Sequence[ReturnedLine],
        amount: Decimal,
        currency: str,
        reason: str,
    ) -> HostResult: ...

    def issue_store_credit(
        self,
        order_id: str,
        case_id: str,
        amount: Decimal,
        currency: str,
        customer_email: str,
        lines: Sequence[ReturnedLine] = (),
    ) -> HostResult:
        """Issue ``amount`` (the bonus included) as store credit; ``lines`` say which lines' refundable money it
        settles (their amounts, without the bonus), so the ledger counts it against those lines."""
        ...

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
