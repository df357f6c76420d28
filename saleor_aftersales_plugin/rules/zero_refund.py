"""Lines whose refund would be 0.00 after fees: never approved at 0.00 without a word.

A line of a return is *zeroed* when it is eligible, has something to refund (``refundable > 0``), asks for money
(no resolution yet, refund, store credit or keep-item) and its fees take all of it (``net_by_line == 0``).
``defaults.zero_refund`` says what happens then:

- ``review`` (default): the line stays eligible with the reason ``refund_zero_after_fees`` and staff review the
  request, so it is never approved automatically;
- ``refuse``: the line is not eligible (reason ``refund_zero_after_fees``); the rest of the case is decided again
  without it, so its fees no longer count;
- ``allow``: the line stays eligible with the reason, so the customer is told before asking.

Each zeroed line is reported with what it would refund before fees and each fee's share, for the customer's text.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING

from ..domain.facts import CaseFacts, CaseKind, Resolution
from ..domain.money import allocate
from .fees import settle

if TYPE_CHECKING:  # rules.document reads the option's default from here, and decision imports document
    from .decision import CaseDecision, LineDecision

REASON_ZERO_REFUND = "refund_zero_after_fees"
_NOT_MONEY = frozenset({Resolution.EXCHANGE.value, Resolution.REPAIR.value})


class ZeroRefundOutcome(StrEnum):
    REFUSE = "refuse"
    REVIEW = "review"
    ALLOW = "allow"


DEFAULT_ZERO_REFUND = ZeroRefundOutcome.REVIEW.value
ZERO_REFUND_CHOICES = tuple(outcome.value for outcome in ZeroRefundOutcome)


@dataclass(frozen=True)
class ZeroRefund:
    line_id: str
    before_fees: Decimal
    fees: tuple[tuple[str, Decimal], ...]
    """(fee code, amount taken from this line), together equal to ``before_fees``."""
    outcome: ZeroRefundOutcome

    def to_dict(self) -> dict[str, object]:
        return {
            "line_id": self.line_id,
            "refund_before_fees": str(self.before_fees),
            "fees": [{"code": code, "amount": str(amount)} for code, amount in self.fees],
            "outcome": self.outcome.value,
        }


def _zeroed(facts: CaseFacts, decision: "CaseDecision") -> list["LineDecision"]:
    if decision.kind is not CaseKind.RETURN:
        return []
    asked = {request.line_id: request.resolution for request in facts.lines}
    net = decision.settlement.net_by_line
    return [
        line
        for line in decision.lines
        if line.eligible
        and line.refundable > 0
        and asked.get(line.line_id, "") not in _NOT_MONEY
        and net.get(line.line_id, Decimal(0)) <= 0
    ]


def _breakdown(decision: "CaseDecision", line: "LineDecision") -> tuple[tuple[str, Decimal], ...]:
    """The line's own fees, then its share of the case fees (spread by amount, largest remainder)."""
    settlement = decision.settlement
    own = [(charge.code, charge.amount) for charge in settlement.charges if charge.line_id == line.line_id]
    share = line.refundable - sum((amount for _, amount in own), Decimal(0))
    case_charges = [charge for charge in settlement.charges if charge.line_id is None]
    if share > 0 and case_charges:
        parts = allocate(share, [charge.amount for charge in case_charges], decision.currency)
        own += [(charge.code, part) for charge, part in zip(case_charges, parts, strict=True) if part]
    return tuple(own)


def apply_zero_refund(
    outcome: str,
    facts: CaseFacts,
    decision: "CaseDecision",
    redecide: Callable[[CaseFacts], "CaseDecision"],
) -> tuple["CaseDecision", tuple[ZeroRefund, ...]]:
    """The decision with zeroed lines handled as ``outcome`` says, and those lines' breakdowns."""
    mode = ZeroRefundOutcome(outcome)
    found: dict[str, ZeroRefund] = {}
    refused: dict[str, LineDecision] = {}
    current = decision
    # Refusing a line spreads case fees over fewer lines, which may zero another: repeat until none is left.
    while zeroed := _zeroed(facts, current):
        for line in zeroed:
            found[line.line_id] = ZeroRefund(line.line_id, line.refundable, _breakdown(current, line), mode)
        if mode is not ZeroRefundOutcome.REFUSE:
            break
        for line in zeroed:
            refused[line.line_id] = replace(
                line, eligible=False, reasons=(REASON_ZERO_REFUND,), refundable=Decimal(0)
            )
        remaining = tuple(request for request in facts.lines if request.line_id not in refused)
        if not remaining:
            current = _nothing_eligible(current)
            break
        current = redecide(replace(facts, lines=remaining))
    if not found:
        return decision, ()
    if mode is ZeroRefundOutcome.REFUSE:
        by_id = {line.line_id: line for line in current.lines}
        lines = tuple(refused.get(request.line_id) or by_id[request.line_id] for request in facts.lines)
        return replace(current, lines=lines, eligible=any(line.eligible for line in lines)), tuple(
            found.values()
        )
    lines = tuple(_noted(line, mode) if line.line_id in found else line for line in current.lines)
    review = current.review_required or mode is ZeroRefundOutcome.REVIEW
    return replace(current, lines=lines, review_required=review), tuple(found.values())


def _noted(line: "LineDecision", mode: ZeroRefundOutcome) -> "LineDecision":
    review = line.review_required or mode is ZeroRefundOutcome.REVIEW
    return replace(line, reasons=(*line.reasons, REASON_ZERO_REFUND), review_required=review)


def _nothing_eligible(decision: "CaseDecision") -> "CaseDecision":
    empty = settle(decision.currency, {}, {}, [])
    return replace(decision, eligible=False, settlement=empty, store_credit_amount=empty.net)
