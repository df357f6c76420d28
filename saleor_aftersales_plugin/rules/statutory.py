"""Statutory minimums: the no-reason withdrawal period the law gives consumers for distance sales, per country.

The table lives in ``statutory.yaml`` next to this module (regimes with their days, start, countries, legal
sources and exceptions). :func:`shortfalls` asks the engine itself whether a policy honours the minimum in every
country it serves: it decides a return without a reason of an ordinary item (no product type, category or
attribute; the statutory exceptions are goods a policy may legitimately exclude) asked on the last statutory day,
once for delivery on each day of a week, and reports where the policy refuses it.

The countries a policy serves are ``defaults.country`` and every country a rule names in a ``shipping_country``
condition (``equal_to`` a code, or ``matches_regex`` an alternation such as ``^(DE|FR)$``).
"""

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from ..domain.facts import (
    CaseFacts,
    CaseKind,
    LineRequest,
    OrderFacts,
    OrderLineFacts,
    ProductFacts,
    Resolution,
)
from .decision import DEFAULTS, LineDecision
from .document import Policy
from .engine import REASON_RESOLUTION_NOT_OFFERED, REASON_WINDOW_EXPIRED, decide
from .reasons import NO_REASON
from .variables import condition_leaves

__all__ = [
    "BELOW_STATUTORY_MINIMUM",
    "Regime",
    "Shortfall",
    "regime_for",
    "regimes",
    "served_countries",
    "served_regimes",
    "shortfalls",
]

DATA_FILE = Path(__file__).with_name("statutory.yaml")
BELOW_STATUTORY_MINIMUM = "below_statutory_minimum"
"""Stable code of the warning (and of the refusal in strict mode)."""
STARTS = ("possession", "receipt")
NO_REASON_CODES = (NO_REASON,)
"""The catalogue's one no-reason code (storefronts' ``changed_mind`` is read as it); it must get the statutory
period."""

# The probe's week: deliveries on each day of 2 to 8 March 2026 (a week without public holidays in the
# countries of the table), so business-day windows are judged from every weekday.
_PROBE_FIRST_DELIVERY = date(2026, 3, 2)
_CODE = re.compile(r"^[A-Z]{2}$")
_ALTERNATION = re.compile(r"^\^\(?((?:[A-Z]{2}\|)*[A-Z]{2})\)?\$$")


@dataclass(frozen=True)
class Exclusion:
    code: str
    text: Mapping[str, str]
    source: str
    """The law and the article, paragraph or point that excludes these goods."""


@dataclass(frozen=True)
class Regime:
    code: str
    days: int
    starts: str
    countries: tuple[str, ...]
    name: Mapping[str, str]
    source: Mapping[str, str]
    url: str
    exceptions: tuple[Exclusion, ...]
    areas: tuple[tuple[frozenset[str], Mapping[str, str]], ...] = ()
    """Names of parts of the regime, e.g. the EU without the rest of the EEA."""

    def source_in(self, language: str) -> str:
        return self.source.get(language) or self.source["en"]

    def name_for(self, countries: tuple[str, ...], language: str) -> str | None:
        """The name of exactly these countries (the whole regime, or one of its areas); None when they have none."""
        wanted = frozenset(countries)
        names = [self.name] if wanted == frozenset(self.countries) else []
        names += [name for area, name in self.areas if area == wanted]
        return (names[0].get(language) or names[0]["en"]) if names else None


@cache
def regimes() -> tuple[Regime, ...]:
    """The table, checked once: a broken data file fails loudly at the first use, with the regime named."""
    data = yaml.safe_load(DATA_FILE.read_text(encoding="utf-8"))
    found = []
    seen: dict[str, str] = {}
    for code, raw in data["regimes"].items():
        days, starts = raw["days"], raw["starts"]
        if not isinstance(days, int) or not 1 <= days <= 365:
            raise ValueError(f"{DATA_FILE.name}: regime {code!r} has days {days!r}; give 1 to 365.")
        if starts not in STARTS:
            raise ValueError(f"{DATA_FILE.name}: regime {code!r} starts {starts!r}; use one of {STARTS}.")
        for country in raw["countries"]:
            if not _CODE.match(country) or country in seen:
                raise ValueError(
                    f"{DATA_FILE.name}: country {country!r} of {code!r} is malformed or repeated."
                )
            seen[country] = code
        source = {key: value for key, value in raw["source"].items() if key != "url"}
        found.append(
            Regime(
                code=code,
                days=days,
                starts=starts,
                countries=tuple(raw["countries"]),
                name=dict(raw["name"]),
                source=source,
                url=raw["source"].get("url", ""),
                areas=tuple(
                    (frozenset(area["countries"]), {k: v for k, v in area.items() if k != "countries"})
                    for area in raw.get("areas") or ()
                ),
                exceptions=tuple(_exclusion(code, item) for item in raw.get("exceptions") or ()),
            )
        )
    return tuple(found)


