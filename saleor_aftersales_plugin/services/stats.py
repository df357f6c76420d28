"""Service KPIs of a channel's cases: first responses and resolutions against their targets, and escalations.

:func:`case_stats` answers for cases opened in ``[start, end)``. Its keys are stable (the ``afterSalesStats`` query
maps them); other figures (reasons, return rates, money) live in their own functions next to it.

- ``cases``: cases opened in the period.
- ``first_response``: ``measured`` = cases whose first response is in or overdue (answered, or past its deadline);
  ``within_target`` = answered no later than ``first_response_due``; ``share_within_target`` = the ratio (0..1,
  None when nothing is measured); ``median_hours`` / ``p90_hours`` = hours from opening to first response over the
  answered cases (None when none).
- ``resolution``: the same over cases that reached a resolution (``resolved_at`` set; cancelled cases excluded),
  measured against ``resolution_due``.
- ``escalations``: ``total`` and ``by_tier`` — a list of ``{"tier": n, "name": str, "count": int}`` for the
  ``escalated`` events recorded in the period, ordered by tier.
"""

from datetime import datetime
from typing import Any

from django.db import connection
from django.utils import timezone

from ..domain.cases import CaseStatus
from ..models import Case, CaseEvent

__all__ = ["case_stats"]

_HOURS = "EXTRACT(EPOCH FROM ({end} - c.created_at)) / 3600.0"


def _measure(channel: str, start: datetime, end: datetime, done: str, due: str, extra: str) -> dict[str, Any]:
    now = timezone.now()
    hours = _HOURS.format(end=f"c.{done}")
    sql = f"""
        SELECT
            COUNT(*) FILTER (WHERE c.{done} IS NOT NULL OR c.{due} <= %s),
            COUNT(*) FILTER (WHERE c.{done} IS NOT NULL AND c.{done} <= c.{due}),
            PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY {hours}) FILTER (WHERE c.{done} IS NOT NULL),
            PERCENTILE_CONT(0.9) WITHIN GROUP (ORDER BY {hours}) FILTER (WHERE c.{done} IS NOT NULL)
        FROM {Case._meta.db_table} c
        WHERE c.channel = %s AND c.created_at >= %s AND c.created_at < %s AND c.{due} IS NOT NULL {extra}
    """  # noqa: S608 - only fixed column names are interpolated
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, channel, start, end])
        measured, within, median, p90 = cursor.fetchone()
    return {
        "measured": measured,
        "within_target": within,
        "share_within_target": round(within / measured, 4) if measured else None,
        "median_hours": None if median is None else round(float(median), 2),
        "p90_hours": None if p90 is None else round(float(p90), 2),
    }


def case_stats(channel: str, start: datetime, end: datetime) -> dict[str, Any]:
    """SLA KPIs of ``channel`` for cases opened in ``[start, end)`` (see the module doc for the keys)."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware datetimes.")
    if end <= start:
        raise ValueError(f"end ({end.isoformat()}) must come after start ({start.isoformat()}).")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {Case._meta.db_table} WHERE channel = %s AND created_at >= %s "
            "AND created_at < %s",
            [channel, start, end],
        )
        (total,) = cursor.fetchone()
        cursor.execute(
            f"""
            SELECT (e.payload->>'to_tier')::int AS tier, MAX(e.payload->>'tier_name'), COUNT(*)
            FROM {CaseEvent._meta.db_table} e
            JOIN {Case._meta.db_table} c ON c.id = e.case_id
            WHERE c.channel = %s AND e.type = 'escalated' AND e.at >= %s AND e.at < %s
            GROUP BY tier ORDER BY tier
            """,
            [channel, start, end],
        )
        tiers = [
            {"tier": tier, "name": name or "", "count": count} for tier, name, count in cursor.fetchall()
        ]
    return {
        "channel": channel,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "cases": total,
        "first_response": _measure(channel, start, end, "first_responded_at", "first_response_due", ""),
        "resolution": _measure(
            channel, start, end, "resolved_at", "resolution_due", f"AND c.status <> '{CaseStatus.CANCELLED}'"
        ),
        "escalations": {"total": sum(tier["count"] for tier in tiers), "by_tier": tiers},
    }
