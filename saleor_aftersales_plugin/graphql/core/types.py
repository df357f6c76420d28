"""Types every domain uses: money, and lists of non-null items."""

from decimal import Decimal as PyDecimal
from typing import Any

import graphene

from ...domain.money import quantize
from .scalars import Decimal

__all__ = ["Money", "NonNullList", "money"]


class NonNullList(graphene.List):
    """A list whose items are never null (``[Type!]``)."""

    def __init__(self, of_type: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(graphene.NonNull(of_type), *args, **kwargs)


class Money(graphene.ObjectType):
    """An amount of money in a currency."""

    amount = Decimal(required=True, description="The amount as a decimal string at the currency's precision.")
    currency = graphene.String(required=True, description="ISO 4217 currency code.")


def money(amount: PyDecimal | str | None, currency: str) -> dict[str, Any] | None:
    if amount is None:
        return None
    return {"amount": quantize(PyDecimal(str(amount)), currency), "currency": currency}
