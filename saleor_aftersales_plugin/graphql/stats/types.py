"""KPIs of a channel for a period."""

from typing import Any

import graphene

from ...services.reporting import kpis_as_csv
from ..cases.enums import AfterSalesCaseKind, AfterSalesCaseStatus
from ..core.scalars import JSON
from ..core.types import NonNullList

__all__ = ["AfterSalesStats"]


class KindCount(graphene.ObjectType):
    """Cases of one kind."""

    kind = AfterSalesCaseKind(required=True, description="Case kind.")
    count = graphene.Int(required=True, description="Cases of this kind opened in the period.")


class StatusCount(graphene.ObjectType):
    """Cases in one status."""

    status = AfterSalesCaseStatus(required=True, description="Current status.")
    count = graphene.Int(required=True, description="Cases opened in the period that are now in this status.")


class SlaFigures(graphene.ObjectType):
    """How cases met one service-level target."""

    measured = graphene.Int(required=True, description="Cases measured: done, or past their deadline.")
    within_target = graphene.Int(required=True, description="Cases done no later than their deadline.")
    share_within_target = graphene.Float(
        description="within_target / measured (0..1); null when none measured."
    )
    median_hours = graphene.Float(description="Median hours from opening; null when none is done.")
    p90_hours = graphene.Float(description="90th percentile of hours from opening; null when none is done.")


class EscalationTierCount(graphene.ObjectType):
    """Escalations to one tier."""

    tier = graphene.Int(required=True, description="Tier reached.")
    name = graphene.String(required=True, description="Name of the tier, e.g. supervisor.")
    count = graphene.Int(required=True, description="Escalations to this tier in the period.")


class EscalationFigures(graphene.ObjectType):
    """Escalations in a period."""

    total = graphene.Int(required=True, description="Escalations in the period.")
    by_tier = NonNullList(EscalationTierCount, required=True, description="Per tier.")


class AfterSalesStats(graphene.ObjectType):
    """After-sales KPIs for a period."""

    channel = graphene.String(required=True, description="Channel slug.")
    start = graphene.DateTime(name="from", required=True, description="Start of the period (inclusive).")
    end = graphene.DateTime(name="to", required=True, description="End of the period (exclusive).")
    cases = graphene.Int(required=True, description="Cases opened in the period.")
    by_kind = NonNullList(KindCount, required=True, description="Cases per kind.")
    by_status = NonNullList(StatusCount, required=True, description="Cases per current status.")
    first_response = graphene.Field(SlaFigures, description="First responses against their target.")
    resolution = graphene.Field(SlaFigures, description="Resolutions against their target.")
    escalations = graphene.Field(EscalationFigures, description="Escalations.")
    figures = JSON(
        required=True,
        description=(
            "Every KPI of the period as JSON, including those above: counts, first_response, resolution, "
            "escalations, reasons (per kind), return_rates (per product and category), money (refunds, store "
            "credit and fees per currency) and sla."
        ),
    )
    csv = graphene.String(
        required=True, description="The same KPIs as CSV (section,group,key,value), for spreadsheets."
    )

    @staticmethod
    def resolve_csv(root: dict[str, Any], info: Any) -> str:
        return kpis_as_csv(root["kpis"])
