"""Service-level deadlines of cases: computing them, pausing them while the customer has the next move, and the
escalation sweep.

Targets come from the case's decision (``sla``: ``first_response_hours``, ``resolution_working_days``), which the
policy's ``sla`` section and ``set_sla`` rules fill; when a decision has none, the policy's target for the case's
kind applies, and without a usable policy the built-in defaults (24 h first response, 48 h for complaints,
7 working days to resolve). Deadlines count working time on the shop's :class:`BusinessCalendar` (its time zone,
working days and hours, public holidays): ``first_response_due`` is the first-response hours after the case opened,
counted around the clock when the target's clock is ``calendar`` and in working hours when it is ``working``; ``resolution_due`` is ``resolution_working_days`` working days after it, a working day being the
shop's opening hours (or a whole business day when it has none).

While the case waits for the customer (``awaiting_return``, ``quoted``) the clock stops: ``sla_paused_at`` is set,
and on leaving that status both pending deadlines move later by the time spent paused.

The sweep reads only cases past a deadline through the partial indexes ``aftersales_case_first_due`` and
``aftersales_case_resolve_due`` (on ``first_response_due`` where ``first_responded_at IS NULL`` and on
``resolution_due`` where ``resolved_at IS NULL``), so its cost grows with the overdue cases, not with all cases.
A case overdue by H hours (wall-clock, since the earliest missed deadline) is raised to the highest tier of its
escalation path whose ``after_hours`` <= H; each raise records an ``escalated`` event and notifies that tier.
"""

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.utils import timezone

from ..delivery import deliver_after_commit
from ..domain import cases as machine
from ..domain.actors import SYSTEM_ACTOR
from ..domain.facts import CaseKind
from ..domain.host import NotificationHost
from ..hosting import current_host
from ..models import Case, CaseEvent, OrderRecord
from ..notifications.outbox import CaseHeading, enqueue_many, enqueue_staff, staff_messages, staff_recipients
from ..rules.calendar import BusinessCalendar
from ..rules.document import DEFAULT_SLA, EscalationTier, Policy
from . import ServiceError
from .eligibility import policy_for_order

__all__ = [
    "SLA_FIELDS",
    "WAITING_STATUSES",
    "SlaTargets",
    "SweepReport",
    "case_policy",
    "first_response_overdue",
    "set_deadlines",
    "on_transition",
    "order_policy",
    "resolution_overdue",
    "sweep",
    "targets_for",
]

logger = logging.getLogger(__name__)
S = machine.CaseStatus
WAITING_STATUSES = frozenset({str(S.AWAITING_RETURN), str(S.QUOTED)})
"""Statuses in which the customer has the next move, so the SLA clock stops."""
SLA_FIELDS = ("first_response_due", "resolution_due", "sla_paused_at")
DEFAULT_CALENDAR = BusinessCalendar()
DEFAULT_WARNING_HOURS = Decimal(2)
SWEEP_BATCH_SIZE = 500
FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
_DEADLINES = (
    (FIRST_RESPONSE, "first_response_due", "first_responded_at"),
    (RESOLUTION, "resolution_due", "resolved_at"),
)
"""Each SLA deadline: its kind, the case field holding it and the field that says it was met."""
EVENT_ESCALATED = "escalated"
"""The event recording a raise of the case's escalation tier (by the sweep or by staff)."""


@dataclass(frozen=True, slots=True)
class SlaTargets:
    first_response_hours: Decimal | None
    resolution_working_days: Decimal | None
    first_response_clock: str = "working"


def order_policy(order: OrderRecord) -> Policy | None:
    """The policy ``order`` is judged by, or None when its channel has no valid published policy."""
    try:
        return policy_for_order(order)[0]
    except ServiceError:
        return None
    except (KeyError, TypeError, ValueError):
        logger.warning("The policy of channel %s cannot be read; built-in SLA defaults apply.", order.channel)
        return None


def case_policy(case: Case) -> Policy | None:
    """The policy the case's order is judged by, or None when the channel has no valid published policy."""
    return order_policy(case.order)


def _decimal(value: object) -> Decimal | None:
    return None if value is None or value == "" else Decimal(str(value))


def targets_for(case: Case, policy: Policy | None) -> SlaTargets:
    decided = (case.decision or {}).get("sla") or {}
    clock = "working"
    if policy is not None:
        fallback = policy.sla_for(CaseKind(case.kind))
        hours, days = fallback.first_response_hours, fallback.resolution_working_days
        clock = fallback.first_response_clock
    else:
        defaults = DEFAULT_SLA[case.kind]
        hours, days = Decimal(defaults["first_response_hours"]), Decimal(defaults["resolution_working_days"])
    first = _decimal(decided.get("first_response_hours"))
    resolve = _decimal(decided.get("resolution_working_days"))
    if first is not None:
        clock = decided.get("first_response_clock") or "working"
    return SlaTargets(first if first is not None else hours, resolve if resolve is not None else days, clock)


