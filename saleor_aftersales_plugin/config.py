"""Channel settings parsed and decided without Saleor (plugin.py only wires them to its fields), so CI tests them."""

from enum import StrEnum
from typing import Any

from .rules.document import Policy
from .rules.statutory import Shortfall, shortfalls

STATUTORY_MINIMUMS = "statutoryMinimums"
"""Configuration field: what a save does with a policy offering less than a statutory minimum."""


class StatutoryMode(StrEnum):
    WARN = "warn"
    """Publish, and list the shortfalls in `policy check` and the policy validation."""
    REFUSE = "refuse"
    """Refuse the save, naming every shortfall."""


class SettingInvalid(ValueError):
    """A setting's value is not one it accepts; the message says which values are."""


def parse_statutory_mode(value: Any) -> StatutoryMode:
    """The setting's text (empty: warn), case and surrounding spaces ignored."""
    text = "" if value is None else str(value).strip().lower()
    if not text:
        return StatutoryMode.WARN
    try:
        return StatutoryMode(text)
    except ValueError:
        raise SettingInvalid(
            f"{str(value).strip()!r} is not a choice: write 'warn' (publish and warn) or 'refuse' (refuse a "
            "policy that offers less than the law's minimum withdrawal period in a country it serves)."
        ) from None


def statutory_refusal(policy: Policy, mode: StatutoryMode) -> list[Shortfall]:
    """The shortfalls that make a save fail: all of them in refuse mode, none in warn mode."""
    if mode is not StatutoryMode.REFUSE:
        return []
    return shortfalls(policy)


def refusal_message(found: list[Shortfall]) -> str:
    """The text the Dashboard shows on the policy field."""
    lines = [f"{item.path}: [{item.code}] {item.message}" for item in found]
    return (
        f"The channel refuses policies below the statutory minimums ({STATUTORY_MINIMUMS}: refuse); "
        f"{len(found)} problem(s):\n" + "\n".join(lines)
    )
