"""The published schema: the committed SDL is current, everything is described, and the documented examples run."""

import json
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from graphql.type.definition import GraphQLEnumType, GraphQLInputObjectType, GraphQLObjectType
from graphql_client import (
    CUSTOMER,
    GUEST,
    STAFF,
    call,
    line_gid,
    order_gid,
    published_order,
    record,
)

from saleor_aftersales_plugin.graphql.schema import SCHEMA_FILE, printed_schema, schema

DOCS = Path(__file__).resolve().parents[2] / "docs" / "graphql.md"
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


def _operation(query: str) -> str:
    return re.match(r"\s*(?:query|mutation)\s+(\w+)", query)[1]


def _euros(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def _window_end_read_three_ways(line: dict[str, Any]) -> bool:
    """The instant, the shop-local last minute (Berlin) and the sentence name the same moment."""
    end = datetime.fromisoformat(line["windowEndsAt"])
    last = (end - timedelta(minutes=1)).astimezone(ZoneInfo("Europe/Berlin"))
    day = last.date()
    return (
        line["windowEndsAtLocal"] == {"date": day.isoformat(), "time": "23:59", "timeZone": "Europe/Berlin"}
        and line["windowEndsText"] == f"until {day:%B} {day.day}, {day.year}, 23:59 Berlin time"
    )


def _shop_date(instant: str) -> str:
    return datetime.fromisoformat(instant).astimezone(ZoneInfo("Europe/Berlin")).date().isoformat()


# What a reader of each documented example looks at, by operation name: every example must have its check.
EXPECTED: dict[str, Any] = {
    "Policy": lambda p: (
        p["version"] == 1
        and p["effectiveDate"] == _shop_date(p["effectiveFrom"])
        and p["languages"] == ["en", "zh_Hans"]
        and p["text"].startswith("Volt Electronics: Returns, repairs and complaints policy\n")
        and "You can return items for any reason within 14 days after delivery." in p["text"]
    ),
    "ProductTerms": lambda p: (
        p["eligible"]
        and p["window"] == {"days": 14, "anchor": "delivery", "dayKind": "calendar"}
        and [(f["code"], f["amount"], f["estimate"]) for f in p["fees"]]
        == [("restocking", "15", _euros("74.85"))]
        and p["warrantyMonths"] == 24
        and p["summary"].startswith("Change of mind: returns within 14 days after delivery")
    ),
    "Reasons": lambda p: (
        p[0]
        == {
            "code": "no_reason",
            "label": "无理由退货",
            "parent": None,
            "countsAsDefect": False,
            "photosRequired": False,
            "noReason": True,
        }
        and [(r["code"], r["label"], r["countsAsDefect"]) for r in p[1:3]]
        == [("defective", "商品存在质量问题", True), ("damaged_in_transit", "运输途中损坏", True)]
    ),
    "Eligibility": lambda p: (
        p["eligible"]
        and p["refundEstimate"] == _euros("499.00")
        and p["storeCreditEstimate"] == _euros("523.95")
        and p["allowedResolutions"] == ["REFUND", "STORE_CREDIT", "EXCHANGE"]
        and [(line["eligible"], line["fees"], line["refundEstimate"]) for line in p["lines"]]
        == [(True, [], _euros("499.00"))]
        and _window_end_read_three_ways(p["lines"][0])
        and (p["lines"][0]["productName"], p["lines"][0]["sku"]) == ("55-inch TV", "TV-55")
    ),
    "RequestReturn": lambda p: (
        p["errors"] == []
        and p["case"]["status"] == "REQUESTED"
        and p["case"]["refund"] == _euros("499.00")
        and [(line["quantity"], line["eligible"]) for line in p["case"]["lines"]] == [(1, True)]
    ),
    "MyCase": lambda p: (
        (p["kind"], p["status"]) == ("RETURN", "REQUESTED")
        and p["refund"] == _euros("499.00")
        and p["fees"] == _euros("0.00")
        and p["deadlines"]["firstResponseDue"]
        and [event["type"] for event in p["events"]] == ["created"]
    ),
    "MyCaseLines": lambda p: (
        [(line["productName"], line["quantity"]) for line in p["lines"]] == [("55-inch TV", 1)]
        and p["lines"][0]["reasons"]
        == p["lines"][0]["reasonTexts"]
        == []  # a no-reason return: nothing to explain
        and _window_end_read_three_ways(p["lines"][0])
    ),
    "MyCases": lambda p: (
        p["totalCount"] == 1
        and [(e["node"]["kind"], e["node"]["status"]) for e in p["edges"]] == [("RETURN", "REQUESTED")]
    ),
    "GuestEligibility": lambda p: p["eligible"] and [line["eligible"] for line in p["lines"]] == [True, True],
    "Complain": lambda p: (
        p["errors"] == [] and (p["case"]["status"], p["case"]["category"]) == ("OPEN", "LOGISTICS")
    ),
    "GuestReply": lambda p: (
        p["errors"] == []
        and p["case"]["events"][-1]
        == {"type": "reply", "message": "Photos of the box are attached to my email."}
    ),
    "Queue": lambda p: (
        p["totalCount"] == 1
        and [(e["node"]["kind"], e["node"]["status"], e["node"]["assignee"]) for e in p["edges"]]
        == [("RETURN", "REQUESTED", "")]
    ),
    "Approve": lambda p: p["errors"] == [] and p["case"]["status"] == "AWAITING_RETURN",
    "Note": lambda p: p["errors"] == [],
    "Assign": lambda p: p["errors"] == [] and p["case"]["assignee"] == "eve@volt.example",
    "Received": lambda p: p["errors"] == [] and p["case"]["status"] == "RECEIVED",
    "Inspect": lambda p: (
        p["errors"] == []
        and p["case"]["status"] == "INSPECTED"
        and p["case"]["fees"] == _euros("74.85")
        and p["case"]["refund"] == _euros("424.15")
        and p["case"]["lines"]
        == [{"condition": "OPENED", "fee": {"amount": "74.85"}, "refund": {"amount": "424.15"}}]
    ),
    "Refund": lambda p: (
        p["errors"] == []
        and (p["case"]["status"], p["case"]["resolution"]) == ("RESOLVED", "REFUND")
        and p["case"]["refund"] == _euros("424.15")
        and any(
            e["type"] == "refund_issued" and e["payload"]["amount"] == "424.15" for e in p["case"]["events"]
        )
    ),
    "Escalate": lambda p: p["errors"] == [] and p["case"]["escalationTier"] == 1,
    "Answer": lambda p: p["errors"] == [] and p["case"]["status"] == "RESPONDED",
    "Stats": lambda p: (
        p["cases"] == 2
        and sorted((k["kind"], k["count"]) for k in p["byKind"]) == [("COMPLAINT", 1), ("RETURN", 1)]
        and p["escalations"]["total"] == 1
        and p["figures"]["money"]["EUR"]["refunds"] == "424.15"
    ),
    "ValidateStatutory": lambda p: (
        p["valid"] is True
        and [(w["path"], w["code"]) for w in p["policyWarnings"]]
        == [("$.defaults.window", "below_statutory_minimum")]
        and p["policyWarnings"][0]["message"].startswith(
            "For orders delivered to FR, a return without a reason gets 10 calendar days from delivery, but the law "
            "gives consumers 14 days"
        )
        and "Directive 2011/83/EU" in p["policyWarnings"][0]["message"]
    ),
    "Validate": lambda p: (
        p["valid"] is False
        and p["policyErrors"]
        == [
            {
                "path": "$.rules[0].actions[0].params.amount",
                "code": "out_of_range",
                "message": "add_fee.amount is 150 %, but a percent fee must be between 0 and 100 %.",
            }
        ]
    ),
}


def test_every_documented_example_has_a_check_of_what_its_reader_reads():
    names = [_operation(query) for _, query, _ in examples()]
    assert len(names) == len(set(names)), "give every documented example its own operation name"
    assert set(names) == set(EXPECTED), set(names) ^ set(EXPECTED)


@pytest.mark.django_db
def test_documented_examples_run_as_written():
    order = published_order()
    guest_order = record(customer_id=None, customer_email="guest@example.com")
    values = {"order": order_gid(order), "tv": line_gid(order, 0), "guestOrder": order_gid(guest_order)}
    for options, query, raw_variables in examples():
        text = re.sub(r"\{\{(\w+)\}\}", lambda m: values[m[1]], raw_variables)
        response = call(query, json.loads(text), PRINCIPALS[options["as"]])
        assert not response.get("errors"), (query, response)
        (name, payload), *_ = response["data"].items()
        assert payload is not None, query
        if isinstance(payload, dict) and "errors" in payload:
            assert payload["errors"] == [], (query, payload)
        assert EXPECTED[_operation(query)](payload), (query, payload)
        if "saves" in options:
            values[options["saves"]] = payload["case"]["id"]
    assert {"case", "complaint"} <= set(values)
