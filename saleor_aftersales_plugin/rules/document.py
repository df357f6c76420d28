"""The typed form of a merchant's policy, built from a validated document.

:mod:`.schema` defines the document (and every default) once; :func:`saleor_aftersales_plugin.rules.validation.parse_policy`
validates source text or data and builds a :class:`Policy` through :meth:`Policy.from_dict`.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from typing import Any

from ..domain.facts import CaseKind, Resolution
from .actions import SlaSetting, WindowSetting, to_decimal
from .calendar import Anchor, BusinessCalendar, DayKind
from .reasons import DEFAULT_REASONS, ReasonSpec
from .schema import (
    DEFAULT_RESOLUTIONS,
    DEFAULT_SLA,
    MAX_ACTIONS_PER_RULE,
    MAX_CONDITION_DEPTH,
    MAX_CONDITIONS_PER_RULE,
    MAX_RULES,
    MISSING,
    SCHEMA_VERSION,
    WEEKDAYS,
    PolicyDocument,
    SchemaContext,
    canonical_conditions,
    gather_context,
    stored_rule_numbers,
    upgrade_stored_amounts,
)
from .source import MAX_SOURCE_BYTES, SourceError, load_source
from .variables import condition_leaves
from .zero_refund import DEFAULT_ZERO_REFUND

__all__ = [
    "DEFAULT_ESCALATION_PATH",
    "DEFAULT_SLA",
    "MAX_ACTIONS_PER_RULE",
    "MAX_CONDITIONS_PER_RULE",
    "MAX_CONDITION_DEPTH",
    "MAX_RULES",
    "MAX_SOURCE_BYTES",
    "SCHEMA_VERSION",
    "WEEKDAYS",
    "Defaults",
    "EscalationTier",
    "Policy",
    "Rule",
    "SourceError",
    "load_source",
]

DEFAULT_ESCALATION_PATH = "default"


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
    rounding: str = "half_up"
    """How computed amounts are rounded to the currency's decimals (a key of ``domain.money.ROUNDING_MODES``)."""
    customer_favourable: bool = False
    """Judge each order by the more generous of the version pinned at purchase and the current one."""
    zero_refund: str = DEFAULT_ZERO_REFUND
    """What a return line whose refund would be 0.00 after fees gets: see rules/zero_refund.py."""


