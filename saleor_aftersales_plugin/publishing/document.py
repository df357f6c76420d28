"""The published policy as sections of keyed sentences, built from the rules that decide.

Settings follow the engine's conflict rule (best-ranked matching rule wins), so each setting is described as the
ranked list of rules writing it, with the higher-ranked rules that override a rule named as its exceptions.
Every sentence has a stable key (e.g. ``rule:final-sale:deny``) so two versions can be compared sentence by sentence.
"""

from collections.abc import Iterator, Mapping
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import holidays

from ..domain.facts import CaseKind
from ..domain.money import ROUNDING_MODES, Prices, currency_precision, quantize
from ..i18n import html_lang
from ..rules.actions import (
    ACTIONS,
    ALL_FEES,
    RETURN_SHIPPING_FEE,
    WindowSetting,
    fee_spec,
    first_response_target,
    prices,
    to_decimal,
)
from ..rules.calendar import Anchor, DayKind
from ..rules.document import WEEKDAYS, Policy, Rule
from ..rules.fees import FeeKind, FeeScope, FeeSpec, settle
from ..rules.statutory import served_regimes
from .clauses import ClauseWriter, is_empty
from .language import Phrases


@dataclass
class Item:
    key: str
    text: str
    notes: list[str] = field(default_factory=list)
    """Sentences that belong to this one: exceptions and worked examples."""


@dataclass
class Block:
    kind: str  # "p" or "ul"
    items: list[Item]


@dataclass
class Section:
    id: str
    title: str
    blocks: list[Block]

    def items(self) -> Iterator[Item]:
        for block in self.blocks:
            yield from block.items


@dataclass
class PolicyText:
    language: str
    title: str
    sections: list[Section]

    @property
    def html_lang(self) -> str:
        return html_lang(self.language)

    @property
    def sep(self) -> str:
        """What goes between two sentences: nothing after Chinese full stops, a space elsewhere."""
        return "" if self.language.startswith("zh") else " "

    def items(self) -> Iterator[Item]:
        for section in self.sections:
            yield from section.items()

    def to_dict(self) -> dict[str, Any]:
        return {
            "language": self.language,
            "title": self.title,
            "sections": [
                {
                    "id": section.id,
                    "title": section.title,
                    "blocks": [
                        {
                            "kind": block.kind,
                            "items": [
                                {"key": item.key, "text": item.text, "notes": list(item.notes)}
                                for item in block.items
                            ],
                        }
                        for block in section.blocks
                    ],
                }
                for section in self.sections
            ],
        }


@dataclass(frozen=True)
class Writer:
    rule: Rule
    action: str
    params: Mapping[str, Any]


def setting_of(action: str, params: Mapping[str, Any]) -> str:
    setting = ACTIONS[action].setting
    if setting == "fee":
        return f"fee:{RETURN_SHIPPING_FEE if action == 'charge_return_shipping' else params['code']}"
    return setting


def writers(policy: Policy, *settings: str) -> list[Writer]:
    """The actions writing one of ``settings`` (``fee:`` matches every fee), best-ranked rule first."""
    found = []
    for rule in policy.ranked_rules:
        for action in rule.actions:
            params = action.get("params") or {}
            setting = setting_of(action["name"], params)
            if setting in settings or ("fee:" in settings and setting.startswith("fee:")):
                found.append(Writer(rule, action["name"], params))
    return found


def example_price(currency: str, fixed_fees: list[Decimal]) -> Decimal:
    """A round price for worked examples: 200 in the currency's main unit (more when a fixed fee is large)."""
    price = Decimal(200) if currency_precision(currency) else Decimal(20000)
    while any(fee * 2 > price for fee in fixed_fees):
        price *= 5
    return price


