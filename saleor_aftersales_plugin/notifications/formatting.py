"""Turning a stored payload into a template context: money and instants formatted in the message's language and the
shop's time zone (by :mod:`saleor_aftersales_plugin.i18n`), codes (status, kind, condition) replaced by their label
in that language.

Payloads are JSON: money is ``{"amount": "424.15", "currency": "EUR"}``, an instant ``{"instant": "<ISO 8601>"}``,
a local day ``{"date": "YYYY-MM-DD"}``. Formatting happens at delivery, so a payload stays language-neutral.
"""

import json
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..i18n import DEFAULT_LANGUAGE, format_date, format_instant, format_money, humanise, languages_of
from ..i18n import negotiate_language as negotiate

TEMPLATES_DIR = Path(__file__).parent / "templates"
LABELED_KEYS = ("case_kind", "status", "condition", "deadline_kind", "category")


@lru_cache(maxsize=1)
def available_languages() -> tuple[str, ...]:
    """Languages with a template directory, e.g. ``("en", "zh_Hans")``; adding one is adding a directory."""
    return languages_of(TEMPLATES_DIR)


def match_language(requested: str | None, fallbacks: tuple[str, ...] = ()) -> str:
    """The template language for a reader of ``requested``, else of the first of ``fallbacks`` (the policy's
    languages) that has templates, else English: :func:`saleor_aftersales_plugin.i18n.negotiate_language` over
    :func:`available_languages`."""
    return negotiate((requested, *fallbacks), available_languages(), default=DEFAULT_LANGUAGE)


@lru_cache(maxsize=16)
def labels(language: str) -> Mapping[str, str]:
    path = TEMPLATES_DIR / language / "labels.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def label(value: str, language: str) -> str:
    """The word for a code (``awaiting_return``, ``repair``...) in ``language``; the code as words if unknown."""
    return labels(language).get(value) or labels(DEFAULT_LANGUAGE).get(value) or humanise(value)


def item_line(item: Mapping[str, Any], language: str) -> str:
    """One item of a list in ``language``'s word order (``labels.json`` "item_line"): ``2 × Mug``, ``Mug × 2``."""
    pattern = labels(language).get("item_line") or labels(DEFAULT_LANGUAGE)["item_line"]
    values = {key: "" if item.get(key) is None else item[key] for key in ("quantity", "name")}
    return pattern.format(**values)


def render_context(payload: Mapping[str, Any], language: str, time_zone: str) -> dict[str, Any]:
    """The template context for ``payload``: tagged values formatted, codes labelled, ``language`` and zone set."""

    def convert(key: str, value: Any) -> Any:
        if isinstance(value, Mapping):
            if set(value) == {"amount", "currency"}:
                return format_money(value["amount"], value["currency"], language)
            if set(value) == {"instant"}:
                return format_instant(datetime.fromisoformat(value["instant"]), language, time_zone)
            if set(value) == {"date"}:
                return format_date(date.fromisoformat(value["date"]), language)
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
