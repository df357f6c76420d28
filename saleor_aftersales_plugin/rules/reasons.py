"""The catalogue of return reasons a storefront offers and rules test: codes, labels per language, nesting, flags.

A policy may define its own catalogue (``reasons:``); without one, :data:`DEFAULT_REASONS` applies. There is one
no-reason code, :data:`NO_REASON`; ``changed_mind`` (the name once used for it) is accepted from storefronts as an
alias and refused in policies with a suggestion.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..i18n import match_language

__all__ = [
    "DEFAULT_REASONS",
    "NO_REASON",
    "REASON_ALIASES",
    "ReasonSpec",
    "canonical_reason",
    "reason_label",
]

NO_REASON = "no_reason"
REASON_ALIASES: dict[str, str] = {"changed_mind": NO_REASON}
"""Codes storefronts may still send, and the catalogue code they mean."""


@dataclass(frozen=True, slots=True)
class ReasonSpec:
    code: str
    labels: Mapping[str, str] = field(default_factory=dict)
    """Language -> what the customer reads."""
    parent: str | None = None
    counts_as_defect: bool = False
    """Counted as a product defect in the KPIs (e.g. defective, damaged in transit)."""
    photos_required: bool = False
    """The customer attaches photos when giving this reason."""
    no_reason: bool = False
    """The no-questions-asked return (the statutory withdrawal right where it applies)."""

    def label(self, language: str) -> str:
        return reason_label(self, language)


DEFAULT_REASONS: tuple[ReasonSpec, ...] = (
    ReasonSpec(NO_REASON, {"en": "No reason (changed my mind)", "zh_Hans": "无理由退货"}, no_reason=True),
    ReasonSpec(
        "defective",
        {"en": "Faulty or does not work", "zh_Hans": "商品存在质量问题"},
        counts_as_defect=True,
        photos_required=True,
    ),
    ReasonSpec(
        "damaged_in_transit",
        {"en": "Damaged in transit", "zh_Hans": "运输途中损坏"},
        counts_as_defect=True,
        photos_required=True,
    ),
    ReasonSpec("wrong_item", {"en": "Wrong item sent", "zh_Hans": "发错商品"}),
    ReasonSpec("not_as_described", {"en": "Not as described", "zh_Hans": "与描述不符"}),
)


def canonical_reason(code: str) -> str:
    """The catalogue code a storefront's reason means (``changed_mind`` -> ``no_reason``)."""
    return REASON_ALIASES.get(code, code)


def reason_label(spec: ReasonSpec, language: str) -> str:
    """The label in the language that serves a reader of ``language`` (i18n's matching rule), else English, else the
    first one, else the code."""
    labels = {key: label for key, label in spec.labels.items() if label}
    key = match_language(language, labels) or match_language("en", labels)
    return labels[key] if key else next(iter(labels.values()), spec.code)