@dataclass
class Builder:
    """Writes the policy's text with one language's phrases; amounts in ``currency`` (the policy's by default)."""

    policy: Policy
    ph: Phrases
    _: KW_ONLY
    version: int | None = None
    effective_from: datetime | None = None
    customer_favourable: bool = False
    currency: str = ""
    clauses: ClauseWriter = field(init=False)

    def __post_init__(self) -> None:
        self.clauses = ClauseWriter(self.policy, self.ph)
        self.currency = self.currency or self.policy.defaults.currency

    # --- helpers

    def cond(self, rule: Rule) -> str:
        return self.clauses.text(rule.conditions)

    def window(self, window: WindowSetting) -> str:
        return self.ph.say(
            "window",
            days=window.days,
            number=self.ph.number(window.days),
            anchor=self.ph.word("anchors", window.anchor.value),
            business=window.day_kind is DayKind.BUSINESS,
        )

    def resolutions(self, values: Any) -> str:
        return self.ph.or_list(self.ph.word("resolutions", value) for value in values)

    def money(self, amount: Decimal | Prices) -> str:
        """An amount in the shop's currency (validation makes every fixed amount of a policy give one)."""
        if isinstance(amount, Prices):
            amount = amount.in_currency(self.currency)
        return self.ph.money(amount, self.currency)

    def exceptions(self, writer: Writer, overriding: list[Writer]) -> list[str]:
        """Conditions of higher-ranked rules in ``overriding`` that take this setting away from ``writer``."""
        rank = writer.rule.rank
        return [
            self.cond(other.rule)
            for other in overriding
            if other.rule.rank < rank and not is_empty(other.rule.conditions)
        ]

    def _overridden_always(self, writer: Writer, overriding: list[Writer]) -> bool:
        return any(
            other.rule.rank < writer.rule.rank and is_empty(other.rule.conditions) for other in overriding
        )

    # --- sections

    def build(self) -> PolicyText:
        title = self.ph.say("title", shop=self.policy.name)
        sections = [
            self.scope(),
            self.returns(),
            self.statutory(),
            self.exclusions(),
            self.resolutions_section(),
            self.fees(),
            self.how(),
            self.service(),
            self.warranty(),
        ]
        return PolicyText(self.ph.language, title, [s for s in sections if s.blocks])

    def section(self, id: str, *blocks: Block) -> Section:
        return Section(id, self.ph.say(f"title_{id}"), [b for b in blocks if b.items])

    def scope(self) -> Section:
        ph = self.ph
        # The shop's local date, as the page header and every other place shows it (never the UTC date).
        effective = (
            ph.date(self.policy.calendar.local_date(self.effective_from)) if self.effective_from else ""
        )
        items = [
            Item(
                "scope:intro",
                ph.say("intro", shop=self.policy.name, version=self.version or "", effective=effective),
            ),
            Item("scope:fairness", ph.say("fairness", favourable=self.customer_favourable)),
            Item("scope:time_zone", ph.say("time_zone", zone=self.policy.defaults.time_zone)),
        ]
        return self.section("scope", Block("p", items))

    def returns(self) -> Section:
        ph, defaults = self.ph, self.policy.defaults
        intro = []
        if defaults.eligible:
            intro.append(
                Item("window:default", ph.say("standard_window", window=self.window(defaults.window)))
            )
        intro.append(Item("window:anchors", ph.say("anchor_note")))
        cases = []
        for writer in writers(self.policy, "window"):
            setting = WindowSetting(
                int(to_decimal(writer.params["days"])),
                Anchor(writer.params.get("anchor") or Anchor.DELIVERY),
                DayKind(writer.params.get("day_kind") or DayKind.CALENDAR),
            )
            condition = self.cond(writer.rule)
            key = f"rule:{writer.rule.id}:window"
            if not condition:
                cases.append(Item(key, ph.say("window_always", window=self.window(setting))))
            else:
                cases.append(
                    Item(key, ph.say("window_case", condition=condition, window=self.window(setting)))
                )
        blocks = [Block("p", intro)]
        if cases:
            blocks.append(
                Block("p", [Item("window:cases", ph.say("window_cases_intro", several=len(cases) > 1))])
            )
            blocks.append(Block("ul", cases))
        return self.section("returns", *blocks)

    def statutory(self) -> Section:
        """The law's no-reason withdrawal right in each region the policy serves, with its source and exclusions."""
        ph = self.ph
        items = []
        for regime, countries in served_regimes(self.policy):
            region = regime.name_for(countries, ph.language) or ph.or_list(
                ph.country(code) for code in countries
            )
            goods = [item.text.get(ph.language) or item.text["en"] for item in regime.exceptions]
            items.append(
                Item(
                    f"statutory:{regime.code}",
                    ph.say(
                        "statutory_right",
                        region=region,
                        days=regime.days,
                        starts=regime.starts,
                        source=regime.source_in(ph.language),
                    ),
                    [ph.say("statutory_exclusions", goods=goods, joined=ph.and_list(goods))] if goods else [],
                )
            )
        return self.section("statutory", Block("ul", items))

    def exclusions(self) -> Section:
        ph = self.ph
        eligibility = writers(self.policy, "eligibility")
        items = []
        default_eligible = self.policy.defaults.eligible
        if not default_eligible:
            items.append(Item("eligibility:default", ph.say("only_listed_cases")))
        for writer in eligibility:
            allows = writer.action == "allow"
            if allows == default_eligible:
                continue  # same as the default: it matters only as an exception to other rules
            if self._overridden_always(writer, eligibility):
                continue
            opposite = [w for w in eligibility if (w.action == "allow") != allows]
            condition = self.cond(writer.rule)
            text = ph.say("allowed_case" if allows else "denied_case", condition=condition)
            notes = [ph.say("except_when", condition=c) for c in self.exceptions(writer, opposite)]
            items.append(Item(f"rule:{writer.rule.id}:{writer.action}", text, notes))
        items.append(Item("eligibility:not_shipped", ph.say("not_shipped")))
        return self.section("exclusions", Block("ul", items))

    def resolutions_section(self) -> Section:
        ph, defaults = self.ph, self.policy.defaults
        items = [
            Item(
                "resolutions:default",
                ph.say("resolutions_default", choices=self.resolutions(defaults.resolutions)),
            )
        ]
        for writer in writers(self.policy, "resolutions"):
            items.append(
                Item(
                    f"rule:{writer.rule.id}:resolutions",
                    ph.say(
                        "resolutions_case",
                        condition=self.cond(writer.rule),
                        choices=self.resolutions(writer.params["resolutions"]),
                    ),
                )
            )
        bonus_items = []
        if defaults.store_credit_bonus:
            bonus_items.append(self._bonus("store_credit_bonus:default", defaults.store_credit_bonus, ""))
        for writer in writers(self.policy, "store_credit_bonus"):
            bonus_items.append(
                self._bonus(
                    f"rule:{writer.rule.id}:store_credit_bonus",
                    to_decimal(writer.params["percent"]),
                    self.cond(writer.rule),
                )
            )
        return self.section("resolutions", Block("ul", items), Block("p", bonus_items))

    def _bonus(self, key: str, percent: Decimal, condition: str) -> Item:
        refund = example_price(self.currency, [])
        credit = quantize(refund * (Decimal(100) + percent) / Decimal(100), self.currency)
        return Item(
            key,
            self.ph.say(
                "store_credit_bonus",
                percent=self.ph.percent(percent),
                condition=condition,
                refund=self.money(refund),
                credit=self.money(credit),
            ),
        )

    def fees(self) -> Section:
        ph = self.ph
        fee_writers = writers(self.policy, "fee:", "fee:*")
        charging = [w for w in fee_writers if w.action in ("add_fee", "charge_return_shipping")]
        fixed = [
            prices(w.params["amount"]).in_currency(self.currency)
            for w in charging
            if w.action == "charge_return_shipping" or w.params.get("kind") == FeeKind.FIXED.value
        ]
        price = example_price(self.currency, fixed)
        items = []
        for writer in charging:
            code = RETURN_SHIPPING_FEE if writer.action == "charge_return_shipping" else writer.params["code"]
            if self._overridden_always(
                writer, [w for w in fee_writers if setting_of(w.action, w.params) in (f"fee:{code}", "fee:*")]
            ):
                continue
            spec = self._fee_spec(writer, code)
            waivers = [
                w for w in fee_writers if w.action == "waive_fee" and w.params.get("code") in (code, ALL_FEES)
            ]
            notes = [ph.say("fee_waived_when", condition=c) for c in self.exceptions(writer, waivers)]
            notes.append(self._fee_example(spec, price))
            text = ph.say(
                "fee",
                name=ph.word("fee_names", code),
                kind=spec.kind.value,
                scope=spec.scope.value,
                amount=ph.percent(spec.amount) if spec.kind is FeeKind.PERCENT else self.money(spec.amount),
                cap=self.money(spec.cap) if spec.cap is not None else "",
                condition=self.cond(writer.rule),
            )
            items.append(Item(f"rule:{writer.rule.id}:fee:{code}", text, notes))
        for writer in writers(self.policy, "fee_cap"):
            amount, percent = writer.params.get("amount"), writer.params.get("percent")
            items.append(
                Item(
                    f"rule:{writer.rule.id}:fee_cap",
                    ph.say(
                        "fee_cap",
                        amount=self.money(prices(amount)) if amount is not None else "",
                        percent=ph.percent(to_decimal(percent)) if percent is not None else "",
                        condition=self.cond(writer.rule),
                    ),
                )
            )
        if not items:
            items.append(Item("fees:none", ph.say("no_fees")))
        percents = [w.params["amount"] for w in charging if w.params.get("kind") == FeeKind.PERCENT.value]
        if percents:
            items.append(self._rounding(to_decimal(percents[0])))
        return self.section("fees", Block("ul", items))

    def _rounding(self, percent: Decimal) -> Item:
        """The policy's rounding, with an example whose exact amount needs rounding (one unit under a round price)."""
        mode = self.policy.defaults.rounding
        unit = Decimal(1).scaleb(-currency_precision(self.currency))
        price = example_price(self.currency, []) - unit
        exact = price * percent / Decimal(100)
        rounded = quantize(exact, self.currency, ROUNDING_MODES[mode])
        exact_text = self.ph.exact_number(exact) + " " + self.currency
        return Item(
            "fees:rounding",
            self.ph.say(
                "rounding",
                mode=mode,
                percent=self.ph.percent(percent),
                price=self.money(price),
                exact=exact_text,
                rounded=self.money(rounded),
            ),
        )

    def _fee_spec(self, writer: Writer, code: str) -> FeeSpec:
        return fee_spec(writer.action, writer.params, writer.rule.id).in_currency(self.currency)

    def _fee_example(self, spec: FeeSpec, price: Decimal) -> str:
        """A worked example computed by the engine's own fee math."""
        line_fees = {"example": [spec]} if spec.scope is FeeScope.LINE else {}
        case_fees = [spec] if spec.scope is FeeScope.CASE else []
        settlement = settle(
            self.currency,
            {"example": price},
            line_fees,
            case_fees,
            rounding=ROUNDING_MODES[self.policy.defaults.rounding],
        )
        return self.ph.say(
            "fee_example",
            price=self.money(price),
            name=self.ph.word("fee_names", spec.code),
            fee=self.money(settlement.fees_total),
            net=self.money(settlement.net),
        )

    def how(self) -> Section:
        ph, defaults = self.ph, self.policy.defaults
        steps = [Item("how:start", ph.say("step_start"))]
        photo_writers = writers(self.policy, "photos_required")
        if defaults.photos_required:
            steps.append(
                Item(
                    "how:photos:default", ph.say("step_photos", count=defaults.photos_required, condition="")
                )
            )
        for writer in photo_writers:
            count = int(to_decimal(writer.params.get("count", 1)))
            steps.append(
                Item(
                    f"rule:{writer.rule.id}:photos",
                    ph.say("step_photos", count=count, condition=self.cond(writer.rule)),
                )
            )
        steps.append(
            Item("how:review:default", ph.say("step_review", required=defaults.review, condition=""))
        )
        for writer in writers(self.policy, "review"):
            steps.append(
                Item(
                    f"rule:{writer.rule.id}:review",
                    ph.say(
                        "step_review",
                        required=writer.action == "require_review",
                        condition=self.cond(writer.rule),
                    ),
                )
            )
        steps.append(Item("how:ship", ph.say("step_ship")))
        steps.append(Item("how:inspect", ph.say("step_inspect")))
        steps.append(Item("how:refund", ph.say("step_refund")))
        return self.section("how", Block("ul", steps))

    def service(self) -> Section:
        ph, policy = self.ph, self.policy
        items = []
        for kind in CaseKind:
            sla = policy.sla_for(kind)
            items.append(
                Item(
                    f"sla:{kind.value}",
                    ph.say(
                        "sla",
                        kind=ph.word("kinds_plural", kind.value),
                        hours=_number(ph, sla.first_response_hours),
                        days=_number(ph, sla.resolution_working_days),
                        clock=sla.first_response_clock,
                        condition="",
                    ),
                )
            )
        for writer in writers(policy, "sla"):
            (hours, clock), days = (
                first_response_target(writer.params),
                writer.params.get("resolution_working_days"),
            )
            items.append(
                Item(
                    f"rule:{writer.rule.id}:sla",
                    ph.say(
                        "sla",
                        kind="",
                        hours=_number(ph, None if hours is None else to_decimal(hours)),
                        days=_number(ph, None if days is None else to_decimal(days)),
                        clock=clock,
                        condition=self.cond(writer.rule),
                    ),
                )
            )
        calendar = policy.calendar
        indexes = sorted(calendar.working_days)
        days = [ph.word("weekdays", WEEKDAYS[index]) for index in indexes]
        if len(indexes) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
            days = [ph.say("day_range", first=days[0], last=days[-1])]
        hours = ""
        if calendar.working_hours:
            hours = f"{calendar.working_hours[0]:%H:%M}–{calendar.working_hours[1]:%H:%M}"
        region = ph.country(calendar.country) if calendar.country else ""
        extra = ph.and_list(ph.date(day) for day in sorted(calendar.extra_holidays))
        year = (self.effective_from or datetime.now(UTC)).year
        official = any(calendar.has_official_workdays(y) for y in (year, year + 1))
        notes = [
            Item(
                "sla:calendar",
                ph.say(
                    "working_time",
                    days=ph.and_list(days),
                    hours=hours,
                    zone=policy.defaults.time_zone,
                    country=region,
                    subdivision=_subdivision_name(calendar.country, calendar.subdivision),
                    extra=extra,
                    makeup=("follow" if calendar.follow_official_calendar else "ignore") if official else "",
                ),
            )
        ]
        for name, tiers in policy.escalation.items():
            later = [tier for tier in tiers if tier.after_hours > 0]
            if later:
                steps = ph.and_list(
                    ph.say("escalation_step", tier=tier.name, hours=ph.number(tier.after_hours))
                    for tier in later
                )
                notes.append(
                    Item(
                        f"escalation:{name}",
                        ph.say("escalation", path=name, steps=steps, default=name == "default"),
                    )
                )
        return self.section("service", Block("ul", items), Block("p", notes))

    def warranty(self) -> Section:
        ph, defaults = self.ph, self.policy.defaults
        items = [Item("warranty:default", ph.say("warranty_default", months=defaults.warranty_months))]
        for writer in writers(self.policy, "warranty_months"):
            items.append(
                Item(
                    f"rule:{writer.rule.id}:warranty",
                    ph.say(
                        "warranty_case",
                        months=int(to_decimal(writer.params["months"])),
                        condition=self.cond(writer.rule),
                    ),
                )
            )
        items.append(Item("warranty:after", ph.say("warranty_after")))
        return self.section("warranty", Block("p", items))


def _subdivision_name(country: str | None, subdivision: str | None) -> str:
    """'BE' of Germany -> 'Berlin' (the holidays package's own name), else the code as given."""
    if not country or not subdivision:
        return ""
    aliases = getattr(holidays.country_holidays(country), "subdivisions_aliases", None) or {}
    return next((name for name, code in aliases.items() if code == subdivision), subdivision)


def _number(ph: Phrases, value: Decimal | None) -> str:
    return "" if value is None else ph.number(value)
