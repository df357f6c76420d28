"""Enums of cases, with the stable codes of the domain."""

import graphene

from ...domain import cases as machine
from ...domain.facts import CaseKind, ItemCondition, Resolution

__all__ = [
    "AfterSalesCaseKind",
    "AfterSalesCaseStatus",
    "AfterSalesResolution",
    "CaseSortField",
    "ItemConditionEnum",
]


class AfterSalesCaseKind(graphene.Enum):
    class Meta:
        enum = CaseKind
        description = "What the customer asks for."


class AfterSalesCaseStatus(graphene.Enum):
    class Meta:
        enum = machine.CaseStatus
        description = "Where a case stands; each kind has its own state machine."


class AfterSalesResolution(graphene.Enum):
    class Meta:
        enum = Resolution
        description = "How a case is settled."


class ItemConditionEnum(graphene.Enum):
    class Meta:
        enum = ItemCondition
        name = "ItemCondition"
        description = "Condition of a returned item, recorded at inspection."


class CaseSortField(graphene.Enum):
    NUMBER = "number"
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    STATUS = "status"
    RESOLUTION_DUE = "resolution_due"
    FIRST_RESPONSE_DUE = "first_response_due"

    class Meta:
        description = "Fields cases can be sorted by."
