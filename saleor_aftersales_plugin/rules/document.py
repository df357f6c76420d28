"""Policy document v1: the typed form of a merchant's policy.

A document is JSON or YAML. :func:`saleor_aftersales_plugin.rules.validation.parse_policy` validates the raw data
(every error at once, with JSON paths) and builds a :class:`Policy` through :meth:`Policy.from_dict`, which assumes
valid input and fills in the defaults listed here — the one place they are written down.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from decimal import Decimal
from typing import Any

import yaml

from ..domain.facts import CaseKind, Resolution
from .actions import SlaSetting, WindowSetting, to_decimal
from .calendar import Anchor, BusinessCalendar, DayKind

SCHEMA_VERSION = 1
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

DEFAULT_WINDOW = {"days": 7, "anchor": Anchor.DELIVERY.value, "day_kind": DayKind.CALENDAR.value}
DEFAULT_RESOLUTIONS = [Resolution.REFUND.value, Resolution.STORE_CREDIT.value, Resolution.EXCHANGE.value]
DEFAULT_SLA: dict[str, dict[str, int]] = {
    CaseKind.RETURN.value: {"first_response_hours": 24, "resolution_working_days": 7},
    CaseKind.EXCHANGE.value: {"first_response_hours": 24, "resolution_working_days": 7},
    CaseKind.REPAIR.value: {"first_response_hours": 24, "resolution_working_days": 7},
    CaseKind.COMPLAINT.value: {"first_response_hours": 48, "resolution_working_days": 7},
}
DEFAULT_ESCALATION_PATH = "default"

# Limits that keep evaluation and the editor fast; validation reports breaches with the limit.
MAX_RULES = 500
MAX_CONDITION_DEPTH = 8
MAX_CONDITIONS_PER_RULE = 100
MAX_ACTIONS_PER_RULE = 20
MAX_SOURCE_BYTES = 512 * 1024


class SourceError(ValueError):
    """The text is neither JSON nor YAML; carries the line and column when the parser knows them."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def load_source(text: str) -> tuple[Any, str]:
    """Parse policy text, JSON or YAML; returns (data, format)."""
    if len(text.encode()) > MAX_SOURCE_BYTES:
        raise SourceError(
            f"The policy is larger than {MAX_SOURCE_BYTES // 1024} KiB; split long texts or remove rules."
        )
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            return json.loads(text, parse_float=Decimal), "json"
        except json.JSONDecodeError as exc:
            raise SourceError(f"Invalid JSON: {exc.msg}.", exc.lineno, exc.colno) from None
    try:
        return yaml.safe_load(text), "yaml"
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        if mark is not None:
            raise SourceError(f"Invalid YAML: {problem}.", mark.line + 1, mark.column + 1) from None
        raise SourceError(f"Invalid YAML: {problem}.") from None


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    conditions: Mapping[str, Any]
    actions: tuple[Mapping[str, Any], ...]
    priority: int = 0
    description: str = ""
    position: int = 0
    """Place in the document; breaks priority ties (earlier wins)."""

    @property
    def rank(self) -> tuple[int, int]:
        """Sort key: best-ranked first."""
        return (-self.priority, self.position)

    def as_business_rule(self) -> dict[str, Any]:
        return {"conditions": self.conditions, "actions": list(self.actions)}


@dataclass(frozen=True, slots=True)
class EscalationTier:
    name: str
    after_hours: Decimal
    notify: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Defaults:
    currency: str
    country: str
    time_zone: str
    languages: tuple[str, ...] = ("en",)
    eligible: bool = True
    window: WindowSetting = WindowSetting(7, Anchor.DELIVERY, DayKind.CALENDAR)
    resolutions: tuple[str, ...] = tuple(DEFAULT_RESOLUTIONS)
    review: bool = True
    photos_required: int = 0
    warranty_months: int = 12
    store_credit_bonus: Decimal = Decimal(0)
    prior_returns_days: int = 90
    customer_favourable: bool = False
    """Judge each order by the more generous of the version pinned at purchase and the current one."""