def first_response_deadline(
    calendar: BusinessCalendar, start: datetime, hours: Decimal, clock: str = "working"
) -> datetime:
    """``hours`` after ``start``: around the clock (``calendar``) or in the calendar's working time (``working``)."""
    if clock == "calendar":
        return start + timedelta(seconds=int(hours * 3600))
    return calendar.add_working_hours(start, hours)


def resolution_deadline(calendar: BusinessCalendar, start: datetime, working_days: Decimal) -> datetime:
    return calendar.add_working_days(start, working_days)


def set_deadlines(case: Case) -> None:
    """Set the deadlines of a new case from its decision and policy (the caller saves it)."""
    policy = case_policy(case)
    calendar = policy.calendar if policy else DEFAULT_CALENDAR
    targets = targets_for(case, policy)
    if targets.first_response_hours is not None and case.first_responded_at is None:
        case.first_response_due = first_response_deadline(
            calendar, case.created_at, targets.first_response_hours, targets.first_response_clock
        )
    if targets.resolution_working_days is not None:
        case.resolution_due = resolution_deadline(calendar, case.created_at, targets.resolution_working_days)


def on_transition(case: Case, previous_status: str, now: datetime) -> None:
    """Keep the deadlines true after ``case`` moved from ``previous_status`` (the caller saves :data:`SLA_FIELDS`).

    Entering a waiting status pauses; leaving one resumes, moving pending deadlines by the paused time. A case that
    stops being open without a first response drops its first-response deadline (nothing is owed any more); a
    reopened complaint gets a fresh resolution deadline from now.
    """
    if not machine.is_open(case.kind, case.status):
        if case.first_responded_at is None:
            case.first_response_due = None
        _resume(case, now)
        return
    if case.status in WAITING_STATUSES:
        if case.sla_paused_at is None:
            case.sla_paused_at = now
        return
    _resume(case, now)
    reopened = case.kind == CaseKind.COMPLAINT and case.status == S.OPEN and previous_status != S.OPEN
    if reopened:
        policy = case_policy(case)
        days = targets_for(case, policy).resolution_working_days
        if days is not None:
            case.resolution_due = resolution_deadline(
                policy.calendar if policy else DEFAULT_CALENDAR, now, days
            )


def _resume(case: Case, now: datetime) -> None:
    if case.sla_paused_at is None:
        return
    paused_for = max(now - case.sla_paused_at, timedelta(0))
    if case.first_response_due is not None and case.first_responded_at is None:
        case.first_response_due += paused_for
    if case.resolution_due is not None and case.resolved_at is None:
        case.resolution_due += paused_for
    case.sla_paused_at = None


def first_response_overdue(now: datetime) -> QuerySet[Case]:
    """Cases past their first-response deadline (a range scan of ``aftersales_case_first_due``)."""
    return Case.objects.filter(
        first_responded_at__isnull=True, first_response_due__lte=now, sla_paused_at__isnull=True
    )


def resolution_overdue(now: datetime) -> QuerySet[Case]:
    """Cases past their resolution deadline (a range scan of ``aftersales_case_resolve_due``)."""
    return Case.objects.filter(resolved_at__isnull=True, resolution_due__lte=now, sla_paused_at__isnull=True)


def _tiers_of_path(policy: Policy | None, path: str | None) -> tuple[EscalationTier, ...]:
    """The tiers of the escalation ``path`` a case's decision chose (``default`` when none; the policy's first path
    when it has no such path)."""
    if policy is None or not policy.escalation:
        return ()
    return policy.escalation.get(path or "default") or next(iter(policy.escalation.values()))


def escalation_tiers(case: Case, policy: Policy | None) -> tuple[EscalationTier, ...]:
    """The tiers of the escalation path ``case``'s decision chose, in ``policy`` (the case's policy)."""
    return _tiers_of_path(policy, (case.decision or {}).get("escalation_path"))


def _missed_deadline(case: "_Overdue", now: datetime) -> tuple[str, datetime] | None:
    missed = []
    if case.first_responded_at is None and case.first_response_due and case.first_response_due <= now:
        missed.append((case.first_response_due, FIRST_RESPONSE))
    if case.resolved_at is None and case.resolution_due and case.resolution_due <= now:
        missed.append((case.resolution_due, RESOLUTION))
    if not missed:
        return None
    due, kind = min(missed)
    return kind, due


@dataclass
class SweepReport:
    examined: int = 0
    escalated: int = 0
    warned: int = 0
    escalated_cases: list[int] = field(default_factory=list)
    seen: set[object] = field(default_factory=set, repr=False)
    """Ids of the overdue cases examined (a case past both deadlines is examined once)."""


