"""Deciding requests: the policy an order is judged by, the facts of a request, and the decision."""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from ..domain.facts import CaseFacts, CaseKind, CustomerHistory, LineRequest
from ..models import Case, OrderRecord, PolicyVersion
from ..rules.decision import CaseDecision
from ..rules.document import Policy
from ..rules.engine import decide
from . import ServiceError
from .policies import current_policy

_policies: dict[int, Policy] = {}


def load_policy(version: PolicyVersion) -> Policy:
    """The typed policy of a stored version; versions are immutable, so each is built once per process."""
    policy = _policies.get(version.pk)
    if policy is None:
        policy = _policies[version.pk] = Policy.from_dict(version.document)
    return policy


def policy_for_order(order: OrderRecord) -> tuple[Policy, PolicyVersion]:
    """The version pinned when the order was placed, or the channel's current one for orders recorded before any."""
    version = order.policy_version or current_policy(order.channel)
    if version is None:
        raise ServiceError(
            f"No after-sales policy is published for channel {order.channel!r}: publish one in the plugin's "
            "configuration first.",
            code="no_policy",
        )
    return load_policy(version), version


def customer_history(order: OrderRecord, days: int, now: datetime) -> CustomerHistory:
    """The customer's earlier return and exchange cases (other orders) within the look-back period."""
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
) -> tuple[CaseDecision, PolicyVersion]:
    """Decide a (possible) request on a recorded order with the policy it is judged by.

    ``held`` gives units (by line id) that the case being re-decided holds itself, so they count as available.
    """
    now = now or timezone.now()
    policy, version = policy_for_order(order)
    order_facts = order.to_facts()
    if held:
        order_facts = replace(
            order_facts,
            lines=tuple(
                replace(line, quantity_returned=line.quantity_returned - held.get(line.line_id, 0))
                for line in order_facts.lines
            ),
        )
    facts = CaseFacts(
        kind=CaseKind(kind),
        order=order_facts,
        lines=tuple(requests),
        now=now,
        history=customer_history(order, policy.defaults.prior_returns_days, now),
    )
    return decide(policy, facts, explain=explain, policy_version=version.version), version
