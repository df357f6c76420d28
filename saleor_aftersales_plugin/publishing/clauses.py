"""Condition trees in words: each leaf gets a *shape* with nicer phrasing where one fits, else the generic
"<label> <operator> <value>" of its variable (labels: rules/variables.py, translated in the language's tables).
"""

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ..i18n import humanise
from ..rules.actions import to_decimal
from ..rules.document import Policy
from ..rules.thresholds import threshold_amounts
from ..rules.variables import VARIABLES
from .language import Phrases

_COMPARISONS = {
    "greater_than": "gt",
    "greater_than_or_equal_to": "ge",
    "less_than": "lt",
    "less_than_or_equal_to": "le",
    "equal_to": "eq",
}
_DAY_VARIABLE = re.compile(r"^(business_)?days_since_(delivery|fulfilment|order)$")
_CODE_ALTERNATION = re.compile(r"^\^\(?((?:[A-Z]{2}\|)*[A-Z]{2})\)?\$$")
_NEGATED_ALTERNATION = re.compile(r"^\^\(\?!\(?((?:[A-Z]{2}\|)*[A-Z]{2})\)?\$\)(\.\*)?$")
_MONEY_VARIABLES = {"line_unit_price": "unit", "order_total": "order", "prior_returns_value": "prior_value"}
_IN_SHAPES = {
    "reason": ("reason_in", "reasons"),
    "case_kind": ("kind_in", "kinds"),
    "requested_resolution": ("resolution_in", "resolutions"),
    "item_condition": ("item_condition_in", "item_conditions"),
}
_SET_VARIABLES = {"category": "category", "collections": "collection"}


def is_empty(node: Mapping[str, Any]) -> bool:
    for key in ("all", "any"):
        if key in node:
            return not node[key] or all(is_empty(child) for child in node[key])
    return False


def _countries_of(node: Mapping[str, Any]) -> tuple[bool, list[str]] | None:
    """(negated, codes) when ``node`` only tests the shipping country against a list of codes."""
    if "any" in node:
        codes: list[str] = []
        for child in node["any"]:
            found = _countries_of(child)
            if found is None or found[0]:
                return None
            codes.extend(found[1])
        return (False, codes) if codes else None
    if node.get("name") != "shipping_country":
        return None
    value = str(node.get("value") or "")
    if node.get("operator") in ("equal_to", "equal_to_case_insensitive") and len(value) == 2:
        return False, [value.upper()]
    if node.get("operator") == "matches_regex":
        if match := _CODE_ALTERNATION.match(value):
            return False, match.group(1).split("|")
        if match := _NEGATED_ALTERNATION.match(value):
            return True, match.group(1).split("|")
    return None


def _same_variable_equalities(node: Mapping[str, Any]) -> tuple[str, list[str]] | None:
    """(variable, values) for 'any' of equal_to tests on one text variable (e.g. reason is A or B)."""
    children = node.get("any") or []
    names = {child.get("name") for child in children}
    if len(names) != 1 or not all(child.get("operator") == "equal_to" for child in children):
        return None
    (name,) = names
    return (name, [str(child.get("value")) for child in children]) if name in _IN_SHAPES else None