def _exclusion(regime: str, item: Mapping[str, str]) -> Exclusion:
    if not item.get("source"):
        raise ValueError(
            f"{DATA_FILE.name}: exception {item.get('code')!r} of {regime!r} names no legal source."
        )
    text = {key: value for key, value in item.items() if key not in ("code", "source")}
    return Exclusion(item["code"], text, item["source"])


def regime_for(country: str) -> Regime | None:
    """The regime covering ``country`` (ISO alpha-2), or None where the table has no minimum."""
    code = (country or "").upper()
    return next((regime for regime in regimes() if code in regime.countries), None)


def _countries_in(conditions: Mapping[str, Any]) -> Iterator[str]:
    for _path, leaf in condition_leaves(conditions):
        if leaf.get("name") != "shipping_country":
            continue
        value, operator = str(leaf.get("value") or ""), leaf.get("operator")
        if operator in ("equal_to", "equal_to_case_insensitive") and _CODE.match(value.upper()):
            yield value.upper()
        elif operator == "matches_regex" and (match := _ALTERNATION.match(value)):
            yield from match.group(1).split("|")


def served_countries(policy: Policy) -> tuple[str, ...]:
    """defaults.country, then the countries the rules name, in document order, each once."""
    found = [policy.defaults.country.upper()]
    for rule in policy.rules:
        for country in _countries_in(rule.conditions):
            if country not in found:
                found.append(country)
    return tuple(found)


def served_regimes(policy: Policy) -> list[tuple[Regime, tuple[str, ...]]]:
    """Each regime that applies to a country the policy serves, with those countries (table order)."""
    served = served_countries(policy)
    result = []
    for regime in regimes():
        countries = tuple(country for country in served if country in regime.countries)
        if countries:
            result.append((regime, countries))
    return result


@dataclass(frozen=True)
class Shortfall:
    """Where a policy gives less than the law in some served countries; ``path`` is the JSON path that decides."""

    path: str
    countries: tuple[str, ...]
    regime: Regime
    problem: str
    """``window`` (too short), ``refused`` (not returnable) or ``no_refund`` (refund not offered)."""
    offered: str
    """What the policy offers instead, in words (e.g. '7 calendar days from delivery')."""
    code: str = BELOW_STATUTORY_MINIMUM

    @property
    def message(self) -> str:
        countries = ", ".join(self.countries)
        law = (
            f"the law gives consumers {self.regime.days} days, counted from the day after they receive the goods "
            f"[source: {self.regime.source_in('en')}]"
        )
        if self.problem == "window":
            return (
                f"For orders delivered to {countries}, a return without a reason gets {self.offered}, but {law}. "
                f"Offer at least {self.regime.days} calendar days from delivery for these countries."
            )
        if self.problem == "no_refund":
            return (
                f"For orders delivered to {countries}, a return without a reason cannot end in a refund "
                f"(resolutions: {self.offered}), but {law}, with the money back. Offer refund for these countries."
            )
        return (
            f"For orders delivered to {countries}, a return without a reason of an ordinary item is refused "
            f"({self.offered}), but {law}. Refuse only the goods the law excludes."
        )

    def __str__(self) -> str:
        return f"{self.path}: [{self.code}] warning: {self.message}"


def shortfalls(policy: Policy) -> list[Shortfall]:
    """Every place the policy offers less than a statutory minimum, grouped by regime, path and problem."""
    grouped: dict[tuple[str, str, str, str], list[str]] = {}
    by_code = {regime.code: regime for regime in regimes()}
    for regime, countries in served_regimes(policy):
        for country in countries:
            found = _probe(policy, regime, country)
            if found is not None:
                grouped.setdefault((regime.code, *found), []).append(country)
    return [
        Shortfall(path, tuple(countries), by_code[regime], problem, offered)
        for (regime, path, problem, offered), countries in grouped.items()
    ]


