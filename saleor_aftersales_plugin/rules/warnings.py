"""What ``policy check`` warns about in a valid policy: what it decides is allowed, but probably not what the
merchant means.

- ``no_threshold_in_currency``: a money condition gives no threshold in ``defaults.currency``, the currency the
  channel's orders are in, so for those orders it never matches (amounts are never converted);
- ``below_statutory_minimum``: less than the law gives consumers in a country the policy serves
  (:mod:`.statutory`).
"""

from dataclasses import dataclass

from ..domain.wording import json_path
from .document import Policy
from .statutory import Shortfall, shortfalls
from .thresholds import threshold_amounts
from .variables import MONEY_VARIABLES, condition_leaves

__all__ = ["NO_THRESHOLD_IN_CURRENCY", "ThresholdWithoutCurrency", "policy_warnings", "threshold_warnings"]

NO_THRESHOLD_IN_CURRENCY = "no_threshold_in_currency"


@dataclass(frozen=True)
class ThresholdWithoutCurrency:
    """A money condition without an amount in the channel's currency."""

    path: str
    variable: str
    operator: str
    currency: str
    given: tuple[str, ...]
    code: str = NO_THRESHOLD_IN_CURRENCY

    @property
    def message(self) -> str:
        return (
            f"{self.variable} {self.operator} gives a threshold in {', '.join(self.given)} but not in "
            f"{self.currency}, the currency of defaults.currency that this channel's orders are in; amounts are "
            f"never converted, so for those orders this condition never matches. Add a {self.currency} amount if "
            "it should."
        )

    def __str__(self) -> str:
        return f"{self.path}: [{self.code}] warning: {self.message}"


PolicyWarning = ThresholdWithoutCurrency | Shortfall


def threshold_warnings(policy: Policy) -> list[ThresholdWithoutCurrency]:
    """Every money condition without a threshold in ``defaults.currency``, in document order."""
    currency = policy.defaults.currency
    found = []
    for rule in policy.rules:
        for path, leaf in condition_leaves(rule.conditions):
            if leaf["name"] not in MONEY_VARIABLES or leaf.get("value") is None:
                continue
            given = tuple(threshold_amounts(leaf["value"]))
            if currency not in given:
                where = json_path(("rules", rule.position, "conditions", *path, "value"))
                found.append(ThresholdWithoutCurrency(where, leaf["name"], leaf["operator"], currency, given))
    return found


def policy_warnings(policy: Policy) -> list[PolicyWarning]:
    """Everything ``policy check`` warns about: thresholds without the channel's currency, then statutory
    shortfalls."""
    return [*threshold_warnings(policy), *shortfalls(policy)]
