from datetime import datetime
from typing import Any

import graphene

from ..core.fields import AudienceField
from ..core.permissions import Audience
from .resolvers import DEFAULT_STATS_DAYS, resolve_stats
from .types import AfterSalesStats

__all__ = ["StatsQueries"]


class StatsQueries(graphene.ObjectType):
    after_sales_stats = AudienceField(
        graphene.NonNull(AfterSalesStats),
        start=graphene.DateTime(
            name="from",
            description=f"Start of the period (inclusive); {DEFAULT_STATS_DAYS} days before `to` by default.",
        ),
        end=graphene.DateTime(name="to", description="End of the period (exclusive); now by default."),
        audience=Audience.MANAGER,
        description="KPIs of the channel for a period: staff and apps with MANAGE_ORDERS.",
    )

    @staticmethod
    def resolve_after_sales_stats(
        root: Any, info: Any, start: datetime | None = None, end: datetime | None = None
    ) -> dict[str, Any]:
        return resolve_stats(info.context, start, end)