def _probe(policy: Policy, regime: Regime, country: str) -> tuple[str, str, str] | None:
    """(path, problem, offered) for the first refused no-reason return in ``country``, or None when none is."""
    zone = policy.calendar.zone
    for offset in range(7):
        delivered_on = _PROBE_FIRST_DELIVERY + timedelta(days=offset)
        delivered = datetime.combine(delivered_on, time(12), zone).astimezone(UTC)
        # Noon of the last statutory day in the shop's zone: the law's period runs until that day ends.
        asked = datetime.combine(delivered_on + timedelta(days=regime.days), time(12), zone).astimezone(UTC)
        for reason in NO_REASON_CODES:
            line = _decide_probe(policy, country, delivered, asked, reason)
            if not line.eligible:
                return _explain(policy, line)
    return None


def _decide_probe(
    policy: Policy, country: str, delivered: datetime, asked: datetime, reason: str
) -> LineDecision:
    price = Decimal(100)
    line = OrderLineFacts(
        line_id="statutory-probe",
        product=ProductFacts(sku="statutory-probe", product_name="An ordinary item"),
        quantity=1,
        unit_price=price,
        paid_total=price,
        quantity_fulfilled=1,
        fulfilled_at=delivered - timedelta(days=1),
        delivered_at=delivered,
    )
    order = OrderFacts(
        order_id="statutory-probe",
        channel="",
        currency=policy.defaults.currency,
        created_at=delivered - timedelta(days=2),
        lines=(line,),
        total=price,
        customer_id="statutory-probe",
        shipping_country=country,
    )
    facts = CaseFacts(
        kind=CaseKind.RETURN,
        order=order,
        lines=(LineRequest(line.line_id, 1, reason=reason, resolution=Resolution.REFUND.value),),
        now=asked,
    )
    return decide(policy, facts, explain=False).lines[0]


def _path(policy: Policy, decided_by: str, defaults_key: str) -> str:
    if decided_by == DEFAULTS:
        return f"$.defaults.{defaults_key}"
    position = next(rule.position for rule in policy.rules if rule.id == decided_by)
    return f"$.rules[{position}]"


def _explain(policy: Policy, line: LineDecision) -> tuple[str, str, str]:
    if REASON_WINDOW_EXPIRED in line.reasons and line.window is not None:
        window = line.window
        offered = f"{window.days} {window.day_kind.value} days from {window.anchor.value}"
        return _path(policy, line.decided_by["window"], "window"), "window", offered
    if REASON_RESOLUTION_NOT_OFFERED in line.reasons:
        offered = ", ".join(line.resolutions) or "none"
        return _path(policy, line.decided_by["resolutions"], "resolutions"), "no_refund", offered
    offered = "reason: " + ", ".join(line.reasons)
    return _path(policy, line.decided_by["eligibility"], "eligible"), "refused", offered


def reference_markdown() -> list[str]:
    """The section of docs/policy.md on statutory minimums, generated from the table."""
    lines = [
        "Where the law gives consumers a minimum period to withdraw from a distance purchase without a reason, "
        "`policy check` warns (code `below_statutory_minimum`, with the JSON path that decides, the countries and "
        "the legal source) when the policy offers less in a country it serves: `defaults.country` and every "
        "country a rule names in a `shipping_country` condition. It decides a no-reason return (`no_reason`, which "
        "storefronts' `changed_mind` is read as) of an ordinary item, asked for a refund on the last statutory day, for deliveries on each "
        "day of a week; a refusal, a shorter window (or one counted from the order or shipping) and a missing "
        "refund are shortfalls. Excluding the goods the law excludes is not. `policy check --strict` exits 1 on "
        "a warning; the channel setting *Statutory minimums* (`refuse`) makes the Dashboard refuse such a save. "
        "The published policy states the right, with its source and exclusions, for each region it serves.",
        "",
        "| Region | Countries | Days | Counted from the day after | Source | Goods the law excludes |",
        "|---|---|---|---|---|---|",
    ]
    starts = {
        "possession": "the consumer acquires physical possession",
        "receipt": "the consumer receives the goods",
    }
    for regime in regimes():
        source = regime.source_in("en") + (f" ({regime.url})" if regime.url else "")
        excluded = "; ".join(
            f"`{item.code}`: {item.text['en']} ({item.source})" for item in regime.exceptions
        )
        lines.append(
            f"| {regime.name['en']} | {', '.join(regime.countries)} | {regime.days} | {starts[regime.starts]} "
            f"| {source} | {excluded} |"
        )
    return lines
