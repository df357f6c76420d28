"""Enums every domain may use."""

import graphene

__all__ = ["OrderDirection"]


class OrderDirection(graphene.Enum):
    """Sort direction."""

    ASC = "asc"
    DESC = "desc"
