"""Enums every domain may use."""

import graphene

__all__ = ["OrderDirection"]


class OrderDirection(graphene.Enum):
    ASC = "asc"
    DESC = "desc"

    class Meta:
        description = "Sort direction."