class _Overdue(NamedTuple):
    """A case the sweep locked, as read in bulk (what deciding its tier and wording its message need)."""

    id: UUID
    number: int
    kind: str
    channel: str
    status: str
    customer_email: str
    escalation_tier: int
    first_response_due: datetime | None
    first_responded_at: datetime | None
    resolution_due: datetime | None
    resolved_at: datetime | None
    sla_paused_at: datetime | None
    decided_path: str | None
    order_id: int
    order_number: str
    order_uuid: UUID
    policy_version_id: int | None

    @property
    def heading(self) -> CaseHeading:
        return CaseHeading(
            self.id,
            self.number,
            self.kind,
            self.channel,
            self.status,
            self.customer_email,
            self.order_number or str(self.order_uuid),
        )


_OVERDUE_COLUMNS = (
    "id",
    "number",
    "kind",
    "channel",
    "status",
    "customer_email",
    "escalation_tier",
    "first_response_due",
    "first_responded_at",
    "resolution_due",
    "resolved_at",
    "sla_paused_at",
    "decided_path",
    "order_id",
    "order__number",
    "order__order_id",
    "order__policy_version_id",
)


@dataclass(frozen=True, slots=True)
class _Escalation:
    case: _Overdue
    target: int
    tier: EscalationTier
    deadline_kind: str
    due: datetime
    policy: Policy | None


class _Policies:
    """The policy of each case in a sweep, read once per policy version (or channel, for orders without one)."""

    def __init__(self) -> None:
        self._loaded: dict[object, Policy | None] = {}

    def of(self, case: _Overdue) -> Policy | None:
        key = case.policy_version_id or ("channel", case.channel)
        if key not in self._loaded:
            self._loaded[key] = order_policy(OrderRecord.objects.get(pk=case.order_id))
        return self._loaded[key]


def _escalation_due(case: _Overdue, now: datetime, policies: _Policies) -> _Escalation | None:
    """The tier ``case`` should be raised to now, or None when it is not overdue or already there."""
    if case.sla_paused_at is not None or not machine.is_open(case.kind, case.status):
        return None
    missed = _missed_deadline(case, now)
    if missed is None:
        return None
    deadline_kind, due = missed
    policy = policies.of(case)
    tiers = _tiers_of_path(policy, case.decided_path)
    overdue_hours = Decimal((now - due).total_seconds()) / 3600
    target = sum(1 for tier in tiers if tier.after_hours <= overdue_hours)
    if target <= case.escalation_tier:
        return None
    return _Escalation(case, target, tiers[target - 1], deadline_kind, due, policy)


_CASES = Case._meta.db_table
_EVENTS = CaseEvent._meta.db_table
# One UPDATE ... FROM unnest() and one INSERT ... SELECT FROM unnest(): Django's bulk_update builds a CASE per row
# and bulk_create prepares every field of every row, which cost more than the writes.
_RAISE_TIERS = (
    f'UPDATE "{_CASES}" SET escalation_tier = raised.tier, updated_at = %s '
    f'FROM unnest(%s::uuid[], %s::smallint[]) AS raised(id, tier) WHERE "{_CASES}".id = raised.id'
)
_INSERT_ESCALATED_EVENTS = (
    f'INSERT INTO "{_EVENTS}" (case_id, type, from_status, to_status, actor_type, actor_id, at, message, payload) '
    "SELECT event.case_id, %s, '', '', %s, %s, %s, event.message, event.payload::jsonb "
    "FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS event(case_id, message, payload)"
)


def _escalate_batch(cases: list[_Overdue], now: datetime, policies: _Policies, report: SweepReport) -> None:
    """Raise the cases of one locked batch that are due for a higher tier: tiers computed in memory, then one
    update of the cases, one insert of their ``escalated`` events and one of their staff messages."""
    raised = [escalation for case in cases if (escalation := _escalation_due(case, now, policies))]
    if not raised:
        return
    written_at = timezone.now()
    messages, event_texts, event_payloads = [], [], []
    for escalation in raised:
        case, tier = escalation.case, escalation.tier
        deadline = escalation.due.isoformat()
        event_texts.append(
            f"Missed the {escalation.deadline_kind.replace('_', ' ')} deadline; escalated to {tier.name}."
        )
        event_payloads.append(
            json.dumps(
                {
                    "from_tier": case.escalation_tier,
                    "to_tier": escalation.target,
                    "tier_name": tier.name,
                    "path": case.decided_path,
                    "deadline_kind": escalation.deadline_kind,
                    "deadline": deadline,
                }
            )
        )
        messages += staff_messages(
            case.heading,
            escalation.policy,
            "staff_escalation",
            tier.notify,
            f"staff_escalation:{case.id}:{escalation.target}",
            deadline_kind=escalation.deadline_kind,
            deadline={"instant": deadline},
            tier_name=tier.name,
            tier_number=escalation.target,
        )
        report.escalated += 1
        report.escalated_cases.append(case.number)
    case_ids = [escalation.case.id for escalation in raised]
    with connection.cursor() as cursor:
        cursor.execute(_RAISE_TIERS, [written_at, case_ids, [escalation.target for escalation in raised]])
        cursor.execute(
            _INSERT_ESCALATED_EVENTS,
            [
                EVENT_ESCALATED,
                SYSTEM_ACTOR.type,
                "sla",
                written_at,
                case_ids,
                event_texts,
                event_payloads,
            ],
        )
    enqueue_many(messages)
    deliver_after_commit()


