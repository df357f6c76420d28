"""Deciding requests: the policy an order is judged by, the facts of a request, and the decision."""

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from ..domain.facts import (
    CaseFacts,
    CaseKind,
    CustomerHistory,
    ItemCondition,
    LineRequest,
    OrderFacts,
    OrderLineFacts,
    ProductFacts,
    one_unit_case,
)
from ..domain.host import HostPort
from ..domain.wording import suggest
from ..models import Case, OrderLineRecord, OrderRecord, PolicyVersion
from ..rules.decision import CaseDecision, LineDecision
from ..rules.document import Policy
from ..rules.engine import REASON_QUANTITY_NOT_AVAILABLE, decide
from ..rules.reasons import canonical_reason
from ..rules.variables import HISTORY_VARIABLES
from ..rules.zero_refund import ZeroRefund, apply_zero_refund
from . import ServiceError
from .ledger import LineBalance, balances, decision_facts, order_lines
from .policies import current_policy, policy_in_force

REASON_ALREADY_REFUNDED = "already_refunded"
REASON_ALREADY_RETURNED = "already_returned"
REASON_IN_OPEN_CASE = "in_open_case"
LEDGER_REASONS = {
    REASON_ALREADY_REFUNDED: "Already refunded.",
    REASON_ALREADY_RETURNED: "Already returned.",
    REASON_IN_OPEN_CASE: "Units of this item are already in an open after-sales case.",
}
"""Reasons that come from the host's ledger rather than the policy (texts as the API shows them by default)."""
_MONEY_KINDS = (CaseKind.RETURN, CaseKind.EXCHANGE)
_UNIT_KINDS = (*_MONEY_KINDS, CaseKind.REPAIR)
"""Kinds whose lines take units: the ledger says why units cannot be asked for (returned, or in an open case)."""

_policies: dict[tuple[int, str], Policy] = {}


def load_policy(version: PolicyVersion) -> Policy:
    """The typed policy of a stored version; versions are immutable, so each is built once per process."""
    # Keyed by row and content, so a row id reused by another database (tests) never returns a stale policy.
    key = (version.pk, version.content_hash)
    policy = _policies.get(key)
    if policy is None:
        policy = _policies[key] = Policy.from_dict(version.document)
    return policy


@dataclass(frozen=True)
class ChannelVersions:
    """A channel's policy versions read once for a request (:func:`channel_versions`): the one in force when read
    and every one scheduled after, so the version in force at any later instant is known without reading again."""

    channel: str
    read_at: datetime
    versions: tuple[PolicyVersion, ...]
    """Newest first; documents not read."""

    def in_force(self, at: datetime) -> PolicyVersion | None:
        """The newest version effective at ``at`` (not before ``read_at``), as :func:`.policies.policy_in_force`."""
        if at < self.read_at:
            raise ValueError(f"Versions read at {self.read_at} do not say what was in force at {at}.")
        return next((version for version in self.versions if version.effective_from <= at), None)


# Raw SQL: the ORM's compilation of this query cost more than running it. Columns left out (document, source) are
# read only if used.
_CHANNEL_VERSIONS = """
SELECT id, channel, version, source_format, content_hash, created_at, effective_from, created_by FROM {table} v
WHERE v.channel = %(channel)s AND (v.effective_from > %(now)s OR v.version = (
  SELECT MAX(version) FROM {table} WHERE channel = %(channel)s AND effective_from <= %(now)s))
ORDER BY v.version DESC
"""


def channel_versions(channel: str) -> ChannelVersions:
    """The channel's versions as :class:`ChannelVersions` keeps them, in one query; none when it has no policy."""
    now = timezone.now()
    sql = _CHANNEL_VERSIONS.format(table=connection.ops.quote_name(PolicyVersion._meta.db_table))
    return ChannelVersions(
        channel, now, tuple(PolicyVersion.objects.raw(sql, {"channel": channel, "now": now}))
    )


def policy_for_order(order: OrderRecord) -> tuple[Policy, PolicyVersion]:
    """The version pinned when the order was placed, or the channel's current one for orders recorded before any."""
    version = order.policy_version or current_policy(order.channel, document=False)
    if version is None:
        raise ServiceError(
            f"No after-sales policy is published for channel {order.channel!r}: publish one in the plugin's "
            "configuration first.",
            code="no_policy",
        )
    return load_policy(version), version


def read_lines(order: OrderRecord) -> list[OrderLineRecord]:
    """The order's lines with the units its cases hold (:func:`.ledger.order_lines`, one query), also kept as
    ``order.lines.all()`` so a request reads its lines once."""
    rows = order_lines(order)
    lines = order.lines.all()
    lines._result_cache = rows  # what prefetch_related leaves, with these rows
    lines._prefetch_done = True
    order._prefetched_objects_cache = {**getattr(order, "_prefetched_objects_cache", {}), "lines": lines}
    return rows