@dataclass(frozen=True)
class Policy:
    defaults: Defaults
    calendar: BusinessCalendar
    rules: tuple[Rule, ...]
    sla: Mapping[str, SlaSetting]
    escalation: Mapping[str, tuple[EscalationTier, ...]]
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    name: str = ""
    schema_version: int = SCHEMA_VERSION

    @property
    def ranked_rules(self) -> tuple[Rule, ...]:
        return tuple(sorted(self.rules, key=lambda rule: rule.rank))

    def sla_for(self, kind: CaseKind) -> SlaSetting:
        return self.sla[kind.value]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Policy":
        """Build from validated data, filling defaults."""
        raw_defaults = data["defaults"]
        window = {**DEFAULT_WINDOW, **(raw_defaults.get("window") or {})}
        defaults = Defaults(
            currency=raw_defaults["currency"].upper(),
            country=raw_defaults["country"].upper(),
            time_zone=raw_defaults["time_zone"],
            languages=tuple(raw_defaults.get("languages") or ("en",)),
            eligible=bool(raw_defaults.get("eligible", True)),
            window=WindowSetting(int(window["days"]), Anchor(window["anchor"]), DayKind(window["day_kind"])),
            resolutions=tuple(
                r.value
                for r in Resolution
                if r.value in (raw_defaults.get("resolutions") or DEFAULT_RESOLUTIONS)
            ),
            review=raw_defaults.get("review", "required") == "required",
            photos_required=int(raw_defaults.get("photos_required", 0)),
            warranty_months=int(raw_defaults.get("warranty_months", 12)),
            store_credit_bonus=to_decimal(raw_defaults.get("store_credit_bonus", 0)),
            prior_returns_days=int(raw_defaults.get("prior_returns_days", 90)),
            customer_favourable=bool(raw_defaults.get("customer_favourable", False)),
        )
        raw_calendar = data.get("calendar") or {}
        holidays_country = raw_calendar.get("holidays_country", defaults.country) or None
        working_hours = raw_calendar.get("working_hours")
        calendar = BusinessCalendar(
            time_zone=defaults.time_zone,
            country=holidays_country.upper() if holidays_country else None,
            subdivision=raw_calendar.get("subdivision") or None,
            working_days=frozenset(
                WEEKDAYS.index(day) for day in raw_calendar.get("working_days", WEEKDAYS[:5])
            ),
            extra_holidays=frozenset(
                date.fromisoformat(str(day)) for day in raw_calendar.get("extra_holidays", ())
            ),
            working_hours=(
                (time.fromisoformat(working_hours["start"]), time.fromisoformat(working_hours["end"]))
                if working_hours
                else None
            ),
        )
        rules = tuple(
            Rule(
                id=raw["id"],
                conditions=raw["conditions"],
                actions=tuple(raw["actions"]),
                priority=int(raw.get("priority", 0)),
                description=raw.get("description", ""),
                position=position,
            )
            for position, raw in enumerate(data.get("rules") or ())
        )
        raw_sla = data.get("sla") or {}
        sla = {}
        for kind, targets in DEFAULT_SLA.items():
            merged = {**targets, **(raw_sla.get(kind) or {})}
            sla[kind] = SlaSetting(
                to_decimal(merged["first_response_hours"]), to_decimal(merged["resolution_working_days"])
            )
        escalation = {
            name: tuple(
                EscalationTier(
                    tier["name"], to_decimal(tier.get("after_hours", 0)), tuple(tier.get("notify") or ())
                )
                for tier in tiers
            )
            for name, tiers in (data.get("escalation") or {}).items()
        }
        return cls(
            defaults=defaults,
            calendar=calendar,
            rules=rules,
            sla=sla,
            escalation=escalation,
            texts={lang: dict(texts) for lang, texts in (data.get("texts") or {}).items()},
            name=data.get("name", ""),
            schema_version=int(data["schema_version"]),
        )
