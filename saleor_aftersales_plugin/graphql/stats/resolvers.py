import json
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from ...services import ServiceError
from ...services.queries import case_counts
from ...services.reporting import policy_kpis
from ..core.context import RequestContext

__all__ = ["DEFAULT_STATS_DAYS", "resolve_stats"]

DEFAULT_STATS_DAYS = 30


def resolve_stats(context: RequestContext, start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """Every figure of the period, each computed once: ``csv`` is written from the same KPIs."""
    end = end or timezone.now()
    start = start or end - timedelta(days=DEFAULT_STATS_DAYS)
    if end <= start:
        raise ServiceError("`to` must be after `from`.", field="to")
    counts = case_counts(context.channel, start, end)
    kpis = policy_kpis(context.channel, start, end)
    figures: dict[str, Any] = {
        "counts": counts,
        **kpis,
        # Last, so the SLA figures' "cases" total wins over the breakdown that "counts" already gives.
        **(kpis["sla"] or {}),
    }
    return {
        "channel": context.channel,
        "start": start,
        "end": end,
        "cases": counts["total"],
        "by_kind": [{"kind": kind, "count": count} for kind, count in counts["by_kind"].items()],
        "by_status": [{"status": status, "count": count} for status, count in counts["by_status"].items()],
        "first_response": figures.get("first_response"),
        "resolution": figures.get("resolution"),
        "escalations": figures.get("escalations"),
        "figures": json.loads(json.dumps(figures, cls=DjangoJSONEncoder)),
        "kpis": kpis,
    }