def checked_reasons(order: OrderRecord, requests: Sequence[LineRequest]) -> list[LineRequest]:
    """The requests with each line's reason as a code of the policy's catalogue (``changed_mind`` becomes
    ``no_reason``); an unknown code is refused on its line. An empty reason stays empty (none given)."""
    catalogue = [spec.code for spec in policy_for_order(order)[0].reasons]
    checked = []
    for index, request in enumerate(requests):
        code = canonical_reason(request.reason)
        if code and code not in catalogue:
            raise ServiceError(
                f"{request.reason!r} is not a return reason of this shop."
                + suggest(request.reason, catalogue)
                + " afterSalesReturnReasons lists the reasons with their labels.",
                code="invalid",
                field=f"lines.{index}.reason",
            )
        checked.append(request if code == request.reason else replace(request, reason=code))
    return checked


def customer_history(order: OrderRecord, days: int, now: datetime) -> CustomerHistory:
    """The customer's earlier return and exchange cases (other orders) within the look-back period (read only for
    policies whose conditions use it: :data:`~..rules.variables.HISTORY_VARIABLES`)."""
    if not order.customer_id and not order.customer_email:
        return CustomerHistory()
    same_customer = (
        Q(customer_id=order.customer_id) if order.customer_id else Q(customer_email=order.customer_email)
    )
    totals = (
        Case.objects.filter(same_customer, kind__in=[CaseKind.RETURN, CaseKind.EXCHANGE])
        .filter(created_at__gte=now - timedelta(days=days), created_at__lte=now)
        .exclude(order=order)
        .exclude(status__in=["declined", "cancelled"])
        .aggregate(count=Count("id"), value=Sum("refund_amount"))
    )
    return CustomerHistory(totals["count"] or 0, totals["value"] or Decimal(0))


def evaluate(
    order: OrderRecord,
    kind: CaseKind,
    requests: Sequence[LineRequest],
    *,
    now: datetime | None = None,
    explain: bool = True,
    held: Mapping[str, int] | None = None,
    customer_favourable: bool | None = None,
    host: HostPort | None = None,
    exclude_case: Case | None = None,
    rows: list[OrderLineRecord] | None = None,
    versions: ChannelVersions | None = None,
) -> tuple[CaseDecision, PolicyVersion]:
    """Decide a (possible) request on a recorded order with the policy it is judged by.

    ``held`` gives units (by line id) that the case being re-decided holds itself, so they count as available.
    In customer-favourable mode (``None``: the channel's setting, see :func:`customer_favourable_default`) the
    version in force at ``now`` decides instead of the pinned one when it is more generous: more eligible lines,
    then a later window (or warranty) end, then a higher net refund. The decision's ``decided_by_version`` and
    notes say which version decided.

    With ``host`` the order's delivered, returned and refunded figures come from the host's ledger (see
    :mod:`.ledger`); ``exclude_case`` is the case being re-decided (its own units count as available). Lines the
    ledger shows as fully returned or refunded are not eligible, with the reason ``already_returned`` or
    ``already_refunded``. ``rows``: the order's lines as :func:`.ledger.order_lines` read them for ``exclude_case``
    (else read here, with a host). ``versions``: the channel's versions as the request read them (else the version
    in force now is read here).
    """
    at_present = now is None
    now = now or timezone.now()
    policy, version = policy_for_order(order)
    # Deciding as of now, the version in force now is both the channel's current one (whose setting may turn the
    # mode on) and the one a customer-favourable decision compares with: read once.
    in_force_now = None
    if at_present and customer_favourable is not False:
        in_force_now = (
            versions.in_force(now)
            if versions is not None and versions.channel == order.channel
            else policy_in_force(order.channel, now, document=False)
        )
    if customer_favourable is None:
        customer_favourable = (
            customer_favourable_with(order.channel, in_force_now)
            if at_present
            else customer_favourable_default(order.channel)
        )
    figures: dict[str, LineBalance] | None = None
    order_facts: OrderFacts | None = None
    if host is not None:
        rows = rows if rows is not None else order_lines(order, exclude_case)
        figures = balances(order, host, exclude_case=exclude_case, rows=rows)
        order_facts = decision_facts(order, figures, rows)
        held = None
    else:
        rows = rows if rows is not None else order_lines(order, exclude_case)
        order_facts = _with_repairs_held(order.to_facts(rows), rows)
    pinned = _decide_with(order, kind, requests, now, explain, held, policy, version, order_facts, figures)
    if not customer_favourable:
        return VersionedDecision.of(pinned, version.version), version
    latest = in_force_now if at_present else policy_in_force(order.channel, now, document=False)
    if latest is None or latest.pk == version.pk:
        return VersionedDecision.of(pinned, version.version, version.version, "customer_favourable"), version
    other = _decide_with(
        order, kind, requests, now, explain, held, load_policy(latest), latest, order_facts, figures
    )
    if _generosity(other) > _generosity(pinned):
        note = (
            f"Customer-favourable mode: version {latest.version} (current) decided; it is more generous than "
            f"version {version.version}, pinned when the order was placed."
        )
        return VersionedDecision.of(
            other, version.version, latest.version, "customer_favourable", note
        ), latest
    note = (
        f"Customer-favourable mode: version {version.version} (pinned when the order was placed) decided; "
        f"the current version {latest.version} is not more generous."
    )
    return VersionedDecision.of(pinned, version.version, latest.version, "customer_favourable", note), version


