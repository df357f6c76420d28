"""Cost limits of a GraphQL request, checked before graphql-core validates or executes anything.

Following Saleor (``saleor/graphql/core/validators``: an alias count limit, a mutation count limit and a query cost
computed from a cost map), but measured in one pass over the parsed document whose work is linear in its size:
graphql-core's own validation has a rule (overlapping fields) that is quadratic in the number of fields, so a
request must be known to be small before it runs. Fragments are measured once each (as if expanded, so a fragment
spread many times counts every time) and a cycle among fragments is refused here too.

Every caller has the same limits (:data:`LIMITS`, documented in the README). A request over a limit answers HTTP 400
with ``extensions.code`` ``QUERY_TOO_COMPLEX`` and, as Saleor does, ``extensions.exception.code`` ``QueryCostError``.
Introspection (``__schema``, ``__type``) is measured like any other selection; GraphiQL's introspection query fits.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from graphql.language import ast
from graphql.language.parser import parse

__all__ = ["LIMITS", "CostError", "Limits", "measure", "parse_within_limits"]


@dataclass(frozen=True)
class Limits:
    document_chars: int = 20_000
    """Length of the query text."""
    depth: int = 15
    """Nesting of selections, fragments expanded (GraphiQL's introspection query needs 13)."""
    fields: int = 500
    """Fields selected, fragments expanded."""
    aliases: int = 20
    """Aliased fields, fragments expanded."""
    mutations: int = 1
    """Mutation fields in one request: each mutation is a request of its own."""
    cost: int = 50
    """Sum of the root fields' costs (:data:`ROOT_FIELD_COSTS`, 1 for the others)."""
    fragments: int = 100
    """Fragment definitions in the document."""


LIMITS = Limits()

ROOT_FIELD_COSTS = {
    "returnEligibility": 10,
    "afterSalesPolicyForProduct": 5,
    "afterSalesCases": 10,
    "myAfterSalesCases": 5,
    "afterSalesStats": 25,
    "policySimulate": 50,
    "policyValidate": 10,
    "afterSalesOutbox": 5,
}
"""What a root field costs: the expensive ones evaluate a policy or read many rows (Saleor's COST_MAP idea)."""


class CostError(Exception):
    """The request is over one of the limits; ``limit`` names it (e.g. ``aliases``)."""

    def __init__(self, message: str, limit: str, maximum: int, actual: int | None) -> None:
        super().__init__(message)
        self.message = message
        self.limit = limit
        self.maximum = maximum
        self.actual = actual

    def as_graphql_error(self) -> dict[str, Any]:
        return {
            "message": self.message,
            "extensions": {
                "code": "QUERY_TOO_COMPLEX",
                "exception": {"code": "QueryCostError"},
                "limit": self.limit,
                "maximum": self.maximum,
                "actual": self.actual,
            },
        }


@dataclass
class _Size:
    depth: int = 0
    fields: int = 0
    aliases: int = 0


def _over(limit: str, maximum: int, actual: int | None, what: str) -> CostError:
    shown = f"more than {maximum}" if actual is None else str(actual)
    return CostError(
        f"The request has {shown} {what}; the maximum is {maximum}. Split it into smaller requests.",
        limit,
        maximum,
        actual,
    )


def parse_within_limits(query: str, limits: Limits = LIMITS) -> ast.Document:
    """Parse ``query`` if it is short enough; a document nested too deeply for the parser counts as too deep.

    Raises :class:`CostError`, or ``GraphQLSyntaxError`` for text that is not GraphQL.
    """
    if len(query) > limits.document_chars:
        raise _over("document_chars", limits.document_chars, len(query), "characters")
    try:
        return parse(query)
    except RecursionError:
        raise _over("depth", limits.depth, None, "levels of nesting") from None


def _selections(selection_set: ast.SelectionSet | None) -> Iterable[ast.Node]:
    return selection_set.selections if selection_set is not None else ()


class _Measure:
    def __init__(self, document: ast.Document, limits: Limits) -> None:
        self.limits = limits
        self.fragments: dict[str, ast.FragmentDefinition] = {}
        for definition in document.definitions:
            if isinstance(definition, ast.FragmentDefinition):
                self.fragments[definition.name.value] = definition
        if len(self.fragments) > limits.fragments:
            raise _over("fragments", limits.fragments, len(self.fragments), "fragment definitions")
        self.sizes: dict[str, _Size] = {}
        self.in_progress: set[str] = set()

    def fragment(self, name: str) -> _Size:
        size = self.sizes.get(name)
        if size is not None:
            return size
        definition = self.fragments.get(name)
        if definition is None:
            return _Size()  # graphql-core's validation reports the unknown fragment
        if name in self.in_progress:
            raise CostError(f"Fragment {name!r} spreads itself.", "fragments", self.limits.fragments, None)
        self.in_progress.add(name)
        size = self.selection_set(definition.selection_set)
        self.in_progress.discard(name)
        self.sizes[name] = size
        return size

    def selection_set(self, selection_set: ast.SelectionSet | None) -> _Size:
        """Depth, fields and aliases below ``selection_set``, without recursion over the selection tree."""
        total = _Size()
        # (node, depth of the field it is in); fragments add their measured size at that depth.
        stack: list[tuple[ast.Node, int]] = [(node, 0) for node in _selections(selection_set)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, ast.Field):
                total.fields += 1
                total.aliases += node.alias is not None
                total.depth = max(total.depth, depth + 1)
                stack.extend((child, depth + 1) for child in _selections(node.selection_set))
            elif isinstance(node, ast.InlineFragment):
                stack.extend((child, depth) for child in _selections(node.selection_set))
            elif isinstance(node, ast.FragmentSpread):
                size = self.fragment(node.name.value)
                total.fields += size.fields
                total.aliases += size.aliases
                total.depth = max(total.depth, depth + size.depth)
            self.check(total)
        return total

    def check(self, size: _Size) -> None:
        limits = self.limits
        if size.depth > limits.depth:
            raise _over("depth", limits.depth, size.depth, "levels of nesting")
        if size.fields > limits.fields:
            raise _over("fields", limits.fields, None, "fields")
        if size.aliases > limits.aliases:
            raise _over("aliases", limits.aliases, None, "aliases")

    def root_fields(self, selection_set: ast.SelectionSet) -> list[str]:
        names: list[str] = []
        stack: list[ast.Node] = list(_selections(selection_set))
        while stack:
            node = stack.pop()
            if isinstance(node, ast.Field):
                names.append(node.name.value)
            elif isinstance(node, ast.InlineFragment):
                stack.extend(_selections(node.selection_set))
            elif isinstance(node, ast.FragmentSpread) and node.name.value in self.fragments:
                # Measured above, so no cycle; each spread of the root counts again, like an expansion.
                stack.extend(_selections(self.fragments[node.name.value].selection_set))
            if len(names) > self.limits.fields:
                raise _over("fields", self.limits.fields, None, "fields")
        return names


def measure(document: ast.Document, operation_name: str | None = None, limits: Limits = LIMITS) -> int:
    """Check ``document`` against ``limits``; returns the cost of the operation that will run.

    Every operation of the document is measured (graphql-core validates them all). Raises :class:`CostError`.
    """
    measuring = _Measure(document, limits)
    for name in measuring.fragments:
        measuring.fragment(name)
    operations = [item for item in document.definitions if isinstance(item, ast.OperationDefinition)]
    chosen_cost = 0
    total = _Size()
    for operation in operations:
        size = measuring.selection_set(operation.selection_set)
        total.depth = max(total.depth, size.depth)
        total.fields += size.fields
        total.aliases += size.aliases
        measuring.check(total)
        roots = measuring.root_fields(operation.selection_set)
        if operation.operation == "mutation" and len(roots) > limits.mutations:
            raise _over("mutations", limits.mutations, len(roots), "mutations")
        cost = sum(ROOT_FIELD_COSTS.get(name, 1) for name in roots)
        if cost > limits.cost:
            raise CostError(
                f"The query exceeds the maximum cost of {limits.cost}. Actual cost is {cost}.",
                "cost",
                limits.cost,
                cost,
            )
        named = operation.name.value if operation.name else None
        if operation_name is None or named == operation_name:
            chosen_cost = cost
    return chosen_cost
