"""Simulating a draft policy on a period's recorded orders and cases, before anything is published.

Two kinds of lines are decided with both the channel's current version and the draft:

* every line of the return, exchange and repair cases opened in the period, as requested (reason, resolution, the
  condition found at inspection) at the moment the case was opened: what would have been decided;
* every shipped line of the orders placed in the period, as a change-of-mind return of all its units asked for on
  the day of delivery (shipping, or the order, standing in): who could return what, until when, for which fees.

Quantities already returned and refunds already made are left out (both versions see the line as new), so the
report shows only what the policy changes. Nothing is written.

Streaming: orders and cases are read in batches of :data:`BATCH_SIZE` (keyset pagination on creation time and id,
each batch's lines loaded with it) and only counts, money totals and the first ``max_changes`` changed lines are
kept, so memory stays constant however long the period; ``changes_omitted`` says how many changed lines the
report does not list.
"""

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, prefetch_related_objects

from ..domain.facts import CaseFacts, CaseKind, CustomerHistory, LineRequest, OrderFacts
from ..models import Case, OrderRecord, PolicyVersion
from ..rules.decision import CaseDecision
from ..rules.document import Policy
from ..rules.engine import decide
from ..rules.reasons import NO_REASON
from ..rules.validation import PolicyError, PolicyInvalid, parse_policy
from . import ServiceError
from .eligibility import load_policy
from .policies import current_policy

__all__ = ["LineChange", "Outcome", "SimulationInvalid", "SimulationReport", "simulate"]

BATCH_SIZE = 500
MAX_CHANGES = 1000
"""Changed lines listed in a report by default (0 to 100,000); the counts and totals always cover every line."""
CASE_KINDS = (CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REPAIR)
HYPOTHETICAL_REASON = NO_REASON

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
    """The first ``max_changes`` changed lines, in the order they were evaluated."""
    changes_omitted: int = 0
    """Changed lines beyond ``max_changes``: counted and in the totals, not listed."""
    max_changes: int = MAX_CHANGES
    _counts: Counter[tuple[str, str]] = field(default_factory=Counter, repr=False)
    _money: dict[str, dict[str, Decimal]] = field(default_factory=dict, repr=False)

    def add_change(self, change: LineChange) -> None:
        self._counts.update((change.source, kind) for kind in change.changes)
        if len(self.changes) < self.max_changes:
            self.changes.append(change)
        else:
            self.changes_omitted += 1

    def add_case_money(self, currency: str, current: Outcome, draft: Outcome) -> None:
        money = self._money.setdefault(
            currency,
            {k: Decimal(0) for k in ("refund_current", "refund_draft", "fees_current", "fees_draft")},
        )
        money["refund_current"] += current.refund
        money["refund_draft"] += draft.refund
        money["fees_current"] += current.fees
        money["fees_draft"] += draft.fees

    def count(self, kind: str, source: str | None = None) -> int:
        if source is None:
            return sum(self._counts[(origin, kind)] for origin in ("case", "order"))
        return self._counts[(source, kind)]

    @property
    def totals(self) -> dict[str, dict[str, str]]:
        """Money of the period's recorded requests, per currency, as the current version and the draft decide."""
        sums = self._money
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
            "changes_omitted": self.changes_omitted,
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
            omitted = (
                f" (the first {len(self.changes)}; {self.changes_omitted} more)"
                if self.changes_omitted
                else ""
            )
            lines += ["", f"Changes{omitted}:"]
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
    """Decides one request with both policies; customer histories come from one query per batch of orders."""

    def __init__(self, current: Policy, current_version: int, draft: Policy) -> None:
        self.policies = ((current, current_version), (draft, None))
        self._earlier: dict[tuple[str, str], list[tuple[int, datetime, Decimal]]] = {}

    def load_histories(self, orders: list[OrderRecord], earliest: datetime, latest: datetime) -> None:
        """Read, in one query, the return and exchange cases of the batch's customers opened in
        [``earliest`` - the longest look-back, ``latest``]; :meth:`history` filters them per order in memory
        exactly as :func:`~.eligibility.customer_history` does in SQL."""
        self._earlier = {}
        ids = {order.customer_id for order in orders if order.customer_id}
        emails = {order.customer_email for order in orders if not order.customer_id and order.customer_email}
        if not ids and not emails:
            return
        days = max(policy.defaults.prior_returns_days for policy, _ in self.policies)
        rows = (
            Case.objects.filter(Q(customer_id__in=ids) | Q(customer_email__in=emails))
            .filter(kind__in=[CaseKind.RETURN, CaseKind.EXCHANGE])
            .filter(created_at__gte=earliest - timedelta(days=days), created_at__lte=latest)
            .exclude(status__in=["declined", "cancelled"])
            .values_list("customer_id", "customer_email", "order_id", "created_at", "refund_amount")
        )
        for customer_id, email, order_id, created_at, refund in rows:
            entry = (order_id, created_at, refund or Decimal(0))
            if customer_id:
                self._earlier.setdefault(("id", customer_id), []).append(entry)
            self._earlier.setdefault(("email", email), []).append(entry)

    def history(self, order: OrderRecord, days: int, now: datetime) -> CustomerHistory:
        if order.customer_id:
            earlier = self._earlier.get(("id", order.customer_id), ())
        elif order.customer_email:
            earlier = self._earlier.get(("email", order.customer_email), ())
        else:
            return CustomerHistory()
        since = now - timedelta(days=days)
        matching = [refund for order_id, at, refund in earlier if order_id != order.pk and since <= at <= now]
        return CustomerHistory(len(matching), sum(matching, Decimal(0)))

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