def _with_repairs_held(facts: OrderFacts, rows: Sequence[OrderLineRecord]) -> OrderFacts:
    """The order's facts from the plugin's cached counts (no host), with the units open repair cases hold (``rows``:
    :func:`.ledger.order_lines`' ``repairing``) counted as not available: the cached ``quantity_returned`` counts
    those of returns and exchanges only. They do not move a return's position on the line (no money moved for them),
    so the units counted for the position stay the cached ones."""
    repairing = {str(row.line_id): row.repairing for row in rows}
    if not any(repairing.values()):
        return facts
    lines = []
    for line in facts.lines:
        units = repairing.get(line.line_id, 0)
        if units:
            settled = line.quantity_returned if line.quantity_settled is None else line.quantity_settled
            line = replace(
                line,
                quantity_returned=min(line.quantity_returned + units, line.quantity),
                quantity_settled=min(settled, line.quantity),
            )
        lines.append(line)
    return replace(facts, lines=tuple(lines))


def _decide_with(
    order: OrderRecord,
    kind: CaseKind,
    requests: Sequence[LineRequest],
    now: datetime,
    explain: bool,
    held: Mapping[str, int] | None,
    policy: Policy,
    version: PolicyVersion,
    ledger_facts: OrderFacts | None = None,
    figures: Mapping[str, LineBalance] | None = None,
) -> CaseDecision:
    order_facts = ledger_facts or order.to_facts()
    if held:
        order_facts = replace(
            order_facts,
            lines=tuple(_without(line, held.get(line.line_id, 0)) for line in order_facts.lines),
        )
    facts = CaseFacts(
        kind=CaseKind(kind),
        order=order_facts,
        lines=tuple(requests),
        now=now,
        history=customer_history(order, policy.defaults.prior_returns_days, now)
        if policy.variables & HISTORY_VARIABLES
        else CustomerHistory(),
    )

    def redecide(case: CaseFacts) -> CaseDecision:
        return decide(policy, case, explain=explain, policy_version=version.version)

    decision, zero_refunds = apply_zero_refund(policy.defaults.zero_refund, facts, redecide(facts), redecide)
    if figures is not None and CaseKind(kind) in _UNIT_KINDS:
        decision = _with_ledger_reasons(decision, figures, money=CaseKind(kind) in _MONEY_KINDS)
    return ZeroRefundDecision.of(decision, zero_refunds) if zero_refunds else decision


def _without(line: OrderLineFacts, units: int) -> OrderLineFacts:
    """``line`` without ``units`` of the case being re-decided among its returned (and settled) units."""
    if not units:
        return line
    settled = None if line.quantity_settled is None else max(line.quantity_settled - units, 0)
    return replace(line, quantity_returned=line.quantity_returned - units, quantity_settled=settled)


@dataclass(frozen=True)
class ZeroRefundDecision(CaseDecision):
    """A decision with lines whose refund would be 0.00 after fees, and each one's fee breakdown."""

    zero_refunds: tuple[ZeroRefund, ...] = ()

    @classmethod
    def of(cls, decision: CaseDecision, zero_refunds: tuple[ZeroRefund, ...]) -> "ZeroRefundDecision":
        return cls(**_fields_of(decision), zero_refunds=zero_refunds)

    def to_dict(self, *, with_trace: bool = True) -> dict[str, Any]:
        data = super().to_dict(with_trace=with_trace)
        data["zero_refunds"] = [item.to_dict() for item in self.zero_refunds]
        return data


def _fields_of(decision: CaseDecision) -> dict[str, Any]:
    return {item.name: getattr(decision, item.name) for item in fields(CaseDecision)}


