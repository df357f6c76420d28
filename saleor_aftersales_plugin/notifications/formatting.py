"""Turning a stored payload into a template context: money and instants formatted with babel in the message's
language and the shop's time zone, codes (status, kind, condition) replaced by their label in that language.

Payloads are JSON: money is ``{"amount": "424.15", "currency": "EUR"}``, an instant ``{"instant": "<ISO 8601>"}``,
a local day ``{"date": "YYYY-MM-DD"}``. Formatting happens at delivery, so a payload stays language-neutral.
"""

import json
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.core import Locale, UnknownLocaleError
from babel.dates import format_date, format_skeleton

from ..domain.money import Money, quantize

TEMPLATES_DIR = Path(__file__).parent / "templates"
DEFAULT_LANGUAGE = "en"
LABELED_KEYS = ("case_kind", "status", "condition", "deadline_kind", "category")


@lru_cache(maxsize=1)
def available_languages() -> tuple[str, ...]:
    """Languages with a template directory, e.g. ``("en", "zh_Hans")``; adding one is adding a directory."""
    return tuple(sorted(path.name for path in TEMPLATES_DIR.iterdir() if path.is_dir()))


def match_language(requested: str | None, fallbacks: tuple[str, ...] = ()) -> str:
    """The best available language for ``requested`` (a CLDR or BCP 47 tag such as ``zh-CN``, ``zh_Hans``, ``en_GB``).

    Tries the tag itself, then its language with its (likely) script, then the language alone, then ``fallbacks``
    in order, then English.
    """
    available = available_languages()
    for tag in (requested, *fallbacks):
        if not tag:
            continue
        candidate = str(tag).strip().replace("-", "_")
        if candidate in available:
            return candidate
        try:
            locale = Locale.parse(candidate)
        except (ValueError, TypeError, UnknownLocaleError):
            continue
        script = locale.script
        if script is None and locale.language == "zh":
            script = "Hant" if locale.territory in ("TW", "HK", "MO") else "Hans"
        for option in (f"{locale.language}_{script}" if script else None, locale.language):
            if option in available:
                return option
    return DEFAULT_LANGUAGE


@lru_cache(maxsize=16)
def labels(language: str) -> Mapping[str, str]:
    path = TEMPLATES_DIR / language / "labels.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def format_money(amount: Decimal | str, currency: str, language: str) -> str:
    """``€424.15`` in English, ``¥199.00`` for CNY in Chinese: babel's currency format at the currency's precision."""
    return Money(quantize(Decimal(str(amount)), currency), currency).format(language)


def format_instant(instant: datetime, language: str, time_zone: str) -> str:
    """Date, time and zone in the shop's time zone: ``December 1, 2026, 17:00 Central European Standard Time``."""
    zone = ZoneInfo(time_zone)
    local = instant.astimezone(zone)
    locale = Locale.parse(language)
    day = format_date(local.date(), "long", locale=locale)
    clock = format_skeleton("Hmz", local, tzinfo=zone, locale=locale)
    return str(locale.datetime_formats["medium"]).format(clock, day)


def format_day(day: date, language: str) -> str:
    return format_date(day, "long", locale=Locale.parse(language))


def label(value: str, language: str) -> str:
    """The word for a code (``awaiting_return``, ``repair``...) in ``language``; the code with spaces if unknown."""
    return labels(language).get(value) or labels(DEFAULT_LANGUAGE).get(value) or value.replace("_", " ")


def render_context(payload: Mapping[str, Any], language: str, time_zone: str) -> dict[str, Any]:
    """The template context for ``payload``: tagged values formatted, codes labelled, ``language`` and zone set."""

    def convert(key: str, value: Any) -> Any:
        if isinstance(value, Mapping):
            if set(value) == {"amount", "currency"}:
                return format_money(value["amount"], value["currency"], language)
            if set(value) == {"instant"}:
                return format_instant(datetime.fromisoformat(value["instant"]), language, time_zone)
            if set(value) == {"date"}:
                return format_day(date.fromisoformat(value["date"]), language)
            return {k: convert(k, v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [convert(key, item) for item in value]
        if key in LABELED_KEYS and isinstance(value, str) and value:
            return label(value, language)
        return value

    context = {key: convert(key, value) for key, value in payload.items()}
    context["language"] = language
    context["time_zone"] = time_zone
    return context
