"""The published schema: the committed SDL is current, everything is described, and the documented examples run."""

import json
import re
from pathlib import Path

import pytest
from graphql.type.definition import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType
from test_graphql_api import (
    CUSTOMER,
    GUEST,
    STAFF,
    cable_line,
    call,
    line_gid,
    order_gid,
    publish_example,
    record,
    tv_line,
)

from saleor_aftersales_plugin.graphql.schema import SCHEMA_FILE, printed_schema, schema

DOCS = Path(__file__).resolve().parent.parent / "docs" / "graphql.md"
EXAMPLE = re.compile(
    r"<!-- example: (?P<options>[^>]*?) -->\s*```graphql\n(?P<query>.*?)```(?:\s*```json\n(?P<variables>.*?)```)?",
    re.S,
)
PRINCIPALS = {"customer": CUSTOMER, "guest": GUEST, "staff": STAFF}


def test_committed_schema_is_current():
    assert SCHEMA_FILE.read_text(encoding="utf-8") == printed_schema(), (
        "saleor_aftersales_plugin/graphql/schema.graphql is stale: regenerate it with "
        "`python -m saleor_aftersales_plugin.graphql.schema` and commit it."
    )


def test_every_type_field_and_argument_is_described():
    missing = []
    for name, graphql_type in schema.get_type_map().items():
        if name.startswith("__") or not isinstance(
            graphql_type, GraphQLObjectType | GraphQLInputObjectType | GraphQLEnumType
        ):
            continue
        if not (graphql_type.description or "").strip():
            missing.append(name)
        if isinstance(graphql_type, GraphQLEnumType):
            continue
        for field_name, field in graphql_type.fields.items():
            if not (field.description or "").strip():
                missing.append(f"{name}.{field_name}")
            for argument_name, argument in (getattr(field, "args", None) or {}).items():
                if not (argument.description or "").strip():
                    missing.append(f"{name}.{field_name}({argument_name})")
    assert not missing, f"add descriptions to: {', '.join(missing)}"


def examples() -> list[tuple[dict[str, str], str, dict]]:
    found = []
    for match in EXAMPLE.finditer(DOCS.read_text(encoding="utf-8")):
        options = dict(item.split("=", 1) for item in match["options"].split())
        found.append((options, match["query"], match["variables"] or "{}"))
    return found


def test_docs_have_storefront_and_staff_examples():
    roles = [options["as"] for options, _, _ in examples()]
    assert roles.count("customer") >= 3 and roles.count("guest") >= 3 and roles.count("staff") >= 6


@pytest.mark.django_db
def test_documented_examples_run_as_written():
    publish_example()
    order = record()
    guest_order = record((tv_line(), cable_line()), customer_id=None, customer_email="guest@example.com")
    values = {"order": order_gid(order), "tv": line_gid(order, 0), "guestOrder": order_gid(guest_order)}
    for options, query, raw_variables in examples():
        text = re.sub(r"\{\{(\w+)\}\}", lambda m: values[m[1]], raw_variables)
        response = call(query, json.loads(text), PRINCIPALS[options["as"]])
        assert not response.get("errors"), (query, response)
        (name, payload), *_ = response["data"].items()
        assert payload is not None, query
        if isinstance(payload, dict) and "errors" in payload:
            assert payload["errors"] == [], (query, payload)
        if "saves" in options:
            values[options["saves"]] = payload["case"]["id"]
    assert {"case", "complaint"} <= set(values)
