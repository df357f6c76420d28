"""Money in conditions: a money variable (``order_total``, ``line_unit_price``, ``prior_returns_value``) is an amount
in the order's currency, compared with a threshold written per currency; an amount is never converted.

A threshold in the published (canonical) document is a map of currency to decimal text, e.g.
``{"EUR": "100.00", "JPY": "15000"}``. A condition whose threshold has no amount in the order's currency does not
match, whatever its operator, and its trace says why (:func:`missing_currency_note`).

:class:`MoneyType` is the business-rules type of money variables: business-rules' own ``run`` (the reference engine)
compares through it, with the same arithmetic as its ``NumericType`` once the currency has an amount, and the
compiled engine calls the same :func:`compare`.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from business_rules.operators import BaseType, NumericType, export_type, type_operator

from ..domain.money import exact_decimal, has_currency_precision, quantize

__all__ = [
    "FIELD_MONEY",
    "AmountIn",
    "MoneyType",
    "amount_text",
    "compare",
    "missing_currency_note",
    "threshold_amounts",
    "threshold_in",
]

FIELD_MONEY = "money"
"""The business-rules input type of a money threshold (beside business-rules' own text, numeric, select...)."""

_EPSILON = NumericType.EPSILON

COMPARISONS: dict[str, Callable[[Decimal, Decimal], bool]] = {
    "equal_to": lambda value, limit: abs(value - limit) <= _EPSILON,
    "greater_than": lambda value, limit: (value - limit) > _EPSILON,
    "greater_than_or_equal_to": lambda value, limit: (
        (value - limit) > _EPSILON or abs(value - limit) <= _EPSILON
    ),
    "less_than": lambda value, limit: (limit - value) > _EPSILON,
    "less_than_or_equal_to": lambda value, limit: (
        (limit - value) > _EPSILON or abs(value - limit) <= _EPSILON
    ),
}
"""business-rules' ``NumericType`` operators as (value, limit) -> bool, for numbers and for money alike."""


@dataclass(frozen=True, slots=True)
class AmountIn:
    """The value of a money variable: an amount (not rounded to the currency) and the currency it is in."""

    amount: Decimal
    currency: str

    def as_trace(self) -> dict[str, Any]:
        return {"amount": self.amount, "currency": self.currency}


def threshold_amounts(threshold: Mapping[str, Any]) -> dict[str, Decimal]:
    """A valid threshold (``{CUR: amount, ...}`` or ``{amount, currency}``) as an exact Decimal per currency."""
    if "currency" in threshold and "amount" in threshold:
        return {str(threshold["currency"]): exact_decimal(threshold["amount"])}
    return {str(currency): exact_decimal(amount) for currency, amount in threshold.items()}


def amount_text(amount: Decimal, currency: str) -> str:
    """An amount as decimal text in its currency's decimals ("100.00", "15000"); one with more (a unit price, a
    stored threshold) keeps them all."""
    if has_currency_precision(amount, currency):
        return str(quantize(amount, currency))
    return str(amount.normalize())


def threshold_in(threshold: Mapping[str, Any], currency: str) -> Decimal | None:
    """The threshold's amount in ``currency``, or None when it gives none there (it is never converted)."""
    return threshold_amounts(threshold).get(currency)


def missing_currency_note(threshold: Mapping[str, Any], currency: str) -> str:
    """The trace's explanation of a money condition that has no amount in the order's currency."""
    given = ", ".join(threshold_amounts(threshold))
    return (
        f"no threshold in {currency or 'the order currency'} (it gives {given}; amounts are never converted), "
        "so the condition does not match"
    )


def compare(operator: str, value: AmountIn, threshold: Mapping[str, Decimal]) -> bool:
    """Whether ``value`` passes ``operator`` against ``threshold`` (Decimal per currency); False when the threshold
    has no amount in the value's currency."""
    limit = threshold.get(value.currency)
    return limit is not None and COMPARISONS[operator](value.amount, limit)


@export_type
class MoneyType(BaseType):
    """business-rules' type of money variables: the numeric comparisons, in the value's currency only."""

    name = "money"

    def _assert_valid_value_and_cast(self, value: Any) -> AmountIn:
        if not isinstance(value, AmountIn):
            raise AssertionError(f"{value!r} is not an amount with its currency.")
        return value


def _money_operator(operator: str) -> Callable[[MoneyType, Mapping[str, Any]], bool]:
    def method(self: MoneyType, threshold: Mapping[str, Any]) -> bool:
        return compare(operator, self.value, threshold_amounts(threshold))

    method.__name__ = operator
    return type_operator(FIELD_MONEY, assert_type_for_arguments=False)(method)


for _operator in COMPARISONS:  # the operators of NumericType, each limited to the value's currency
    setattr(MoneyType, _operator, _money_operator(_operator))
