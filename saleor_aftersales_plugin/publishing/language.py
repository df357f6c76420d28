"""Languages of the published policy: one template directory per language, phrase macros called from Python.

Every customer-facing word lives in ``templates/<language>/phrases.j2``; Python passes values already formatted
for the language (money, percentages, dates, country names, lists) by :mod:`saleor_aftersales_plugin.i18n`, so the
numbers come from the rules.
"""

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from .. import i18n

TEMPLATES = Path(__file__).parent / "templates"
SUPPORTED = i18n.languages_of(TEMPLATES)
"""The languages of the published text: one template directory each."""
_CJK = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<={_CJK}) (?={_CJK})")


class UnsupportedLanguage(ValueError):
    pass


def resolve_language(language: str) -> str:
    """The one of :data:`SUPPORTED` that serves a reader of ``language`` ('en-GB', 'zh_Hans', 'zh-CN'...), by
    :func:`saleor_aftersales_plugin.i18n.match_language`; a language the text is not written in (or none) is an
    error, since the caller asked for it by name."""
    found = i18n.match_language(language, SUPPORTED)
    if found is not None:
        return found
    raise UnsupportedLanguage(
        f"The policy text is not available in {language!r}: use one of {', '.join(SUPPORTED)} "
        "(add templates under publishing/templates/<language>/ for more)."
    )


@lru_cache(maxsize=2)
def environment(html: bool) -> SandboxedEnvironment:
    """Sandboxed, so merchants may override templates; HTML output autoescapes everything it did not build."""
    env = SandboxedEnvironment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(default=html, default_for_string=html) if html else False,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["display_width"] = display_width
    return env


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (e.g. Chinese) characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in str(text))


class Phrases:
    """The phrase macros and value formatting of one language."""

    def __init__(self, language: str) -> None:
        self.language = resolve_language(language)
        self.module = environment(False).get_template(f"{self.language}/phrases.j2").module

    def has(self, name: str) -> bool:
        return callable(getattr(self.module, name, None))

    def say(self, name: str, /, **params: Any) -> str:
        macro = getattr(self.module, name, None)
        if not callable(macro):
            raise KeyError(f"templates/{self.language}/phrases.j2 has no macro {name!r}")
        return self.tidy(str(macro(**params)))

    def table(self, name: str) -> Mapping[str, str]:
        return getattr(self.module, name)

    def word(self, table: str, key: str) -> str:
        """A label from one of the language's tables; unknown keys are shown humanised ('final-sale' -> 'final sale')."""
        return self.table(table).get(key) or i18n.humanise(key)

    def tidy(self, text: str) -> str:
        text = re.sub(r"\s+", " ", text).strip()
        if self.language == "zh_Hans":
            text = _SPACE_BETWEEN_CJK.sub("", text)
        return text

    # --- values, formatted by i18n

    def money(self, amount: Decimal | int, currency: str) -> str:
        return i18n.format_money(amount, currency, self.language)

    def number(self, value: Decimal | int) -> str:
        return i18n.format_number(value, self.language)

    def exact_number(self, value: Decimal) -> str:
        """Every decimal of ``value`` (for showing what is rounded)."""
        return i18n.format_number(value, self.language, exact=True)

    def percent(self, value: Decimal | int) -> str:
        return f"{self.number(value)}%"

    def date(self, day: date) -> str:
        return i18n.format_date(day, self.language)

    def until(self, moment: "LocalMoment") -> str:
        """'until November 17, 2026, 23:59 New York time' for the last local minute of a period."""
        place = i18n.zone_city(moment.time_zone, self.language)
        return self.say("until", date=self.date(moment.date), time=f"{moment.time:%H:%M}", place=place)

    def in_open_case(self, numbers: Sequence[int]) -> str:
        """Why units cannot be asked for again: the open cases holding them ('#12', '#12 and #14')."""
        cases = i18n.format_list([f"#{number}" for number in numbers], self.language)
        return self.say("in_open_case", cases=cases, several=len(numbers) > 1)

    def zero_refund(
        self, before_fees: Decimal, fees: Iterable[tuple[str, Decimal]], currency: str, outcome: str
    ) -> str:
        """Why a line would refund nothing: what it would refund before fees, and each fee's amount."""
        charged = [
            self.say("fee_amount", name=self.word("fee_names", code), amount=self.money(amount, currency))
            for code, amount in fees
        ]
        return self.say(
            "zero_refund",
            fees=self.and_list(charged),
            paid=self.money(before_fees, currency),
            zero=self.money(Decimal(0), currency),
            outcome=outcome,
        )

    def country(self, code: str) -> str:
        """The country's name in this language (the template's ``country_names`` first, for articles)."""
        return self.table("country_names").get(code.upper()) or i18n.country_name(code, self.language)

    def and_list(self, items: Iterable[str]) -> str:
        return i18n.format_list(items, self.language)

    def or_list(self, items: Iterable[str]) -> str:
        return i18n.format_list(items, self.language, style="or")


@dataclass(frozen=True)
class LocalMoment:
    """The last minute of a period on the shop's wall clock: the day, the time (23:59 for a period that ends at
    midnight) and the IANA zone, for people who read 'until 17 November, 23:59'."""

    date: date
    time: time
    time_zone: str


def last_local_minute(end: datetime, time_zone: str) -> LocalMoment:
    """The shop-local last minute of a period whose exclusive end is the instant ``end``."""
    local = (end - timedelta(minutes=1)).astimezone(ZoneInfo(time_zone))
    return LocalMoment(local.date(), local.time().replace(second=0, microsecond=0), time_zone)
