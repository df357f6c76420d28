"""``policySimulate``: decide a period's recorded orders and cases with a draft before publishing it."""

from datetime import datetime, timedelta
from typing import Any

import graphene
from django.utils import timezone

from ..services.simulation import CHANGE_KINDS, SimulationInvalid, SimulationReport, simulate
from .access import require_manager
from .types import JSON, AfterSalesError, PolicyValidationError

DEFAULT_DAYS = 30


class PolicySimulationReport(graphene.ObjectType):
    channel = graphene.String(required=True, description="The channel simulated.")
    start = graphene.DateTime(required=True, description="Start of the period (inclusive).")
    end = graphene.DateTime(required=True, description="End of the period (exclusive).")
    current_version = graphene.Int(
        required=True, description="The published version the draft is compared with."
    )
    draft_name = graphene.String(required=True, description="The draft's name.")
    newly_eligible = graphene.Int(required=True, description="Lines the draft would let customers return.")
    newly_ineligible = graphene.Int(required=True, description="Lines the draft would no longer accept.")
    window_longer = graphene.Int(required=True, description="Lines whose return window would end later.")
    window_shorter = graphene.Int(required=True, description="Lines whose return window would end earlier.")
    fees_changed = graphene.Int(required=True, description="Eligible lines whose fees would change.")
    refund_changed = graphene.Int(required=True, description="Eligible lines whose refund would change.")
    resolutions_changed = graphene.Int(
        required=True, description="Eligible lines whose allowed resolutions would change."
    )
    evaluated = JSON(required=True, description="Cases, case lines, orders and order lines evaluated.")
    counts = JSON(
        required=True, description="Each kind of change, for recorded requests and for order lines."
    )
    totals = JSON(
        required=True, description="Per currency: refunds and fees of the period's requests, both ways."
    )
    changes = JSON(required=True, description="Every changed line with both outcomes.")
    text = graphene.String(required=True, description="The report as plain text.")

    class Meta:
        description = "What a draft policy would change, decided on recorded data; nothing is published."


class PolicySimulatePayload(graphene.ObjectType):
    report = graphene.Field(PolicySimulationReport, description="Null when the simulation was refused.")
    policy_errors = graphene.List(
        graphene.NonNull(PolicyValidationError),
        required=True,
        description="Every problem of an invalid draft.",
    )
    errors = graphene.List(
        graphene.NonNull(AfterSalesError), required=True, description="Why it was refused."
    )

    class Meta:
        description = "The result of simulating a draft policy."


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


class PolicySimulate(graphene.Mutation):
    Output = PolicySimulatePayload

    class Arguments:
        draft = graphene.String(required=True, description="The draft policy document as JSON or YAML text.")
        start = graphene.DateTime(
            name="from", description=f"Start; {DEFAULT_DAYS} days before `to` by default."
        )
        end = graphene.DateTime(name="to", description="End (exclusive); now by default.")

    class Meta:
        description = (
            "Evaluate a draft policy against the recorded orders and cases of a period, with the current version "
            "and with the draft: newly eligible or ineligible lines, window, fee and refund differences, totals. "
            "Staff and apps with MANAGE_ORDERS; nothing is published."
        )

    @staticmethod
    def mutate(
        root: Any, info: Any, draft: str, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, Any]:
        from .mutations import run

        problems: list[dict[str, str]] = []

        def perform() -> dict[str, Any] | None:
            require_manager(info.context)
            until = end or timezone.now()
            since = start or until - timedelta(days=DEFAULT_DAYS)
            try:
                return _report(simulate(info.context.channel, draft, since, until))
            except SimulationInvalid as invalid:
                problems.extend(
                    {"path": e.path, "code": e.code, "message": e.message} for e in invalid.errors
                )
                raise

        report, errors = run(perform)
        return {"report": report, "policy_errors": problems, "errors": errors}
