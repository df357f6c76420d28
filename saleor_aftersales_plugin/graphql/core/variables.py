"""Whole numbers in a request's variables, checked as GraphQL says an Int input is read.

graphql-core 2 reads a variable of type ``Int`` with Python's ``int()``: ``2.9`` becomes 2, ``"1"`` becomes 1 and
``true`` stays ``True`` (a bool is an int), and ``"x"`` fails with Python's own words. The specification accepts only
integers; this check refuses everything else, naming the variable and the place inside it, before the operation runs.
"""

import json
from collections.abc import Mapping
from typing import Any

from graphql import GraphQLError
from graphql.language import ast
from graphql.type import GraphQLInputObjectType, GraphQLList, GraphQLNonNull, GraphQLSchema
from graphql.type.scalars import GraphQLInt
from graphql.utils.type_from_ast import type_from_ast

MAX_ERRORS = 10
"""At most this many errors are reported for one request."""


def _operation(document: ast.Document, operation_name: str | None) -> ast.OperationDefinition | None:
    operations = [node for node in document.definitions if isinstance(node, ast.OperationDefinition)]
    if operation_name is not None:
        return next((node for node in operations if node.name and node.name.value == operation_name), None)
    return operations[0] if len(operations) == 1 else None


def _is_whole_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and value.is_integer()  # 2.0, as JSON clients may write 2


def _shown(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 40 else text[:37] + "..."


def whole_number_errors(
    schema: GraphQLSchema, document: ast.Document, operation_name: str | None, variables: Mapping[str, Any]
) -> list[GraphQLError]:
    """An error for each value given for an ``Int`` (in a variable, a list or an input object) that is not a whole
    number; none when the operation is not found (graphql-core then says why)."""
    operation = _operation(document, operation_name)
    if operation is None:
        return []
    errors: list[GraphQLError] = []
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        if name not in variables:
            continue
        root = f"${name}"
        stack: list[tuple[Any, Any, str]] = [(type_from_ast(schema, definition.type), variables[name], root)]
        while stack and len(errors) < MAX_ERRORS:
            graphql_type, value, place = stack.pop()
            if isinstance(graphql_type, GraphQLNonNull):
                graphql_type = graphql_type.of_type
            if value is None:
                continue
            if isinstance(graphql_type, GraphQLList):
                items = value if isinstance(value, list) else [value]
                stack.extend(
                    (graphql_type.of_type, item, f"{place}[{index}]" if isinstance(value, list) else place)
                    for index, item in enumerate(items)
                )
            elif isinstance(graphql_type, GraphQLInputObjectType) and isinstance(value, Mapping):
                stack.extend(
                    (field.type, value[field_name], f"{place}.{field_name}")
                    for field_name, field in graphql_type.fields.items()
                    if field_name in value
                )
            elif graphql_type is GraphQLInt and not _is_whole_number(value):
                where = f" at {place}" if place != root else ""
                errors.append(
                    GraphQLError(
                        f'Variable "${name}" got invalid value {_shown(value)}{where}: '
                        "a whole number is needed, e.g. 2.",
                        [definition],
                    )
                )
    return errors