class ClauseWriter:
    def __init__(self, policy: Policy, phrases: Phrases) -> None:
        self.policy = policy
        self.ph = phrases
        self.currency = policy.defaults.currency

    def text(self, node: Mapping[str, Any], *, nested: bool = False) -> str:
        if is_empty(node):
            return ""
        countries = _countries_of(node)
        if countries is not None:
            return self._countries(*countries)
        if "any" in node and (same := _same_variable_equalities(node)):
            return self._in_shape(same[0], same[1], negated=False)
        for key, macro in (("all", "all_of"), ("any", "any_of")):
            if key in node:
                parts = [self.text(child, nested=True) for child in node[key] if not is_empty(child)]
                if len(parts) == 1:
                    return parts[0]
                joined = self.ph.and_list(parts) if key == "all" else self.ph.or_list(parts)
                text = self.ph.say(macro, parts=parts, joined=joined)
                return self.ph.say("group", text=text) if nested else text
        return self.leaf(node["name"], node["operator"], node.get("value"))

    def _countries(self, negated: bool, codes: Sequence[str]) -> str:
        names = self.ph.or_list(self.ph.country(code) for code in codes)
        return self.ph.say("clause_country_not_in" if negated else "clause_country_in", names=names)

    def _in_shape(self, variable: str, values: Sequence[str], negated: bool) -> str:
        shape, table = _IN_SHAPES[variable]
        words = self.ph.or_list(self._word(variable, table, value) for value in values)
        return self.ph.say(f"clause_{shape}", words=words, negated=negated)

    def _word(self, variable: str, table: str, value: str) -> str:
        """A value's phrase; a reason of the merchant's own catalogue is named by its label in the language."""
        if variable == "reason" and value not in self.ph.table(table):
            spec = self.policy.reason(value)
            if spec is not None:
                return self.ph.say("reason_label", label=spec.label(self.ph.language))
        return self.ph.word(table, value)

    def leaf(self, name: str, operator: str, value: Any) -> str:
        phrased = self._shaped(name, operator, value)
        if phrased:
            return phrased
        return self.generic(name, operator, value)

    def generic(self, name: str, operator: str, value: Any) -> str:
        label = self.ph.table("labels").get(name) or VARIABLES[name].label
        if isinstance(value, list | tuple):
            shown = self.ph.and_list(f"“{item}”" for item in value)
        elif value is None:
            shown = ""
        elif isinstance(value, bool):
            shown = str(value).lower()
        elif isinstance(value, int | float | Decimal):
            shown = self.ph.number(to_decimal(value))
        else:
            shown = f"“{value}”"
        words = self.ph.table("operators").get(operator) or operator.replace("_", " ")
        return self.ph.say("clause_generic", label=label, operator=words, value=shown)

    def _shaped(self, name: str, operator: str, value: Any) -> str | None:
        ph = self.ph
        if name in _IN_SHAPES and operator == "equal_to":
            return self._in_shape(name, [str(value)], negated=False)
        if day := _DAY_VARIABLE.match(name):
            if operator in _COMPARISONS:
                return ph.say(
                    "clause_days_since",
                    anchor=ph.word("anchors", day.group(2)),
                    business=bool(day.group(1)),
                    cmp=_COMPARISONS[operator],
                    number=ph.number(to_decimal(value)),
                )
        if name == "months_since_delivery" and operator in _COMPARISONS:
            return ph.say(
                "clause_months_since_delivery",
                cmp=_COMPARISONS[operator],
                number=ph.number(to_decimal(value)),
            )
        if name in _MONEY_VARIABLES and operator in _COMPARISONS:
            return ph.say(
                "clause_money",
                which=_MONEY_VARIABLES[name],
                cmp=_COMPARISONS[operator],
                amount=self._threshold(value),
                days=self.policy.defaults.prior_returns_days,
            )
        if name in ("prior_returns_count", "quantity") and operator in _COMPARISONS:
            return ph.say(
                "clause_count",
                which=name,
                cmp=_COMPARISONS[operator],
                number=ph.number(to_decimal(value)),
                days=self.policy.defaults.prior_returns_days,
            )
        if name in ("is_gift_card", "is_guest"):
            return ph.say(f"clause_{name}", negated=operator == "is_false")
        if name == "shipping_country" and (
            countries := _countries_of({"name": name, "operator": operator, "value": value})
        ):
            return self._countries(*countries)
        if name in _SET_VARIABLES and isinstance(value, list | tuple):
            names = [f"“{humanise(item)}”" for item in value]
            kind = _SET_VARIABLES[name]
            if operator in ("shares_at_least_one_element_with", "contains_all") and (
                len(value) == 1 or operator == "shares_at_least_one_element_with"
            ):
                return ph.say(f"clause_{kind}_in", names=ph.or_list(names), negated=False)
            if operator == "shares_no_elements_with":
                return ph.say(f"clause_{kind}_in", names=ph.or_list(names), negated=True)
        if name == "product_attributes" and isinstance(value, list | tuple):
            if operator in ("contains_all", "shares_at_least_one_element_with"):
                parts = [self._attribute(str(item)) for item in value]
                if len(parts) == 1:
                    return parts[0]
                if operator == "contains_all":
                    return ph.say("all_of", parts=parts, joined=ph.and_list(parts))
                return ph.say("any_of", parts=parts, joined=ph.or_list(parts))
        return None

    def _threshold(self, value: Mapping[str, Any]) -> str:
        """A money threshold in the channel's currency (without one there: the amounts it gives)."""
        amounts = threshold_amounts(value)
        if self.currency in amounts:
            return self.ph.money(amounts[self.currency], self.currency)
        return self.ph.or_list(self.ph.money(amount, currency) for currency, amount in amounts.items())

    def _attribute(self, item: str) -> str:
        slug, _, value = item.partition(":")
        if value.lower() == "true":
            return self.ph.say("clause_attribute_flag", attribute=humanise(slug))
        if value:
            return self.ph.say("clause_attribute_value", attribute=humanise(slug), value=value)
        return self.ph.say("clause_has_attribute", attribute=humanise(slug))
