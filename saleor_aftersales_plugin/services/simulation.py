"""Simulating a draft policy on a period's recorded orders and cases, before anything is published.

Two kinds of lines are decided with both the channel's current version and the draft:

* every line of the return, exchange and repair cases opened in the period, as requested (reason, resolution, the
  condition found at inspection) at the moment the case was opened: what would have been decided;
* every shipped line of the orders placed in the period, as a change-of-mind return of all its units asked for on
  the day of delivery (shipping, or the order, standing in): who could return what, until when, for which fees.

Quantities already returned and refunds already made are left out (both versions see the line as new), so the
report shows only what the policy changes. Nothing is written.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from ..domain.facts import CaseFacts, CaseKind, CustomerHistory, LineRequest, OrderFacts
from ..models import Case, OrderRecord, PolicyVersion
from ..rules.decision import CaseDecision
from ..rules.document import Policy
from ..rules.engine import decide
from ..rules.validation import PolicyError, PolicyInvalid, parse_policy
from . import ServiceError
from .eligibility import customer_history, load_policy
from .policies import current_policy

__all__ = ["LineChange", "Outcome", "SimulationInvalid", "SimulationReport", "simulate"]

CASE_KINDS = (CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REPAIR)
HYPOTHETICAL_REASON = "changed_mind"

NEWLY_ELIGIBLE = "newly_eligible"
NEWLY_INELIGIBLE = "newly_ineligible"
WINDOW_LONGER = "window_longer"
WINDOW_SHORTER = "window_shorter"
FEES_CHANGED = "fees_changed"
REFUND_CHANGED = "refund_changed"
RESOLUTIONS_CHANGED = "resolutions_changed"
CHANGE_KINDS = (
    NEWLY_ELIGIBLE,
    NEWLY_INELIGIBLE,
    WINDOW_LONGER,
    WINDOW_SHORTER,
    FEES_CHANGED,
    REFUND_CHANGED,
    RESOLUTIONS_CHANGED,
)


class SimulationInvalid(ServiceError):
    """The draft is not a valid policy; ``errors`` has every problem with its JSON path."""

    def __init__(self, errors: list[PolicyError]) -> None:
        shown = "; ".join(f"{error.path}: {error.message}" for error in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"The draft policy is invalid: {shown}{more}", code="invalid", field="draft")
        self.errors = errors


@dataclass(frozen=True)
class Outcome:
    """How one version decides one line."""

    eligible: bool
    reasons: tuple[str, ...]
    window_ends_at: datetime | None
    window: str
    resolutions: tuple[str, ...]
    fees: Decimal
    refund: Decimal

    def to_dict(self) -> dict[str, Any]:
        return {
            "eligible": self.eligible,
            "reasons": list(self.reasons),
            "window": self.window,
            "window_ends_at": self.window_ends_at.isoformat() if self.window_ends_at else None,
            "resolutions": list(self.resolutions),
            "fees": str(self.fees),
            "refund": str(self.refund),
        }


@dataclass(frozen=True)
class LineChange:
    source: str
    """'case' (a recorded request) or 'order' (a change-of-mind return of an order line)."""
    order_id: str
    order_number: str
    case_number: int | None
    line_id: str
    sku: str
    product_name: str
    kind: str
    reason: str
    currency: str
    current: Outcome
    draft: Outcome
    changes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "order_id": self.order_id,
            "order_number": self.order_number,
            "case_number": self.case_number,
            "line_id": self.line_id,
            "sku": self.sku,
            "product_name": self.product_name,
            "kind": self.kind,
            "reason": self.reason,
            "currency": self.currency,
            "current": self.current.to_dict(),
            "draft": self.draft.to_dict(),
            "changes": list(self.changes),
        }


@dataclass
class SimulationReport:
    channel: str
    start: datetime
    end: datetime
    current_version: int
    draft_name: str
    orders: int = 0
    order_lines: int = 0
    cases: int = 0
    case_lines: int = 0
    changes: list[LineChange] = field(default_factory=list)
    _case_outcomes: list[tuple[str, Outcome, Outcome]] = field(default_factory=list, repr=False)

    def count(self, kind: str, source: str | None = None) -> int:
        return sum(1 for c in self.changes if kind in c.changes and (source is None or c.source == source))

    @property
    def totals(self) -> dict[str, dict[str, str]]:
        """Money of the period's recorded requests, per currency, as the current version and the draft decide."""
        sums: dict[str, dict[str, Decimal]] = {}
        for change in self._case_outcomes:
            money = sums.setdefault(
                change[0],
                {k: Decimal(0) for k in ("refund_current", "refund_draft", "fees_current", "fees_draft")},
            )
            money["refund_current"] += change[1].refund
            money["refund_draft"] += change[2].refund
            money["fees_current"] += change[1].fees
            money["fees_draft"] += change[2].fees
        return {
            currency: {
                **{key: str(value) for key, value in money.items()},
                "refund_difference": str(money["refund_draft"] - money["refund_current"]),
                "fees_difference": str(money["fees_draft"] - money["fees_current"]),
            }
            for currency, money in sorted(sums.items())
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "channel": self.channel,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "current_version": self.current_version,
            "draft_name": self.draft_name,
            "evaluated": {
                "orders": self.orders,
                "order_lines": self.order_lines,
                "cases": self.cases,
                "case_lines": self.case_lines,
            },
            "counts": {
                source: {kind: self.count(kind, source) for kind in CHANGE_KINDS}
                for source in ("case", "order")
            },
            "totals": self.totals,
            "changes": [change.to_dict() for change in self.changes],
        }

    def format_text(self) -> str:
        lines = [
            f"Simulation of {self.draft_name or 'the draft'} against version {self.current_version} of "
            f"{self.channel!r}, {self.start:%Y-%m-%d %H:%M} to {self.end:%Y-%m-%d %H:%M} UTC",
            f"Evaluated: {self.cases} case(s) with {self.case_lines} line(s); {self.orders} order(s) with "
            f"{self.order_lines} shipped line(s).",
            "",
            "Recorded requests (cases):",
            *[f"  {kind.replace('_', ' ')}: {self.count(kind, 'case')}" for kind in CHANGE_KINDS],
            "Order lines (change-of-mind return on delivery):",
            *[f"  {kind.replace('_', ' ')}: {self.count(kind, 'order')}" for kind in CHANGE_KINDS],
        ]
        for currency, money in self.totals.items():
            lines.append(
                f"Refunds {currency}: {money['refund_current']} -> {money['refund_draft']} "
                f"({money['refund_difference']}); fees {money['fees_current']} -> {money['fees_draft']} "
                f"({money['fees_difference']})"
            )
        if self.changes:
            lines += ["", "Changes:"]
        for change in self.changes:
            where = f"case #{change.case_number}" if change.case_number else f"order {change.order_number}"
            lines.append(
                f"  {where} line {change.sku or change.line_id} ({change.reason or 'no reason'}): "
                f"{', '.join(c.replace('_', ' ') for c in change.changes)}; "
                f"{_describe(change.current, change.currency)} -> {_describe(change.draft, change.currency)}"
            )
        return "\n".join(lines)


