"""A line whose refund would be 0.00 after fees: the customer is told why, with the fees, and the policy's
defaults.zero_refund decides (review by default, refuse or allow) — never a silent automatic approval at 0.00."""

import copy
from typing import Any

import pytest
from graphql_client import (
    CUSTOMER,
    cable_line,
    call,
    example_document,
    line_gid,
    ok,
    order_gid,
    record,
    tv_line,
)

from saleor_aftersales_plugin.rules.validation import validate_policy
from saleor_aftersales_plugin.services import policies

QUERY = """query($order: ID!, $lines: [LineQuantityInput!], $language: String) {
  returnEligibility(order: $order, lines: $lines, reason: "changed_mind", language: $language) {
    eligible reviewRequired refundEstimate { amount } feesTotal { amount }
    lines { eligible reviewRequired reasons { code text } refundEstimate { amount } } } }"""
CREATE = """mutation($input: ReturnRequestCreateInput!) { returnRequestCreate(input: $input) {
  errors { field code message } case { status refund { amount } lines { eligible reasons refund { amount } } } } }"""

CABLE_TEXT = "After the return shipping fee (the return label) of €19.90, the refund for this item would be €0.00 of the €19.90 you paid."


def publish(zero_refund: str | None, *, line_fee: bool = False) -> None:
    source, document, source_format = example_document()
    data = copy.deepcopy(document)
    if zero_refund is not None:
        data["defaults"]["zero_refund"] = zero_refund
    action = (
        {
            "name": "add_fee",
            "params": {
                "code": "return_shipping",
                "kind": "fixed",
                "amount": {"EUR": "25.00"},
                "scope": "line",
            },
        }
        if line_fee
        else {"name": "charge_return_shipping", "params": {"amount": {"amount": "25.00", "currency": "EUR"}}}
    )
    data["rules"].append(
        {
            "id": "cable-label",
            "conditions": {
                "all": [
                    {"name": "category", "operator": "shares_at_least_one_element_with", "value": ["cables"]}
                ]
            },
            "actions": [action],
        }
    )
    assert validate_policy(data) == []
    policies.publish_policy("volt", data, source, source_format)


def ask(order, indexes: list[int], language: str = "en") -> dict[str, Any]:
    lines = [{"lineId": line_gid(order, index), "quantity": 1} for index in indexes]
    return ok(
        call(QUERY, {"order": order_gid(order), "lines": lines, "language": language}, CUSTOMER),
        "returnEligibility",
    )


def request(order, indexes: list[int]) -> dict[str, Any]:
    lines = [{"lineId": line_gid(order, index), "quantity": 1} for index in indexes]
    variables = {"input": {"order": order_gid(order), "lines": lines, "reason": "changed_mind"}}
    return call(CREATE, variables, CUSTOMER)["data"]["returnRequestCreate"]


@pytest.fixture
def cable_order(db):
    return record((cable_line(),))


def test_by_default_the_customer_reads_why_and_staff_review_instead_of_an_automatic_approval(cable_order):
    publish(None)
    answer = ask(cable_order, [0])
    (line,) = answer["lines"]
    assert answer["eligible"] and answer["reviewRequired"] and line["reviewRequired"]
    assert answer["refundEstimate"] == {"amount": "0.00"} and answer["feesTotal"] == {"amount": "19.90"}
    assert line["reasons"] == [
        {
            "code": "refund_zero_after_fees",
            "text": CABLE_TEXT + " Our team reviews this request before anything is approved.",
        }
    ]
    chinese = ask(cable_order, [0], "zh_Hans")["lines"][0]["reasons"][0]["text"]
    assert (
        chinese
        == "扣除退货运费（退货面单） €19.90后，该商品的退款为 €0.00（您实付 €19.90）。我们的团队会先审核此申请，不会自动批准。"
    )
    created = request(cable_order, [0])
    assert created["errors"] == []
    # The small-items rule approves items under 50 EUR at once; a 0.00 refund waits for staff instead.
    assert created["case"]["status"] == "REQUESTED" and created["case"]["refund"] == {"amount": "0.00"}
    assert created["case"]["lines"][0]["reasons"] == ["refund_zero_after_fees"]


def test_refuse_makes_the_line_ineligible_with_the_reason_and_the_request_is_refused(cable_order):
    publish("refuse")
    answer = ask(cable_order, [0])
    (line,) = answer["lines"]
    assert not answer["eligible"] and not line["eligible"]
    assert answer["refundEstimate"] == {"amount": "0.00"} and answer["feesTotal"] == {"amount": "0.00"}
    assert line["reasons"] == [
        {
            "code": "refund_zero_after_fees",
            "text": CABLE_TEXT
            + " It therefore cannot be returned for money back; ask for an exchange if one is offered.",
        }
    ]
    created = request(cable_order, [0])
    assert created["case"] is None
    assert [(e["code"], e["field"]) for e in created["errors"]] == [("NOT_ELIGIBLE", "lines.0")]
    assert created["errors"][0]["message"] == (
        "HDMI cable cannot be returned: After the fees nothing would be refunded."
    )


def test_refuse_decides_the_other_lines_without_the_refused_ones_fees(db):
    publish("refuse", line_fee=True)
    order = record((tv_line(), cable_line()))
    answer = ask(order, [0, 1])
    assert [line["eligible"] for line in answer["lines"]] == [True, False]
    assert (
        answer["eligible"]
        and answer["refundEstimate"] == {"amount": "499.00"}
        and answer["feesTotal"] == {"amount": "0.00"}
    )
    assert answer["lines"][1]["reasons"][0]["text"].startswith(CABLE_TEXT)


def test_allow_keeps_the_line_eligible_and_says_so(cable_order):
    publish("allow")
    answer = ask(cable_order, [0])
    (line,) = answer["lines"]
    assert line["eligible"] and not answer["reviewRequired"]
    assert line["reasons"][0]["text"] == CABLE_TEXT + " If you go ahead, you receive nothing back for it."
    created = request(cable_order, [0])
    assert created["case"]["status"] == "AWAITING_RETURN" and created["case"]["refund"] == {"amount": "0.00"}


def test_a_line_with_money_left_after_fees_is_unaffected(db):
    publish("refuse")
    order = record((tv_line(),))
    (line,) = ask(order, [0])["lines"]
    assert line["eligible"] and line["reasons"] == [] and line["refundEstimate"] == {"amount": "499.00"}


def test_the_option_is_validated_with_a_suggestion():
    source, document, _ = example_document()
    data = copy.deepcopy(document)
    data["defaults"]["zero_refund"] = "refused"
    (error,) = validate_policy(data)
    assert (error.path, error.code) == ("$.defaults.zero_refund", "invalid_choice")
    assert "'refused' is not a valid" in error.message and "refuse" in error.message