@dataclass(frozen=True)
class Policy:
    defaults: Defaults
    calendar: BusinessCalendar
    rules: tuple[Rule, ...]
    sla: Mapping[str, SlaSetting]
    escalation: Mapping[str, tuple[EscalationTier, ...]]
    texts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    name: str = ""
    reasons: tuple[ReasonSpec, ...] = DEFAULT_REASONS
    """The reason catalogue: the policy's own, or the default one."""
    schema_version: str = SCHEMA_VERSION

    def reason(self, code: str) -> ReasonSpec | None:
        return next((spec for spec in self.reasons if spec.code == code), None)

    @cached_property
    def ranked_rules(self) -> tuple[Rule, ...]:
        return tuple(sorted(self.rules, key=lambda rule: rule.rank))

    @cached_property
    def variables(self) -> frozenset[str]:
        """Every variable the rules' conditions read."""
        return frozenset(
            leaf["name"] for rule in self.rules for _path, leaf in condition_leaves(rule.conditions)
        )

    @cached_property
    def rank_of(self) -> Mapping[str, tuple[int, int]]:
        """Each rule's rank (:attr:`Rule.rank`) by its id."""
        return MappingProxyType({rule.id: rule.rank for rule in self.rules})

    def sla_for(self, kind: CaseKind) -> SlaSetting:
        return self.sla[kind.value]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Policy":
        """Build from a stored (published) version: one published before amounts and thresholds named their
        currency has its bare ones named in its own currency (:func:`.schema.upgrade_stored_amounts`), and its
        thresholds keep the numbers conditions then allowed. Every default comes from :mod:`.schema`."""
        data = upgrade_stored_amounts(data)
        context: SchemaContext = gather_context(data)
        context.stored = True
        document = PolicyDocument.model_validate(data, context=context)
        return cls.from_document(document, stored_rule_numbers(data, document))

    @classmethod
    def from_document(cls, document: PolicyDocument, data: Mapping[str, Any]) -> "Policy":
        """Build from the validated model and the data it was read from (rules keep their plain form, with every
        money threshold as a map of currency to amount)."""
        raw_defaults = document.defaults
        window = raw_defaults.window
        defaults = Defaults(
            currency=raw_defaults.currency,
            country=raw_defaults.country,
            time_zone=raw_defaults.time_zone,
            languages=tuple(raw_defaults.languages),
            eligible=raw_defaults.eligible,
            window=WindowSetting(int(window.days), Anchor(window.anchor), DayKind(window.day_kind)),
            resolutions=tuple(r.value for r in Resolution if r.value in raw_defaults.resolutions),
            review=raw_defaults.review == "required",
            photos_required=int(raw_defaults.photos_required),
            warranty_months=int(raw_defaults.warranty_months),
            store_credit_bonus=to_decimal(raw_defaults.store_credit_bonus),
            prior_returns_days=int(raw_defaults.prior_returns_days),
            rounding=raw_defaults.rounding,
            customer_favourable=raw_defaults.customer_favourable,
            zero_refund=raw_defaults.zero_refund,
        )
        raw_calendar = document.calendar or type(document).model_fields["calendar"].annotation.__args__[0]()
        holidays_country = (
            defaults.country if raw_calendar.holidays_country is MISSING else raw_calendar.holidays_country
        )
        working_hours = raw_calendar.working_hours
        calendar = BusinessCalendar(
            time_zone=defaults.time_zone,
            country=holidays_country,
            subdivision=raw_calendar.subdivision or None,
            working_days=frozenset(WEEKDAYS.index(day) for day in raw_calendar.working_days),
            extra_holidays=frozenset(raw_calendar.extra_holidays),
            working_hours=(working_hours.start, working_hours.end) if working_hours else None,
            follow_official_calendar=raw_calendar.follow_official_calendar,
        )
        rules = tuple(
            Rule(
                id=raw["id"],
                conditions=canonical_conditions(raw["conditions"], defaults.currency),
                actions=tuple(raw["actions"]),
                priority=int(raw.get("priority", 0)),
                description=raw.get("description", ""),
                position=position,
            )
            for position, raw in enumerate(data.get("rules") or ())
        )
        sla = {}
        for kind, targets in DEFAULT_SLA.items():
            given = (
                getattr(document.sla, "return_" if kind == "return" else kind, None) if document.sla else None
            )
            hours, clock = targets["first_response_hours"], "working"
            days = targets["resolution_working_days"]
            if given is not None and given.first_response is not None:
                hours, clock = given.first_response.hours, given.first_response.clock
            elif given is not None and given.first_response_hours is not MISSING:
                hours = given.first_response_hours
            if given is not None and given.resolution_working_days is not MISSING:
                days = given.resolution_working_days
            sla[kind] = SlaSetting(to_decimal(hours), to_decimal(days), clock)
        escalation = {
            name: tuple(
                EscalationTier(tier.name, to_decimal(tier.after_hours), tuple(tier.notify)) for tier in tiers
            )
            for name, tiers in (document.escalation or {}).items()
        }
        return cls(
            defaults=defaults,
            calendar=calendar,
            rules=rules,
            sla=sla,
            escalation=escalation,
            texts={lang: dict(texts) for lang, texts in (document.texts or {}).items()},
            name=document.name,
            reasons=tuple(
                ReasonSpec(
                    reason.code,
                    dict(reason.labels),
                    reason.parent,
                    reason.counts_as_defect,
                    reason.photos_required,
                    reason.no_reason,
                )
                for reason in document.reasons
            )
            if document.reasons
            else DEFAULT_REASONS,
            schema_version=document.schema_version,
        )
