"""The read side: who may see which order or case, case listings with filters, sorting and pages, and counts.

Visibility is one rule, applied everywhere: staff and apps that manage orders see the channel's orders and cases;
a customer sees only their own (``customer_id``); a guest sees an order placed without an account, or its cases,
only together with the order's email. Anything else answers "not found", so nobody learns that someone else's order or case exists.
"""

import unicodedata
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from ..domain.facts import LineRequest
from ..models import Case, CaseEvent, CaseLine, OrderRecord
from . import NotFoundError, ServiceError

__all__ = [
    "CaseFilter",
    "SORT_FIELDS",
    "Viewer",
    "case_counts",
    "case_details",
    "customer_cases",
    "find_case",
    "find_order",
    "list_cases",
    "requests_for_order",
]


@dataclass(frozen=True)
class Viewer:
    """Who is looking: a manager of the channel, or the owner identified by customer id or order email."""

    manager: bool = False
    customer_id: str = ""
    email: str = ""

    def owner_filter(self) -> Q | None:
        """Rows this viewer owns (on OrderRecord and Case alike); None when the viewer owns nothing.

        A guest's email opens only orders placed without an account: a registered customer's order needs their
        token, whoever knows its email.
        """
        if self.customer_id:
            return Q(customer_id=self.customer_id)
        email = unicodedata.normalize(
            "NFC", self.email.strip()
        )  # "zoë" typed as z, o, e + combining diaeresis
        if email:
            without_account = Q(customer_id__isnull=True) | Q(customer_id="")
            return Q(customer_email__iexact=email) & without_account
        return None


def _uuid(value: str | uuid.UUID) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None


def _visible(queryset: QuerySet, channel: str, viewer: Viewer) -> QuerySet:
    queryset = queryset.filter(channel=channel)
    if viewer.manager:
        return queryset
    owned = viewer.owner_filter()
    return queryset.filter(owned) if owned is not None else queryset.none()


def find_order(channel: str, order_id: str | uuid.UUID, viewer: Viewer) -> OrderRecord:
    """The order if ``viewer`` may see it in ``channel``; NotFoundError otherwise (also for someone else's)."""
    key = _uuid(order_id)
    order = None
    if key is not None:
        order = (
            # The pinned version's document is read only by a process that has not built that policy yet.
            _visible(
                OrderRecord.objects.select_related("policy_version").defer("policy_version__document"),
                channel,
                viewer,
            )
            .filter(order_id=key)
            .first()
        )
    if order is None:
        raise NotFoundError(
            f"Order {order_id} was not found in channel {channel!r}; guests give the order's email too.",
            code="not_found",
            field="order",
        )
    return order


def case_details() -> QuerySet:
    """Cases with everything one case answer shows, in a fixed number of queries whatever the number of lines."""
    return Case.objects.select_related("order", "policy_version").prefetch_related(
        Prefetch("lines", queryset=CaseLine.objects.select_related("order_line").order_by("id")),
        Prefetch("events", queryset=CaseEvent.objects.order_by("at", "id")),
    )


def find_case(channel: str, case_id: str | uuid.UUID, viewer: Viewer, *, details: bool = True) -> Case:
    key = _uuid(case_id)
    case = None
    if key is not None:
        base = case_details() if details else Case.objects.all()
        case = _visible(base, channel, viewer).filter(pk=key).first()
    if case is None:
        raise NotFoundError(
            f"Case {case_id} was not found in channel {channel!r}; guests give the order's email too.",
            field="id",
        )
    return case


@dataclass(frozen=True)
class CaseFilter:
    kind: str | None = None
    status: Sequence[str] = ()
    overdue: bool | None = None
    assignee: str | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    customer_id: str | None = None
    order_id: str | None = None
    reason: str | None = None
    search: str | None = None
    """Case number, order number or (part of) the customer's email."""


SORT_FIELDS = {
    "number": "number",
    "created_at": "created_at",
    "updated_at": "updated_at",
    "status": "status",
    "resolution_due": "resolution_due",
    "first_response_due": "first_response_due",
}


def _overdue(now: datetime) -> Q:
    return Q(first_responded_at__isnull=True, first_response_due__lt=now) | Q(
        resolved_at__isnull=True, resolution_due__lt=now
    )


