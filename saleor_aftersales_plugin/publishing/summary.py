"""Short terms for product and checkout pages, decided by the engine for a hypothetical line of the product.

The line is delivered, paid at ``unit_price`` and shipped to ``country``; the rules are evaluated on the day of
delivery and on the days where a day-count condition of the policy changes its answer, so terms that start later
(e.g. "from day 8, faulty items are exchanged") show up too. Fees that depend on the condition found at inspection
are found by deciding once per condition.
"""

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..domain.facts import CaseKind, ItemCondition, ProductFacts, one_unit_case
from ..rules.actions import to_decimal
from ..rules.decision import LineDecision
from ..rules.document import Policy
from ..rules.engine import REASON_WINDOW_EXPIRED, decide
from ..rules.fees import FeeKind, FeeSpec
from ..rules.reasons import NO_REASON
from .document import Builder, example_price
from .language import Phrases

_DAY_VARIABLE = re.compile(r"days_since_")
_INSPECTED = tuple(c for c in ItemCondition if c not in (ItemCondition.UNKNOWN, ItemCondition.DEFECTIVE))


def _day_values(node: Any) -> Iterator[int]:
    if isinstance(node, dict):
        for key in ("all", "any"):
            for child in node.get(key, ()):
                yield from _day_values(child)
        if _DAY_VARIABLE.search(str(node.get("name", ""))) and node.get("value") is not None:
            value = int(to_decimal(node["value"]))
            yield from (value, value + 1)


def _probe_days(policy: Policy) -> list[int]:
    days = {0}
    for rule in policy.rules:
        days.update(day for day in _day_values(dict(rule.conditions)) if day >= 0)
    return sorted(days)


class _Scenario:
    def __init__(
        self,
        policy: Policy,
        product: ProductFacts,
        country: str,
        price: Decimal,
        now: datetime,
        currency: str,
    ) -> None:
        self.policy = policy
        self.currency = currency
        self.product = product
        self.country = country
        self.price = price
        self.delivered = now

    def decide(
        self, kind: CaseKind, reason: str, day: int, condition: str = ItemCondition.UNKNOWN
    ) -> LineDecision:
        facts = one_unit_case(
            kind,
            self.product,
            self.price,
            self.currency,
            ordered_at=self.delivered - timedelta(days=2),
            shipped_at=self.delivered - timedelta(days=1),
            delivered_at=self.delivered,
            now=self.delivered + timedelta(days=day, hours=1),
            reason=reason,
            condition=condition,
            customer_id="customer",
            country=self.country,
        )
        return decide(self.policy, facts, explain=False).lines[0]


def _fee_key(fee: FeeSpec) -> tuple[str, str, Decimal]:
    return (fee.code, fee.kind.value, fee.amount)


def product_summary(
    policy: Policy,
    product: ProductFacts,
    language: str,
    *,
    country: str | None = None,
    unit_price: Decimal | None = None,
    now: datetime | None = None,
    currency: str | None = None,
) -> str:
    """A few sentences of the terms for ``product`` in ``currency`` (the policy's by default): change of mind, faulty
    items, warranty."""
    phrases = Phrases(language)
    currency = currency or policy.defaults.currency
    builder = Builder(policy, phrases, currency=currency)
    scenario = _Scenario(
        policy,
        product,
        (country or policy.defaults.country).upper(),
        unit_price if unit_price is not None else example_price(currency, []),
        now or datetime.now(UTC),
        currency,
    )
    days = _probe_days(policy)
    sentences = []
    for reason, macro in ((NO_REASON, "summary_change_of_mind"), ("defective", "summary_faulty")):
        sentences.append(phrases.say(macro, parts=_terms(scenario, builder, phrases, reason, days)))
    warranty = scenario.decide(CaseKind.REPAIR, "defective", 0).warranty_months
    sentences.append(phrases.say("summary_warranty", months=warranty))
    return " ".join(sentences)


def _terms(scenario: _Scenario, builder: Builder, phrases: Phrases, reason: str, days: list[int]) -> str:
    phases: list[str] = []
    seen: set[tuple[Any, ...]] = set()
    refusal = ""
    for day in days:
        line = scenario.decide(CaseKind.RETURN, reason, day)
        if not line.eligible:
            if day == 0 and REASON_WINDOW_EXPIRED not in line.reasons:
                refusal = refusal or _refusal_words(phrases, line.reasons)
            continue
        key = (line.window, line.resolutions, tuple(sorted(_fee_key(f) for f in line.fees)))
        if key in seen:
            continue
        seen.add(key)
        text = phrases.say(
            "summary_window",
            window=builder.window(line.window) if line.window else "",
            resolutions=builder.resolutions(line.resolutions),
        )
        phases.append(phrases.tidy(text + _fees(scenario, builder, phrases, reason, day, line)))
    if not phases:
        return phrases.say("summary_not_returnable", reason=refusal)
    return phrases.say("summary_phases", parts=phases)


def _fees(
    scenario: _Scenario, builder: Builder, phrases: Phrases, reason: str, day: int, line: LineDecision
) -> str:
    base = {_fee_key(f): f for f in line.fees}
    by_fee: dict[tuple[str, str, Decimal], tuple[FeeSpec, list[str]]] = {}
    for condition in _INSPECTED:
        inspected = scenario.decide(CaseKind.RETURN, reason, day, condition)
        if not inspected.eligible:
            continue
        for fee in inspected.fees:
            if _fee_key(fee) not in base:
                by_fee.setdefault(_fee_key(fee), (fee, []))[1].append(
                    phrases.word("item_conditions", condition)
                )
    parts = [
        phrases.say("summary_fee", condition="", fee=_fee_text(builder, phrases, fee))
        for fee in base.values()
    ]
    parts += [
        phrases.say(
            "summary_fee", condition=phrases.or_list(conditions), fee=_fee_text(builder, phrases, fee)
        )
        for fee, conditions in by_fee.values()
    ]
    return phrases.say(
        "summary_fees", parts=phrases.and_list(parts) if parts else phrases.say("summary_no_fees")
    )


def _fee_text(builder: Builder, phrases: Phrases, fee: FeeSpec) -> str:
    amount = phrases.percent(fee.amount) if fee.kind is FeeKind.PERCENT else builder.money(fee.amount)
    return phrases.say("fee_short", name=phrases.word("fee_names", fee.code), amount=amount)


def _refusal_words(phrases: Phrases, reasons: tuple[str, ...]) -> str:
    """A few words for why an item is refused, to stand in brackets ("no returns (final sale)"): the language's
    ``refusals`` table, not the reason's sentence (:func:`saleor_aftersales_plugin.i18n.reason_text`)."""
    return phrases.and_list(phrases.word("refusals", code) for code in reasons)
