"""Scalars of the API beyond graphene's: a Decimal that refuses text that is not a number, and JSON."""

from decimal import Decimal as PyDecimal
from typing import Any

import graphene
from graphene.types.generic import GenericScalar

__all__ = ["JSON", "Decimal"]


class JSON(GenericScalar):
    """Arbitrary JSON data (objects, lists, strings, numbers, booleans, null)."""


class Decimal(graphene.Decimal):
    """Graphene's Decimal, but text that is not a number is refused instead of failing inside the parser.

    Non-finite and out-of-range values are parsed so that the argument check can name the field they are in.
    """

    class Meta:
        name = "Decimal"

    @staticmethod
    def parse_value(value: Any) -> PyDecimal | None:
        if isinstance(value, bool) or not isinstance(value, str | int | float | PyDecimal):
            return None
        try:
            return PyDecimal(str(value).strip())
        except ArithmeticError:
            return None

    @classmethod
    def parse_literal(cls, node: Any) -> PyDecimal | None:
        value = getattr(node, "value", None)
        return cls.parse_value(value) if isinstance(value, str) else None