def _filtered(channel: str, case_filter: CaseFilter) -> QuerySet:
    queryset = Case.objects.filter(channel=channel)
    if case_filter.kind:
        queryset = queryset.filter(kind=case_filter.kind)
    if case_filter.status:
        queryset = queryset.filter(status__in=list(case_filter.status))
    if case_filter.overdue is not None:
        overdue = _overdue(timezone.now())
        queryset = queryset.filter(overdue if case_filter.overdue else ~overdue)
    if case_filter.assignee is not None:
        queryset = queryset.filter(assignee=case_filter.assignee.strip())
    if case_filter.created_from is not None:
        queryset = queryset.filter(created_at__gte=case_filter.created_from)
    if case_filter.created_to is not None:
        queryset = queryset.filter(created_at__lt=case_filter.created_to)
    if case_filter.customer_id is not None:
        queryset = queryset.filter(customer_id=case_filter.customer_id)
    if case_filter.order_id is not None:
        key = _uuid(case_filter.order_id)
        queryset = queryset.filter(order__order_id=key) if key else queryset.none()
    if case_filter.reason:
        queryset = queryset.filter(reason=case_filter.reason.strip())
    search = (case_filter.search or "").strip().lstrip("#")
    if search:
        match = Q(customer_email__icontains=search) | Q(order__number=search)
        if search.isdigit():
            match |= Q(number=int(search))
        queryset = queryset.filter(match)
    return queryset


def list_cases(
    channel: str,
    case_filter: CaseFilter,
    *,
    sort_field: str = "created_at",
    descending: bool = True,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[Case], int]:
    """One page of the channel's cases and the total count; ties are broken by number so pages never overlap."""
    if sort_field not in SORT_FIELDS:
        raise ServiceError(
            f"Cannot sort by {sort_field!r}; use one of {', '.join(SORT_FIELDS)}.", field="sortBy"
        )
    if offset < 0 or limit < 0:
        raise ServiceError("Page positions cannot be negative.", field="first")
    column = SORT_FIELDS[sort_field]
    order = [f"-{column}" if descending else column]
    if column != "number":
        order.append("-number" if descending else "number")
    queryset = _filtered(channel, case_filter)
    total = queryset.count()
    page = list(case_details().filter(pk__in=queryset.values("pk")).order_by(*order)[offset : offset + limit])
    return page, total


def customer_cases(
    channel: str, viewer: Viewer, *, offset: int = 0, limit: int = 20
) -> tuple[list[Case], int]:
    """The viewer's own cases, newest first."""
    queryset = _visible(
        Case.objects.all(), channel, Viewer(customer_id=viewer.customer_id, email=viewer.email)
    )
    total = queryset.count()
    page = list(
        case_details()
        .filter(pk__in=queryset.values("pk"))
        .order_by("-created_at", "-number")[offset : offset + limit]
    )
    return page, total


def case_counts(channel: str, start: datetime | None, end: datetime | None) -> dict[str, Any]:
    """Cases created in ``[start, end)``: the total and counts per kind, per status and per kind and status."""
    queryset = Case.objects.filter(channel=channel)
    if start is not None:
        queryset = queryset.filter(created_at__gte=start)
    if end is not None:
        queryset = queryset.filter(created_at__lt=end)
    by_kind: dict[str, int] = {}
    by_status: dict[str, int] = {}
    by_kind_status: dict[str, dict[str, int]] = {}
    for row in queryset.values("kind", "status").annotate(count=Count("id")).order_by("kind", "status"):
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["count"]
        by_status[row["status"]] = by_status.get(row["status"], 0) + row["count"]
        by_kind_status.setdefault(row["kind"], {})[row["status"]] = row["count"]
    return {
        "channel": channel,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "total": sum(by_kind.values()),
        "by_kind": by_kind,
        "by_status": by_status,
        "by_kind_and_status": by_kind_status,
    }


def requests_for_order(order: OrderRecord, reason: str = "", resolution: str = "") -> list[LineRequest]:
    """A request for every line of ``order`` with units left to return (as many as are left, at least one, so a
    line with none left is decided too and says why). Reads the order's lines once (or its prefetched lines: those
    :func:`.eligibility.read_lines` keeps also say how many units open repairs hold, ``repairing``)."""
    requests = []
    for line in sorted(order.lines.all(), key=lambda row: row.pk):
        left = line.quantity_fulfilled - line.quantity_returned - getattr(line, "repairing", 0)
        requests.append(LineRequest(str(line.line_id), max(left, 1), reason=reason, resolution=resolution))
    return requests
