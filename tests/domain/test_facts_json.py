"""Case and order files (domain/facts_json.py): what they accept, and every problem with its JSON path."""

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from saleor_aftersales_plugin.domain.facts_json import (
    FactsInvalid,
    case_facts_from_dict,
    case_facts_to_dict,
    order_facts_from_dict,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CASE = json.loads(
    (EXAMPLES / "cases" / "tv-opened-5-days.json").read_text(encoding="utf-8"), parse_float=Decimal
)


def problems(change) -> list[tuple[str, str]]:
    data = copy.deepcopy(CASE)
    change(data)
    with pytest.raises(FactsInvalid) as raised:
        case_facts_from_dict(data)
    return raised.value.errors


def test_nothing_is_coerced():
    assert problems(lambda d: d["lines"][0].update(quantity="1")) == [
        ("$.lines[0].quantity", "'1' is not a whole number.")
    ]
    assert problems(lambda d: d["order"]["lines"][0]["product"].update(is_gift_card="no")) == [
        ("$.order.lines[0].product.is_gift_card", "'no' is not true or false.")
    ]
    assert problems(lambda d: d["order"].update(total=float("nan"))) == [
        ("$.order.total", 'nan is not an amount; write a number or a string such as "19.99".')
    ]
    assert problems(lambda d: d["order"].update(order_id=[1])) == [
        ("$.order.order_id", "a list is not text; write a JSON string.")
    ]


def test_absent_values_take_their_defaults_but_null_is_refused_where_a_value_is_expected():
    data = copy.deepcopy(CASE)
    line = data["order"]["lines"][0]
    for key in ("paid_total", "quantity_fulfilled"):
        line.pop(key, None)
    data.pop("history")
    data["order"]["customer_id"] = None
    facts = case_facts_from_dict(data)
    assert facts.order.lines[0].paid_total == facts.order.lines[0].unit_price * facts.order.lines[0].quantity
    assert facts.order.lines[0].quantity_fulfilled == facts.order.lines[0].quantity  # it was delivered
    assert facts.order.is_guest and facts.history.prior_returns_count == 0
    assert problems(lambda d: d["order"]["lines"][0].update(paid_total=None)) == [
        ("$.order.lines[0].paid_total", 'null is not an amount; write a number or a string such as "19.99".')
    ]


def test_unknown_keys_come_first_with_a_suggestion_then_the_fields_in_order():
    def change(data):
        data["lines"][0]["quantity"] = 0
        data["lines"][0]["conditon"] = "opened"
        data["order"]["currency"] = "EURO"
        data["order"]["lines"].append(copy.deepcopy(data["order"]["lines"][0]))

    assert problems(change) == [
        ("$.order.currency", "'EURO' is not an ISO 4217 code such as \"EUR\"."),
        ("$.order.lines[1].line_id", "Line id 'line-1' appears twice."),
        ("$.lines[0].conditon", "Unknown key 'conditon'. Did you mean 'condition'?"),
        ("$.lines[0].quantity", "0 is below 1."),
    ]


def test_requests_name_lines_of_the_order_even_when_the_order_has_other_problems():
    def change(data):
        data["order"]["total"] = "a lot"
        data["lines"][0]["line_id"] = "line-l"

    assert problems(change) == [
        ("$.order.total", "'a lot' is not an amount; write a number or a string such as \"19.99\"."),
        ("$.lines[0].line_id", "The order has no line 'line-l'. Did you mean 'line-1'?"),
    ]


def test_required_keys_shapes_and_a_whole_order_below_a_path():
    assert problems(lambda d: (d.pop("kind"), d.update(lines=[], order=[]))) == [
        ("$.kind", "Required."),
        ("$.order", "a list is not a mapping (JSON object)."),
        ("$.lines", "Must hold at least one line."),
    ]
    with pytest.raises(FactsInvalid) as raised:
        order_facts_from_dict({"order_id": "1", "channel": "c", "currency": "EUR", "total": 1}, "$.order")
    assert raised.value.errors == [("$.order.created_at", "Required."), ("$.order.lines", "Required.")]
    with pytest.raises(FactsInvalid) as raised:
        case_facts_from_dict("a case")  # type: ignore[arg-type]
    assert raised.value.errors == [("$", "'a case' is not a mapping (JSON object).")]


def test_a_case_round_trips_and_instants_become_utc():
    facts = case_facts_from_dict(CASE)
    assert case_facts_from_dict(case_facts_to_dict(facts)) == facts
    assert facts.now == datetime(2026, 3, 8, 17, 45, tzinfo=UTC)
    assert facts.order.currency == "EUR" and facts.order.shipping_country == "DE"