def _sweep_deadline(
    deadline: str, met: str, now: datetime, batch_size: int, policies: _Policies, report: SweepReport
) -> None:
    """Escalate the cases past ``deadline`` (not yet ``met``) in batches, each in its own short transaction.

    A batch is read in deadline order through the deadline's partial index and locked with ``FOR UPDATE SKIP
    LOCKED``: rows another sweeper holds are skipped (it handles them), so two sweepers never block or collide;
    each raise is decided on the locked row. The next batch starts after the last (deadline, id) read.
    """
    overdue = Case.objects.filter(
        **{f"{met}__isnull": True, f"{deadline}__lte": now, "sla_paused_at__isnull": True}
    )
    after: tuple[datetime, object] | None = None
    while True:
        with transaction.atomic():
            batch_query = overdue
            if after is not None:
                batch_query = batch_query.filter(
                    Q(**{f"{deadline}__gt": after[0]}) | Q(**{deadline: after[0], "pk__gt": after[1]})
                )
            rows = (
                batch_query.select_for_update(skip_locked=True, of=("self",))
                .annotate(decided_path=KeyTextTransform("escalation_path", "decision"))
                .order_by(deadline, "pk")
                .values_list(*_OVERDUE_COLUMNS)[:batch_size]
            )
            batch = [_Overdue(*row) for row in rows]
            if not batch:
                return
            last = batch[-1]
            after = (getattr(last, deadline), last.id)
            fresh = [case for case in batch if case.id not in report.seen]
            report.seen.update(case.id for case in fresh)
            report.examined += len(fresh)
            _escalate_batch(fresh, now, policies, report)
        if len(batch) < batch_size:
            return


def _warn(cases: Iterable[Case], deadline_kind: str, report: SweepReport, host: NotificationHost) -> None:
    for case in cases:
        due = case.first_response_due if deadline_kind == FIRST_RESPONSE else case.resolution_due
        if due is None or not machine.is_open(case.kind, case.status):
            continue
        policy = case_policy(case)
        recipients = staff_recipients(case, policy, host)
        report.warned += enqueue_staff(
            case,
            policy,
            "staff_sla_warning",
            recipients,
            f"staff_sla_warning:{case.pk}:{deadline_kind}:{due.isoformat()}",
            deadline_kind=deadline_kind,
            deadline={"instant": due.isoformat()},
        )
        if recipients:
            deliver_after_commit()


def sweep(
    now: datetime | None = None,
    *,
    warning_hours: Decimal = DEFAULT_WARNING_HOURS,
    batch_size: int = SWEEP_BATCH_SIZE,
    host: NotificationHost | None = None,
) -> SweepReport:
    """Escalate overdue cases and warn staff about deadlines within ``warning_hours`` (each warning once); warnings
    also go to the channel's staff contacts as ``host`` (default: this process's host) knows them.

    Overdue cases are handled in batches of ``batch_size`` (1 to 10,000), each batch in one short transaction (see
    :func:`_sweep_deadline`), so a sweep never holds many locks for long and concurrent sweeps share the work.
    """
    if not 1 <= batch_size <= 10_000:
        raise ValueError(f"batch_size must be between 1 and 10,000, not {batch_size}.")
    now = now or timezone.now()
    report = SweepReport()
    policies = _Policies()
    host = host or current_host()
    for _, deadline, met in _DEADLINES:
        _sweep_deadline(deadline, met, now, batch_size, policies, report)
    soon = now + timedelta(seconds=float(warning_hours * 3600))
    with transaction.atomic():
        for deadline_kind, deadline, met in _DEADLINES:
            due_soon = Case.objects.filter(
                **{f"{met}__isnull": True, f"{deadline}__gt": now, f"{deadline}__lte": soon},
                sla_paused_at__isnull=True,
            ).select_related("order")
            _warn(due_soon, deadline_kind, report, host)
    return report
