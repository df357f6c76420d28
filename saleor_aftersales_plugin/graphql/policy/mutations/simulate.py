"""``policySimulate``: decide a period's recorded orders and cases with a draft before publishing it."""

from datetime import datetime, timedelta
from typing import Any

import graphene
from django.utils import timezone

from ....services.simulation import CHANGE_KINDS, SimulationReport, simulate
from ...core.context import RequestContext
from ...core.errors import AfterSalesError
from ...core.permissions import Audience
from ...core.types import NonNullList
from ..types import PolicySimulationReport, PolicyValidationError
from .base import PolicyMutation

__all__ = ["PolicySimulate"]

DEFAULT_DAYS = 30


class PolicySimulatePayload(graphene.ObjectType):
    """The result of simulating a draft policy."""

    report = graphene.Field(PolicySimulationReport, description="Null when the simulation was refused.")
    policy_errors = NonNullList(
        PolicyValidationError, required=True, description="Every problem of an invalid draft."
    )
    errors = NonNullList(AfterSalesError, required=True, description="Why it was refused.")


def _report(report: SimulationReport) -> dict[str, Any]:
    data = report.to_dict()
    counts = {kind: report.count(kind) for kind in CHANGE_KINDS}
    return {
        **counts,
        "channel": report.channel,
        "start": report.start,
        "end": report.end,
        "current_version": report.current_version,
        "draft_name": report.draft_name,
        "evaluated": data["evaluated"],
        "counts": data["counts"],
        "totals": data["totals"],
        "changes": data["changes"],
        "text": report.format_text(),
    }


class PolicySimulate(PolicyMutation):
    Output = PolicySimulatePayload

    class Arguments:
        draft = graphene.String(required=True, description="The draft policy document as JSON or YAML text.")
        start = graphene.DateTime(
            name="from", description=f"Start; {DEFAULT_DAYS} days before `to` by default."
        )
        end = graphene.DateTime(name="to", description="End (exclusive); now by default.")

    class Meta:
        audience = Audience.MANAGER
        description = (
            "Evaluate a draft policy against the recorded orders and cases of a period, with the current version "
            "and with the draft: newly eligible or ineligible lines, window, fee and refund differences, totals. "
            "Staff and apps with MANAGE_ORDERS; nothing is published."
        )

    @classmethod
    def perform_mutation(
        cls, context: RequestContext, draft: str, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, Any]:
        until = end or timezone.now()
        since = start or until - timedelta(days=DEFAULT_DAYS)
        return {"report": _report(simulate(context.channel, draft, since, until)), "policy_errors": []}
