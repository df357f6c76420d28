"""The texts customers read in the API, in the language they ask for (else the policy's default language), by the
one language rule of :mod:`saleor_aftersales_plugin.i18n`: reason texts (the policy's own texts first, then the
built-in catalogue), labels of return reasons and the phrases of the published text."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ...i18n import DEFAULT_LANGUAGE, match_language, negotiate_language, reason_text
from ...publishing.language import SUPPORTED, Phrases, last_local_minute
from ...rules.document import Policy
from ...rules.reasons import ReasonSpec

__all__ = ["default_language", "phrases", "reason_entries", "reason_label", "window_end"]


def default_language(policy: Policy | None) -> str:
    """The language a policy answers in when the reader names none: its first language."""
    languages = policy.defaults.languages if policy is not None else ()
    return languages[0] if languages else DEFAULT_LANGUAGE


def reason_entries(policy: Policy, codes: Sequence[str], language: str | None) -> list[dict[str, str]]:
    """``Reason`` answers (code and text) of ``codes`` in ``language``, else in the policy's default language."""
    default = default_language(policy)
    return [
        {"code": code, "text": reason_text(code, language or default, policy.texts, default_language=default)}
        for code in codes
    ]


def reason_label(spec: ReasonSpec, language: str) -> str:
    """A return reason's label for a reader of ``language``: the catalogue's label in the language that serves them,
    else the catalogue's own fallback (English, then its first label)."""
    return spec.label(match_language(language, spec.labels) or language)


def phrases(policy: Policy, language: str | None) -> Phrases:
    """The published text's phrases in ``language``, else in the policy's default language, else in English."""
    return Phrases(negotiate_language((language, default_language(policy)), SUPPORTED, DEFAULT_LANGUAGE))


def window_end(ends_at: datetime | None, policy: Policy | None, language: str | None) -> dict[str, Any]:
    """``window_ends_at_local`` and ``window_ends_text`` of a window whose first refused instant is ``ends_at``: its
    last minute on the shop's clock, and the same in words in ``language`` (both None without a window, or without
    a policy to read the shop's time zone from)."""
    if ends_at is None or policy is None:
        return {"window_ends_at_local": None, "window_ends_text": None}
    local = last_local_minute(ends_at, policy.defaults.time_zone)
    return {
        "window_ends_at_local": {
            "date": local.date,
            "time": f"{local.time:%H:%M}",
            "time_zone": local.time_zone,
        },
        "window_ends_text": phrases(policy, language).until(local),
    }
