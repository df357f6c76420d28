"""The texts customers read from a policy: in the language they ask for when the policy has it."""

from collections.abc import Sequence

from ...publishing.language import Phrases, UnsupportedLanguage, resolve_language
from ...rules.document import Policy
from ...rules.engine import ENGINE_REASONS
from ...rules.zero_refund import REASON_ZERO_REFUND, ZERO_REFUND_TEXT

__all__ = ["phrases", "policy_language", "reason_entries", "reason_text"]


def policy_language(policy: Policy, language: str | None) -> str:
    """``language`` if the policy has it, else the policy's first language."""
    languages = policy.defaults.languages or ("en",)
    return language if language in languages else languages[0]


def reason_text(policy: Policy, code: str, language: str | None) -> str:
    """The customer-facing text of a reason: the policy's text in the language, the engine's, then the default."""
    texts = policy.texts.get(policy_language(policy, language)) or {}
    if code in texts:
        return texts[code]
    if code in ENGINE_REASONS:
        return ENGINE_REASONS[code]
    if code == REASON_ZERO_REFUND:
        return ZERO_REFUND_TEXT
    default = policy.texts.get(policy.defaults.languages[0]) if policy.defaults.languages else None
    return (default or {}).get(code) or code.replace("_", " ").capitalize() + "."


def reason_entries(policy: Policy, codes: Sequence[str], language: str | None) -> list[dict[str, str]]:
    """``Reason`` answers (code and text) of ``codes``."""
    return [{"code": code, "text": reason_text(policy, code, language)} for code in codes]


def phrases(policy: Policy, language: str | None) -> Phrases:
    """The published text's phrases in the requested language, else the policy's, else English."""
    for candidate in (language, policy_language(policy, language)):
        try:
            return Phrases(resolve_language(candidate or ""))
        except UnsupportedLanguage:
            continue
    return Phrases("en")
