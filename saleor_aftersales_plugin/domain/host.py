"""The host port: the money and stock actions that only the shop platform can carry out.

Two implementations exist: the Saleor adapter (refunds to the original payment, returned-products fulfilments, gift
cards, replacement orders) and the sandbox adapter (records what would happen; no money moves). Services call the port
and never know which one they have.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
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
        self, order_id: str, case_id: str, amount: Decimal, currency: str, customer_email: str
    ) -> HostResult: ...

    def create_exchange(self, order_id: str, case_id: str, lines: Sequence[ReturnedLine]) -> HostResult: ...
