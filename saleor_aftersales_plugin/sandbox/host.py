"""The sandbox's host port: it records what Saleor would do and moves no money."""

from collections.abc import Sequence
from decimal import Decimal
from uuid import uuid4

from ..domain.host import HostResult, ReturnedLine

NO_MONEY_MOVES = "sandbox host: recorded only, no money moved"


class SandboxHost:
    name = "sandbox"
    moves_money = False

    def mark_returned(self, order_id: str, case_id: str, lines: Sequence[ReturnedLine]) -> HostResult:
        return HostResult(f"sandbox-return-{uuid4()}", message=NO_MONEY_MOVES)

    def refund(
        self,
        order_id: str,
        case_id: str,
        lines: Sequence[ReturnedLine],
        amount: Decimal,
        currency: str,
        reason: str,
    ) -> HostResult:
        return HostResult(f"sandbox-refund-{uuid4()}", message=NO_MONEY_MOVES)

    def issue_store_credit(
        self, order_id: str, case_id: str, amount: Decimal, currency: str, customer_email: str
    ) -> HostResult:
        return HostResult(f"SANDBOX-{uuid4().hex[:12].upper()}", message=NO_MONEY_MOVES)

    def create_exchange(self, order_id: str, case_id: str, lines: Sequence[ReturnedLine]) -> HostResult:
        return HostResult(f"sandbox-exchange-{uuid4()}", message=NO_MONEY_MOVES)
