"""Relay connections on :class:`graphene.relay.Connection`: pages of at most :data:`MAX_PAGE` items, forward
(``first`` and ``after``), with the total count."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import graphene
from graphql_relay.connection.arrayconnection import connection_from_list_slice, cursor_to_offset

from ...services import ServiceError
from .types import NonNullList

__all__ = ["MAX_PAGE", "CountableConnection", "Page", "PageInfo"]

MAX_PAGE = 100


class PageInfo(graphene.ObjectType):
    """Relay page information."""

    has_next_page = graphene.Boolean(required=True, description="Whether more items follow.")
    has_previous_page = graphene.Boolean(required=True, description="Whether items precede.")
    start_cursor = graphene.String(description="Cursor of the first item.")
    end_cursor = graphene.String(description="Cursor of the last item.")


MAX_CURSOR_POSITION = 2**31 - 1
"""Cursors name positions below this (PostgreSQL offsets are bigints; no list here is that long)."""


@dataclass(frozen=True)
class Page:
    """Which items a request asks for: ``limit`` items from ``offset``."""

    offset: int
    limit: int

    @classmethod
    def of(cls, first: int | None, after: str | None = None) -> "Page":
        """The page of the arguments ``first`` and ``after``; INVALID on the argument out of bounds."""
        limit = MAX_PAGE if first is None else first
        if limit < 0 or limit > MAX_PAGE:
            raise ServiceError(f"first must be between 0 and {MAX_PAGE}, got {first}.", field="first")
        if not after:
            return cls(0, limit)
        position = cursor_to_offset(after)
        if position is None or not 0 <= position < MAX_CURSOR_POSITION:
            raise ServiceError(f"{after!r} is not a cursor of this list.", field="after")
        return cls(position + 1, limit)


class CountableConnection(graphene.relay.Connection):
    """A connection with non-null edges and nodes and ``totalCount``, described by the subclass.

    The subclass describes its edge in an inner class ``Edge`` (``node`` and ``cursor``) and names the
    descriptions of the edge type, the ``edges`` and ``pageInfo`` fields in ``Meta``.
    """

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(
        cls,
        edge_description: str = "",
        edges_description: str = "",
        page_info_description: str = "",
        **options: Any,
    ) -> None:
        edge_fields = cls.Edge
        super().__init_subclass_with_meta__(**options)
        # Relay's own edge and fields allow nulls and say nothing of this connection: replace them. The edge is
        # named after the node (``AfterSalesCaseEdge``), as the schema has always named it.
        edge_meta = type(
            "Meta", (), {"name": f"{cls._meta.node._meta.name}Edge", "description": edge_description}
        )
        cls.Edge = type(edge_meta.name, (edge_fields, graphene.ObjectType), {"Meta": edge_meta})
        declared = [
            (name, field) for name, field in cls._meta.fields.items() if name not in ("edges", "page_info")
        ]
        cls._meta.fields.clear()
        cls._meta.fields["edges"] = graphene.Field(
            NonNullList(cls.Edge), required=True, description=edges_description
        )
        cls._meta.fields["page_info"] = graphene.Field(
            PageInfo, required=True, description=page_info_description
        )
        cls._meta.fields.update(declared)

    @classmethod
    def of(cls, items: Sequence[Any], total: int, page: Page) -> "CountableConnection":
        """The connection of ``items``, the page at ``page.offset`` of ``total`` items."""
        connection = connection_from_list_slice(
            items,
            {"first": page.limit},
            connection_type=cls,
            edge_type=cls.Edge,
            pageinfo_type=PageInfo,
            slice_start=page.offset,
            list_length=total,
        )
        # Relay tells of preceding items only when paging backwards; this list always does.
        connection.page_info.has_previous_page = page.offset > 0
        connection.total_count = total
        return connection