def _batches(queryset: QuerySet, prefetch: tuple[str, ...], batch_size: int) -> Iterator[list[Any]]:
    """``queryset`` (ordered by created_at, pk) in batches, each read with one keyset query plus its prefetches."""
    after: tuple[datetime, Any] | None = None
    while True:
        page = queryset.order_by("created_at", "pk")
        if after is not None:
            page = page.filter(Q(created_at__gt=after[0]) | Q(created_at=after[0], pk__gt=after[1]))
        batch = list(page[:batch_size])
        if not batch:
            return
        prefetch_related_objects(batch, *prefetch)
        yield batch
        if len(batch) < batch_size:
            return
        after = (batch[-1].created_at, batch[-1].pk)


def simulate(
    channel: str,
    draft_document: str | Mapping[str, Any] | Policy,
    start: datetime | date,
    end: datetime | date,
    *,
    max_changes: int = MAX_CHANGES,
    batch_size: int = BATCH_SIZE,
) -> SimulationReport:
    """Decide the period's recorded requests and order lines with the current version and with the draft.

    ``start`` is inclusive, ``end`` exclusive; a date stands for its whole day (UTC), so ``end=date(2026, 3, 31)``
    includes 31 March. Raises :class:`SimulationInvalid` with every error of an invalid draft. The report lists
    the first ``max_changes`` changed lines (0 to 100,000); orders and cases are read ``batch_size`` at a time
    (1 to 10,000).
    """
    if not 0 <= max_changes <= 100_000:
        raise ServiceError(
            f"max_changes must be between 0 and 100,000, not {max_changes}.", field="max_changes"
        )
    if not 1 <= batch_size <= 10_000:
        raise ServiceError(f"batch_size must be between 1 and 10,000, not {batch_size}.", field="batch_size")
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
    report = SimulationReport(channel, start_at, end_at, version.version, draft.name, max_changes=max_changes)

    cases = (
        Case.objects.filter(channel=channel, kind__in=[k.value for k in CASE_KINDS])
        .filter(created_at__gte=start_at, created_at__lt=end_at)
        .select_related("order")
    )
    for batch in _batches(cases, ("lines__order_line", "order__lines"), batch_size):
        judge.load_histories([case.order for case in batch], batch[0].created_at, batch[-1].created_at)
        _simulate_cases(batch, judge, report)
    orders = OrderRecord.objects.filter(channel=channel, created_at__gte=start_at, created_at__lt=end_at)
    for batch in _batches(orders, ("lines",), batch_size):
        judged = [_judged_at(order, line) for order in batch for line in order.lines.all()]
        judge.load_histories(batch, min(judged, default=batch[0].created_at), max(judged, default=end_at))
        _simulate_orders(batch, judge, report)
    return report


def _simulate_cases(cases: list[Case], judge: _Judge, report: SimulationReport) -> None:
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
            report.add_case_money(case.currency, before, after)
            changed = _changes(before, after)
            if changed:
                report.add_change(
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


def _judged_at(order: OrderRecord, line: Any) -> datetime:
    """When a change-of-mind return of ``line`` is judged: a minute after delivery (shipping, then the order,
    standing in)."""
    received = line.delivered_at or order.delivered_at or line.fulfilled_at or order.fulfilled_at
    return (received or order.created_at) + timedelta(minutes=1)


def _simulate_orders(orders: list[OrderRecord], judge: _Judge, report: SimulationReport) -> None:
    for order in orders:
        report.orders += 1
        facts = _fresh_facts(order)
        for line in facts.lines:
            if line.quantity_fulfilled <= 0:
                continue
            report.order_lines += 1
            now = _judged_at(order, line)
            request = LineRequest(line.line_id, line.quantity_fulfilled, reason=HYPOTHETICAL_REASON)
            current, drafted = judge.both(order, facts, CaseKind.RETURN, (request,), now)
            before, after = _outcome(current, line.line_id), _outcome(drafted, line.line_id)
            changed = _changes(before, after)
            if changed:
                report.add_change(
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
