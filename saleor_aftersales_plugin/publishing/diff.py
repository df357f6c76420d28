"""Plain-language differences between two policy versions, sentence by sentence (sentences carry stable keys)."""

from ..rules.document import Policy
from .document import Builder
from .language import Phrases

# Sentences that describe the version itself rather than its terms.
_IGNORED = ("scope:intro",)


def _sentences(policy: Policy, phrases: Phrases) -> dict[str, str]:
    doc = Builder(policy, phrases).build()
    return {
        item.key: doc.sep.join([item.text, *item.notes]) for item in doc.items() if item.key not in _IGNORED
    }


def policy_diff(old: Policy, new: Policy, language: str) -> list[str]:
    """What changed from ``old`` to ``new``, one plain sentence per change (empty when the terms are the same)."""
    phrases = Phrases(language)
    before, after = _sentences(old, phrases), _sentences(new, phrases)
    changes = []
    for key, text in after.items():
        if key not in before:
            changes.append(phrases.say("diff_added", text=text))
        elif before[key] != text:
            changes.append(phrases.say("diff_changed", before=before[key], after=text))
    for key, text in before.items():
        if key not in after:
            changes.append(phrases.say("diff_removed", text=text))
    return changes
