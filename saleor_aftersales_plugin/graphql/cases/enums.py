"""Enums of cases, with the stable codes of the domain."""

import graphene

from ...domain import cases as machine
from ...domain.facts import CaseKind, ItemCondition, Resolution
from ..core.types import NonNullList

__all__ = [
    "AfterSalesCaseKind",
    "AfterSalesCaseStatus",
    "AfterSalesResolution",
    "CaseSortField",
    "ItemConditionEnum",
    "resolutions_offered",
]


class AfterSalesCaseKind(graphene.Enum):
    """What the customer asks for."""

    class Meta:
        enum = CaseKind


class AfterSalesCaseStatus(graphene.Enum):
    """Where a case stands; each kind has its own state machine."""

    class Meta:
        enum = machine.CaseStatus


class AfterSalesResolution(graphene.Enum):
    """How a case is settled."""

    class Meta:
        enum = Resolution


def resolutions_offered(scope: str = "", *, required: bool = True) -> NonNullList:
    """The field of the resolutions the policy offers (``scope`` says for what, e.g. "for this line")."""
    description = f"Resolutions offered {scope}." if scope else "Resolutions offered."
    return NonNullList(AfterSalesResolution, required=required, description=description)


class ItemConditionEnum(graphene.Enum):
    """Condition of a returned item, recorded at inspection."""

    class Meta:
        enum = ItemCondition
        name = "ItemCondition"


class CaseSortField(graphene.Enum):
    """Fields cases can be sorted by."""

    NUMBER = "number"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    STATUS = "status"
    RESOLUTION_DUE = "resolution_due"
    FIRST_RESPONSE_DUE = "first_response_due"
