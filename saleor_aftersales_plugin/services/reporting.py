"""Policy KPIs of a channel for a period, and their CSV export.

:func:`policy_kpis` answers for ``[start, end)``:

- ``cases``: cases opened in the period, ``by_kind`` then ``by_status`` (``{"return": {"requested": 2, ...}}``),
  and ``total``;
- ``reasons``: per case kind, how many case lines gave each reason (the line's own reason, else its case's; a
  case without lines counts once; '' when none; ``changed_mind`` counts as ``no_reason``); ``reason_labels``: each
  counted code's label from the channel's current reason catalogue (its first language); ``defects``: per kind,
  the lines whose reason the catalogue counts as a defect;
- ``return_rates``: for orders placed in the period, units sold and units asked back in return or exchange cases
  that were not declined or cancelled, per product (SKU) and per category (every category of the product's path,
  so a parent category counts its children); ``rate`` = returned / sold, as a string with 4 decimals;
- ``money``: per currency, over cases resolved in the period (``resolved_at`` in it, status resolved or closed):
  ``refunds`` (refund and keep-item resolutions), ``store_credit`` (store-credit resolutions), ``fees`` (what those
  cases deducted);
- ``sla``: :func:`.stats.case_stats` (first response, resolution, escalations).
"""

import csv
import io
from collections import Counter, defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from ..domain.cases import CaseStatus
from ..domain.facts import CaseKind, Resolution
from ..domain.money import quantize
from ..models import Case, CaseLine, OrderLineRecord
from ..rules.reasons import DEFAULT_REASONS, ReasonSpec, canonical_reason
from . import ServiceError
from .eligibility import load_policy
from .policies import current_policy
from .stats import case_stats

__all__ = ["kpis_as_csv", "kpis_csv", "policy_kpis"]

_NOT_RETURNED = (CaseStatus.DECLINED.value, CaseStatus.CANCELLED.value)
_DONE = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)
_RATE = Decimal("0.0001")


def _check_period(start: datetime, end: datetime) -> None:
    for name, value in (("start", start), ("end", end)):
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ServiceError(f"{name} must be a timezone-aware datetime, got {value!r}.", field=name)
    if end <= start:
        raise ServiceError(
            f"end ({end.isoformat()}) must come after start ({start.isoformat()}).", field="end"
        )


def _rate(returned: int, sold: int) -> str | None:
    return str((Decimal(returned) / Decimal(sold)).quantize(_RATE)) if sold else None


def _catalogue(channel: str) -> tuple[dict[str, ReasonSpec], str]:
    """The channel's current reason catalogue by code and the language of its labels."""
    version = current_policy(channel)
    if version is None:
        return {spec.code: spec for spec in DEFAULT_REASONS}, "en"
    policy = load_policy(version)
    return {spec.code: spec for spec in policy.reasons}, (policy.defaults.languages or ("en",))[0]