def _with_ledger_reasons(
    decision: CaseDecision, figures: Mapping[str, LineBalance], *, money: bool = True
) -> CaseDecision:
    """Say why a line the host shows as already refunded or returned, or whose units open cases hold (a return's,
    an exchange's or a repair's), cannot be returned (again) or sent in for repair. Units held by an open case
    replace the engine's "more units than available": the customer (or staff) asked for units that a case already
    has, not for more than were delivered. ``money`` False (a repair): only the units' reasons, not the refunds'."""
    lines: list[LineDecision] = []
    changed = False
    for line in decision.lines:
        balance = figures.get(line.line_id)
        reason = ""
        if balance is not None:
            if money and balance.refunded > 0 and balance.refundable <= 0:
                reason = REASON_ALREADY_REFUNDED
            elif (
                balance.held > 0
                and balance.returnable < line.quantity <= balance.delivered - balance.returned
            ):
                reason = REASON_IN_OPEN_CASE
            elif balance.returned > 0 and line.quantity > balance.returnable:
                reason = REASON_ALREADY_RETURNED
        if reason and reason not in line.reasons:
            others = (
                line.reasons
                if reason != REASON_IN_OPEN_CASE
                else tuple(code for code in line.reasons if code != REASON_QUANTITY_NOT_AVAILABLE)
            )
            reasons = (reason, *others) if not line.eligible else (reason,)
            lines.append(replace(line, eligible=False, reasons=reasons, refundable=Decimal(0)))
            changed = True
        else:
            lines.append(line)
    if not changed:
        return decision
    # Such lines already had nothing refundable, so the settlement (money of eligible lines only) is unchanged.
    return replace(decision, lines=tuple(lines), eligible=any(line.eligible for line in lines))


def customer_favourable_default(channel: str) -> bool:
    """On when the channel's current policy says ``customer_favourable: true`` (the Dashboard switch publishes it),
    or by the ``AFTERSALES_CUSTOMER_FAVOURABLE`` setting (else the environment variable of that name): a bool for
    every channel, or channel slugs (a list, or comma-separated text such as ``"volt,eu"``)."""
    return customer_favourable_with(channel, current_policy(channel, document=False))


def customer_favourable_with(channel: str, current: PolicyVersion | None) -> bool:
    """:func:`customer_favourable_default` with the channel's current version already read."""
    if current is not None and load_policy(current).defaults.customer_favourable:
        return True
    value = getattr(settings, "AFTERSALES_CUSTOMER_FAVOURABLE", None)
    if value is None:
        value = os.environ.get("AFTERSALES_CUSTOMER_FAVOURABLE", "")
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on") or channel in [
            slug.strip() for slug in value.split(",")
        ]
    return channel in value


def _generosity(decision: CaseDecision) -> tuple[int, datetime, Decimal]:
    ends = [line.window_ends_at or line.warranty_ends_at for line in decision.lines if line.eligible]
    return (
        len(decision.eligible_lines),
        max((end for end in ends if end is not None), default=datetime.min.replace(tzinfo=UTC)),
        decision.settlement.net,
    )


@dataclass(frozen=True)
class VersionedDecision(ZeroRefundDecision):
    """A decision that records which policy version decided it and, in customer-favourable mode, against which."""

    decided_by_version: int | None = None
    pinned_version: int | None = None
    compared_with_version: int | None = None
    mode: str = "pinned"

    @classmethod
    def of(
        cls,
        decision: CaseDecision,
        pinned: int,
        compared_with: int | None = None,
        mode: str = "pinned",
        note: str = "",
    ) -> "VersionedDecision":
        values = _fields_of(decision)
        if note:
            values["notes"] = (*decision.notes, note)
        return cls(
            **values,
            decided_by_version=decision.policy_version,
            pinned_version=pinned,
            compared_with_version=compared_with,
            mode=mode,
            zero_refunds=decision.zero_refunds if isinstance(decision, ZeroRefundDecision) else (),
        )

    def to_dict(self, *, with_trace: bool = True) -> dict[str, Any]:
        data = super().to_dict(with_trace=with_trace)
        data["decided_by_version"] = self.decided_by_version
        data["version_choice"] = {
            "mode": self.mode,
            "pinned_version": self.pinned_version,
            "compared_with_version": self.compared_with_version,
        }
        return data


def decide_product(
    policy: Policy,
    policy_version: int,
    product: ProductFacts,
    price: Decimal | None,
    reason: str,
    condition: str,
    currency: str,
) -> CaseDecision:
    """Decide a hypothetical return of one unit of ``product`` at ``price`` (nothing without one) in ``currency``,
    delivered just now: the terms that apply to the product. Fixed fees come from the policy's amount in that
    currency, never converted."""
    now = timezone.now()
    just_now = now - timedelta(seconds=1)
    facts = one_unit_case(
        CaseKind.RETURN,
        product,
        price if price is not None else Decimal(0),
        currency,
        ordered_at=now - timedelta(seconds=2),
        shipped_at=just_now,
        delivered_at=just_now,
        now=now,
        reason=reason,
        condition=condition or ItemCondition.UNKNOWN,
    )
    return decide(policy, facts, explain=False, policy_version=policy_version)