def _describe(outcome: Outcome, currency: str) -> str:
    if not outcome.eligible:
        return f"not eligible ({', '.join(outcome.reasons)})"
    return (
        f"eligible, {outcome.window or 'no window'}, fees {outcome.fees}, refund {outcome.refund} {currency}"
    )


def _instant(value: datetime | date, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ServiceError(
                f"{'end' if end else 'start'} {value.isoformat()} has no time zone; give an aware datetime.",
                field="end" if end else "start",
            )
        return value
    # A date covers that whole day (UTC): the start date from its midnight, the end date up to its end.
    return datetime.combine(value + timedelta(days=1) if end else value, time(), tzinfo=UTC)


def _parse_draft(draft: str | Mapping[str, Any] | Policy) -> Policy:
    if isinstance(draft, Policy):
        return draft
    try:
        return parse_policy(draft)
    except PolicyInvalid as invalid:
        raise SimulationInvalid(list(invalid.errors)) from None


def _outcome(decision: CaseDecision, line_id: str) -> Outcome:
    line = next(line for line in decision.lines if line.line_id == line_id)
    settlement = decision.settlement
    refund = settlement.net_by_line.get(line_id, Decimal(0)) if line.eligible else Decimal(0)
    refundable = line.refundable if line.eligible else Decimal(0)
    window = ""
    if line.window is not None:
        window = f"{line.window.days} {line.window.day_kind.value} days from {line.window.anchor.value}"
    return Outcome(
        eligible=line.eligible,
        reasons=line.reasons,
        window_ends_at=line.window_ends_at,
        window=window,
        resolutions=line.resolutions,
        fees=refundable - refund,
        refund=refund,
    )


def _changes(current: Outcome, draft: Outcome) -> tuple[str, ...]:
    found = []
    if draft.eligible and not current.eligible:
        found.append(NEWLY_ELIGIBLE)
    if current.eligible and not draft.eligible:
        found.append(NEWLY_INELIGIBLE)
    if current.window_ends_at and draft.window_ends_at:
        if draft.window_ends_at > current.window_ends_at:
            found.append(WINDOW_LONGER)
        elif draft.window_ends_at < current.window_ends_at:
            found.append(WINDOW_SHORTER)
    if current.eligible and draft.eligible:
        if draft.fees != current.fees:
            found.append(FEES_CHANGED)
        if draft.refund != current.refund:
            found.append(REFUND_CHANGED)
        if draft.resolutions != current.resolutions:
            found.append(RESOLUTIONS_CHANGED)
    return tuple(found)


class _Judge:
    """Decides one request with both policies; customer histories are looked up once per order, look-back and time."""

    def __init__(self, current: Policy, current_version: int, draft: Policy) -> None:
        self.policies = ((current, current_version), (draft, None))
        self._histories: dict[tuple[int, int, datetime], CustomerHistory] = {}

    def history(self, order: OrderRecord, days: int, now: datetime) -> CustomerHistory:
        key = (order.pk, days, now)
        if key not in self._histories:
            self._histories[key] = customer_history(order, days, now)
        return self._histories[key]

    def both(
        self,
        order: OrderRecord,
        facts: OrderFacts,
        kind: CaseKind,
        requests: tuple[LineRequest, ...],
        now: datetime,
    ) -> Iterator[CaseDecision]:
        for policy, version in self.policies:
            history = self.history(order, policy.defaults.prior_returns_days, now)
            case = CaseFacts(kind=kind, order=facts, lines=requests, now=now, history=history)
            yield decide(policy, case, explain=False, policy_version=version)


def _fresh_facts(order: OrderRecord) -> OrderFacts:
    """The order as if nothing had been returned or refunded yet, so both versions judge the same request."""
    facts = order.to_facts()
    return replace(
        facts,
        lines=tuple(replace(line, quantity_returned=0, refunded_amount=Decimal(0)) for line in facts.lines),
    )


def simulate(
    channel: str,
    draft_document: str | Mapping[str, Any] | Policy,
    start: datetime | date,
    end: datetime | date,
) -> SimulationReport:
    """Decide the period's recorded requests and order lines with the current version and with the draft.

    ``start`` is inclusive, ``end`` exclusive; a date stands for its whole day (UTC), so ``end=date(2026, 3, 31)``
    includes 31 March. Raises :class:`SimulationInvalid` with every error of an invalid draft.
    """
    draft = _parse_draft(draft_document)
    start_at, end_at = _instant(start, end=False), _instant(end, end=True)
    if start_at >= end_at:
        raise ServiceError(
            f"The period is empty: start {start_at.isoformat()} is not before end {end_at.isoformat()}.",
            field="end",
        )
    version: PolicyVersion | None = current_policy(channel)
    if version is None:
        raise ServiceError(
            f"Channel {channel!r} has no published policy to compare the draft with; publish a first version.",
            code="no_policy",
            field="channel",
        )
    judge = _Judge(load_policy(version), version.version, draft)
    report = SimulationReport(channel, start_at, end_at, version.version, draft.name)

    cases = (
        Case.objects.filter(channel=channel, kind__in=[k.value for k in CASE_KINDS])
        .filter(created_at__gte=start_at, created_at__lt=end_at)
        .select_related("order")
        .prefetch_related("lines__order_line", "order__lines")
        .order_by("created_at", "number")
    )
    for case in cases:
        report.cases += 1
        case_lines = list(case.lines.all())
        requests = tuple(
            LineRequest(
                str(line.order_line.line_id),
                line.quantity,
                reason=line.reason or case.reason,
                resolution=line.requested_resolution,
                condition=line.condition or "unknown",
            )
            for line in case_lines
        )
        if not requests:
            continue
        facts = _fresh_facts(case.order)
        current, drafted = judge.both(case.order, facts, CaseKind(case.kind), requests, case.created_at)
        for case_line, request in zip(case_lines, requests, strict=True):
            report.case_lines += 1
            before, after = _outcome(current, request.line_id), _outcome(drafted, request.line_id)
            report._case_outcomes.append((case.currency, before, after))
            changed = _changes(before, after)
            if changed:
                report.changes.append(
                    LineChange(
                        "case",
                        str(case.order.order_id),
                        case.order.number,
                        case.number,
                        request.line_id,
                        case_line.order_line.sku,
                        case_line.order_line.product_name,
                        case.kind,
                        request.reason,
                        case.currency,
                        before,
                        after,
                        changed,
                    )
                )

    orders = (
        OrderRecord.objects.filter(channel=channel, created_at__gte=start_at, created_at__lt=end_at)
        .prefetch_related("lines")
        .order_by("created_at", "id")
    )
    for order in orders:
        report.orders += 1
        facts = _fresh_facts(order)
        for line in facts.lines:
            if line.quantity_fulfilled <= 0:
                continue
            report.order_lines += 1
            received = line.delivered_at or order.delivered_at or line.fulfilled_at or order.fulfilled_at
            now = (received or order.created_at) + timedelta(minutes=1)
            request = LineRequest(line.line_id, line.quantity_fulfilled, reason=HYPOTHETICAL_REASON)
            current, drafted = judge.both(order, facts, CaseKind.RETURN, (request,), now)
            before, after = _outcome(current, line.line_id), _outcome(drafted, line.line_id)
            changed = _changes(before, after)
            if changed:
                report.changes.append(
                    LineChange(
                        "order",
                        str(order.order_id),
                        order.number,
                        None,
                        line.line_id,
                        line.product.sku,
                        line.product.product_name,
                        CaseKind.RETURN.value,
                        HYPOTHETICAL_REASON,
                        order.currency,
                        before,
                        after,
                        changed,
                    )
                )
    return report