def policy_kpis(channel: str, start: datetime, end: datetime) -> dict[str, Any]:
    """The channel's after-sales KPIs for ``[start, end)`` (keys: see the module doc)."""
    _check_period(start, end)
    opened = Case.objects.filter(channel=channel, created_at__gte=start, created_at__lt=end)

    by_kind: dict[str, dict[str, int]] = {kind.value: {} for kind in CaseKind}
    for row in opened.values("kind", "status").annotate(count=Count("id")).order_by("kind", "status"):
        by_kind.setdefault(row["kind"], {})[row["status"]] = row["count"]

    reasons: dict[str, Counter[str]] = defaultdict(Counter)
    for case in opened.prefetch_related("lines").only("id", "kind", "reason"):
        lines = case.lines.all()
        for reason in [line.reason or case.reason for line in lines] or [case.reason]:
            reasons[case.kind][canonical_reason(reason)] += 1
    catalogue, language = _catalogue(channel)
    labels = {
        code: catalogue[code].label(language)
        for counter in reasons.values()
        for code in counter
        if code in catalogue
    }
    defects = {
        kind: sum(
            count for code, count in counter.items() if code in catalogue and catalogue[code].counts_as_defect
        )
        for kind, counter in sorted(reasons.items())
    }

    sold_lines = OrderLineRecord.objects.filter(
        order__channel=channel, order__created_at__gte=start, order__created_at__lt=end
    )
    returned_by_line = dict(
        CaseLine.objects.filter(
            order_line__in=sold_lines,
            case__kind__in=[CaseKind.RETURN.value, CaseKind.EXCHANGE.value],
        )
        .exclude(case__status__in=_NOT_RETURNED)
        .values_list("order_line_id")
        .annotate(units=Sum("quantity"))
    )
    products: dict[str, dict[str, Any]] = {}
    categories: dict[str, dict[str, int]] = {}
    for line in sold_lines.only("id", "sku", "product_name", "product", "quantity"):
        returned = returned_by_line.get(line.pk, 0)
        product = products.setdefault(
            line.sku or line.product_name, {"name": line.product_name, "sold": 0, "returned": 0}
        )
        product["sold"] += line.quantity
        product["returned"] += returned
        for category in (line.product or {}).get("category_path") or ["(none)"]:
            counts = categories.setdefault(category, {"sold": 0, "returned": 0})
            counts["sold"] += line.quantity
            counts["returned"] += returned

    money: dict[str, dict[str, Decimal]] = {}
    resolved = (
        Case.objects.filter(channel=channel, resolved_at__gte=start, resolved_at__lt=end, status__in=_DONE)
        .values("currency")
        .annotate(
            refunds=Sum(
                "refund_amount",
                filter=Q(resolution__in=[Resolution.REFUND.value, Resolution.KEEP_ITEM.value]),
            ),
            store_credit=Sum("store_credit_amount", filter=Q(resolution=Resolution.STORE_CREDIT.value)),
            fees=Sum(
                "fees_amount",
                filter=Q(
                    resolution__in=[
                        Resolution.REFUND.value,
                        Resolution.KEEP_ITEM.value,
                        Resolution.STORE_CREDIT.value,
                    ]
                ),
            ),
            cases=Count("id"),
        )
        .order_by("currency")
    )
    for row in resolved:
        currency = row["currency"]
        money[currency] = {
            key: quantize(row[key] or Decimal(0), currency) for key in ("refunds", "store_credit", "fees")
        }
        money[currency]["cases"] = row["cases"]

    return {
        "channel": channel,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "cases": {"total": opened.count(), "by_kind": by_kind},
        "reasons": {kind: dict(sorted(counter.items())) for kind, counter in sorted(reasons.items())},
        "reason_labels": dict(sorted(labels.items())),
        "defects": defects,
        "return_rates": {
            "products": {
                sku: {**values, "rate": _rate(values["returned"], values["sold"])}
                for sku, values in sorted(products.items())
            },
            "categories": {
                slug: {**values, "rate": _rate(values["returned"], values["sold"])}
                for slug, values in sorted(categories.items())
            },
        },
        "money": {
            currency: {key: str(value) for key, value in values.items()} for currency, values in money.items()
        },
        "sla": case_stats(channel, start, end),
    }


def kpis_csv(channel: str, start: datetime, end: datetime) -> str:
    """The KPIs as CSV: one figure per row, ``section,group,key,value`` (money in the group's currency)."""
    return kpis_as_csv(policy_kpis(channel, start, end))


def kpis_as_csv(kpis: dict[str, Any]) -> str:
    """:func:`kpis_csv` of KPIs already computed by :func:`policy_kpis`."""
    channel = kpis["channel"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["section", "group", "key", "value"])
    writer.writerow(["period", channel, "start", kpis["start"]])
    writer.writerow(["period", channel, "end", kpis["end"]])
    writer.writerow(["cases", "all", "total", kpis["cases"]["total"]])
    for kind, statuses in kpis["cases"]["by_kind"].items():
        writer.writerow(["cases", kind, "total", sum(statuses.values())])
        for status, count in statuses.items():
            writer.writerow(["cases", kind, status, count])
    for kind, counts in kpis["reasons"].items():
        for reason, count in counts.items():
            writer.writerow(["reasons", kind, reason or "(none)", count])
        writer.writerow(["defects", kind, "lines", kpis["defects"].get(kind, 0)])
    for reason, label in kpis["reason_labels"].items():
        writer.writerow(["reason_label", reason, "label", label])
    for section, rows in (
        ("return_rate_product", kpis["return_rates"]["products"]),
        ("return_rate_category", kpis["return_rates"]["categories"]),
    ):
        for key, values in rows.items():
            for figure in ("sold", "returned", "rate"):
                writer.writerow([section, key, figure, "" if values[figure] is None else values[figure]])
    for currency, values in kpis["money"].items():
        for key, value in values.items():
            writer.writerow(["money", currency, key, value])
    sla = kpis["sla"]
    if sla is not None:
        for part in ("first_response", "resolution"):
            for key, value in sla[part].items():
                writer.writerow(["sla", part, key, "" if value is None else value])
        writer.writerow(["sla", "escalations", "total", sla["escalations"]["total"]])
        for tier in sla["escalations"]["by_tier"]:
            writer.writerow(
                ["sla", "escalations", f"tier {tier['tier']} {tier['name']}".strip(), tier["count"]]
            )
    return out.getvalue()
