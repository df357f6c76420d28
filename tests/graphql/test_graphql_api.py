"""The GraphQL API through execute(): storefront and staff flows, errors, lists, policy queries."""

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from factories import order_facts
from graphql_client import (
    CASE_FIELDS,
    CHANNEL,
    CUSTOMER,
    GUEST,
    OTHER_CUSTOMER,
    STAFF,
    call,
    example_document,
    gid,
    line_gid,
    ok,
    order_gid,
    publish_example,
    published_order,
    record,
    repair_one_unit,
    tv_line,
)

from saleor_aftersales_plugin.domain.actors import Principal
from saleor_aftersales_plugin.domain.facts import ProductFacts
from saleor_aftersales_plugin.graphql.api import RequestContext, execute
from saleor_aftersales_plugin.graphql.schema import schema
from saleor_aftersales_plugin.models import OrderRecord
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import orders, policies
from saleor_aftersales_plugin.services.reporting import kpis_csv
from saleor_aftersales_plugin.services.stats import case_stats

ELIGIBILITY = """
query Eligibility($order: ID!, $email: String, $lines: [LineQuantityInput!], $reason: String) {
  returnEligibility(order: $order, email: $email, lines: $lines, reason: $reason) {
    orderId eligible allowedResolutions reviewRequired policyVersion trace
    refundEstimate { amount currency } feesTotal { amount currency } storeCreditEstimate { amount currency }
    lines { lineId quantity eligible reasons { code text } windowEndsAt fees { code amount { amount currency } }
            refundEstimate { amount currency } allowedResolutions }
  }
}
"""

CREATE_RETURN = (
    "mutation Create($input: ReturnRequestCreateInput!) {\n"
    "  returnRequestCreate(input: $input) { errors { field code message } case { " + CASE_FIELDS + " } }\n}"
)


def create_return(
    order: OrderRecord, principal: Principal = CUSTOMER, quantity: int = 1, **extra: Any
) -> dict:
    variables = {
        "input": {
            "order": order_gid(order),
            "lines": [{"lineId": line_gid(order, 0), "quantity": quantity}],
            "reason": "changed_mind",
            **extra,
        }
    }
    return call(CREATE_RETURN, variables, principal)


def mutate(
    name: str, arguments: str, variables: dict[str, Any], principal: Principal = STAFF
) -> dict[str, Any]:
    """Run one case mutation ``name(arguments)`` and return its payload (``case`` and ``errors``)."""
    signature = ", ".join(f"${key}: {kind}" for key, kind in _types(name, arguments).items())
    query = f"mutation Run({signature}) {{ {name}({arguments}) {{ errors {{ field code message }} case {{ {CASE_FIELDS} }} }} }}"
    response = call(query, variables, principal)
    assert not response.get("errors"), response
    return response["data"][name]


def _types(name: str, arguments: str) -> dict[str, str]:
    """``"id: $id, amount: $amount"`` -> each variable's type, read from the mutation's arguments in the schema."""
    field = schema.get_mutation_type().fields[name]
    result = {}
    for part in arguments.split(","):
        argument, _, variable = part.partition(":")
        result[variable.strip().lstrip("$")] = str(field.args[argument.strip()].type)
    return result


def created_case_id(payload: dict[str, Any]) -> str:
    return payload["case"]["id"]


def receive_and_inspect(order: OrderRecord, case_id: str, line: int, condition: str) -> dict[str, Any]:
    """Staff receive the returned items and find the order's ``line`` (its index) in ``condition``; the
    inspection's payload."""
    mutate("returnRequestMarkReceived", "id: $id", {"id": case_id})
    lines = [{"lineId": line_gid(order, line), "condition": condition}]
    return mutate("returnRequestInspect", "id: $id, lines: $lines", {"id": case_id, "lines": lines})


@pytest.fixture
def shop(db: Any) -> OrderRecord:
    return published_order()


def test_customer_sees_terms_without_trace_staff_with_trace(shop):
    customer = ok(call(ELIGIBILITY, {"order": order_gid(shop)}, CUSTOMER), "returnEligibility")
    assert customer["eligible"] and customer["trace"] is None and customer["policyVersion"] == 1
    assert customer["refundEstimate"] == {"amount": "1516.90", "currency": "EUR"}
    # 5 % store credit bonus on top of the refund.
    assert customer["storeCreditEstimate"] == {"amount": "1592.75", "currency": "EUR"}
    assert [line["quantity"] for line in customer["lines"]] == [3, 1]
    staff = ok(call(ELIGIBILITY, {"order": order_gid(shop)}, STAFF), "returnEligibility")
    assert {rule["rule"] for rule in staff["trace"][0]["trace"]} >= {"defects-30-days", "final-sale"}


def test_ineligible_lines_get_customer_facing_reasons_in_the_language(db):
    publish_example()
    final_sale = tv_line(product=ProductFacts(sku="X", attributes={"final-sale": ("true",)}))
    order = record((final_sale,))
    query = """query($order: ID!) { returnEligibility(order: $order, language: "zh_Hans") {
        eligible lines { eligible reasons { code text } refundEstimate { amount } } } }"""
    answer = ok(call(query, {"order": order_gid(order)}, CUSTOMER), "returnEligibility")
    assert answer["eligible"] is False
    assert answer["lines"][0]["reasons"] == [
        {"code": "final_sale", "text": "清仓商品除质量问题外不支持退货。"}
    ]
    late = record((tv_line(delivered_at=timezone.now() - timedelta(days=20)),))
    answer = ok(
        call(query.replace('"zh_Hans"', '"en"'), {"order": order_gid(late)}, CUSTOMER), "returnEligibility"
    )
    assert answer["lines"][0]["reasons"] == [
        {"code": "window_expired", "text": "The 14-day return period for this item has ended."}
    ]


def test_return_from_request_to_refund_with_a_restocking_fee(shop):
    created = create_return(shop, idempotencyKey="k-1")["data"]["returnRequestCreate"]
    assert created["errors"] == [] and created["case"]["status"] == "REQUESTED"
    again = create_return(shop, idempotencyKey="k-1")["data"]["returnRequestCreate"]
    assert again["case"]["id"] == created["case"]["id"]
    case_id = created_case_id(created)

    approved = mutate(
        "caseApprove", "id: $id, message: $message", {"id": case_id, "message": "Send it back."}
    )
    assert approved["errors"] == [] and approved["case"]["status"] == "AWAITING_RETURN"
    noted = mutate("caseNoteAdd", "id: $id, message: $message", {"id": case_id, "message": "Check the box."})
    assert noted["errors"] == []
    assert mutate("returnRequestMarkReceived", "id: $id", {"id": case_id})["case"]["status"] == "RECEIVED"
    inspected = mutate(
        "returnRequestInspect",
        "id: $id, lines: $lines",
        {"id": case_id, "lines": [{"lineId": line_gid(shop, 0), "condition": "OPENED"}]},
    )
    assert inspected["errors"] == [] and inspected["case"]["status"] == "INSPECTED"
    # 15 % restocking fee on an opened TV of 499.00.
    assert inspected["case"]["fees"] == {"amount": "74.85", "currency": "EUR"}
    assert inspected["case"]["refund"] == {"amount": "424.15", "currency": "EUR"}
    resolved = mutate(
        "caseResolve", "id: $id, resolution: $resolution", {"id": case_id, "resolution": "REFUND"}
    )
    assert resolved["errors"] == [] and resolved["case"]["status"] == "RESOLVED"
    staff_events = resolved["case"]["events"]
    assert "note" in {event["type"] for event in staff_events}
    assert any(event["trace"] for event in staff_events)
    assert {"refund_issued", "items_returned"} <= {event["type"] for event in staff_events}
    # Staff see the whole order line's money: 3 TVs paid, one refunded after its fee.
    (line,) = resolved["case"]["lines"]
    assert line["paid"] == {"amount": "1497.00", "currency": "EUR"}
    assert line["alreadyRefunded"] == {"amount": "424.15", "currency": "EUR"}

    query = "query($id: ID!) { afterSalesCase(id: $id) { " + CASE_FIELDS + " } }"
    seen = ok(call(query, {"id": case_id}, CUSTOMER), "afterSalesCase")
    assert seen["status"] == "RESOLVED" and seen["refund"]["amount"] == "424.15"
    assert {event["type"] for event in seen["events"]} <= {
        "created",
        "status_changed",
        "refund_issued",
        "items_returned",
    }
    assert all(
        event["trace"] is None and event["payload"] is None and event["actorId"] is None
        for event in seen["events"]
    )
    assert all(line["decision"] is None for line in seen["lines"])
    assert all(line["paid"] is None and line["alreadyRefunded"] is None for line in seen["lines"])
    assert seen["assignee"] is None and seen["failureMessage"] is None


def test_refused_transition_is_invalid_status_naming_the_allowed_next_statuses(shop):
    case_id = created_case_id(create_return(shop)["data"]["returnRequestCreate"])
    refused = mutate("returnRequestMarkReceived", "id: $id", {"id": case_id})
    assert refused["case"] is None
    assert refused["errors"] == [
        {
            "field": "id",
            "code": "INVALID_STATUS",
            "message": "The case is REQUESTED and cannot move to RECEIVED; allowed next: APPROVED, DECLINED, CANCELLED.",
        }
    ]


def test_service_refusals_keep_their_code_and_field(shop):
    too_many = create_return(shop, quantity=4)["data"]["returnRequestCreate"]
    assert too_many["case"] is None
    assert [(e["code"], e["field"]) for e in too_many["errors"]] == [("NOT_ELIGIBLE", "lines.0")]
    declined = mutate(
        "caseDecline",
        "id: $id, reason: $reason",
        {"id": created_case_id(create_return(shop)["data"]["returnRequestCreate"]), "reason": " "},
    )
    assert [(e["code"], e["field"]) for e in declined["errors"]] == [("REQUIRED", "reason")]
    unknown = mutate("caseApprove", "id: $id", {"id": gid("AfterSalesCase", uuid.uuid4())})
    assert [e["code"] for e in unknown["errors"]] == ["NOT_FOUND"]
    wrong_type = mutate("caseApprove", "id: $id", {"id": order_gid(shop)})
    assert [(e["code"], e["field"]) for e in wrong_type["errors"]] == [("INVALID", "id")]


def test_customer_cancels_and_units_come_back(shop):
    case_id = created_case_id(create_return(shop, quantity=3)["data"]["returnRequestCreate"])
    blocked = create_return(shop)["data"]["returnRequestCreate"]
    assert [e["code"] for e in blocked["errors"]] == ["NOT_ELIGIBLE"]
    cancelled = mutate(
        "returnRequestCancel", "id: $id, reason: $reason", {"id": case_id, "reason": "Kept it"}, CUSTOMER
    )
    assert cancelled["errors"] == [] and cancelled["case"]["status"] == "CANCELLED"
    assert create_return(shop)["data"]["returnRequestCreate"]["errors"] == []


def test_guest_works_with_the_order_email(db):
    order = published_order(customer_id=None, customer_email="guest@example.com")
    created = create_return(order, GUEST, email="GUEST@example.com")["data"]["returnRequestCreate"]
    assert created["errors"] == [], created
    query = "query($id: ID!, $email: String) { afterSalesCase(id: $id, email: $email) { number status } }"
    assert (
        ok(
            call(query, {"id": created_case_id(created), "email": "guest@example.com"}, GUEST),
            "afterSalesCase",
        )["number"]
        == 1
    )
    missing = call(query, {"id": created_case_id(created), "email": "other@example.com"}, GUEST)
    assert missing["data"]["afterSalesCase"] is None
    assert missing["errors"][0]["extensions"]["code"] == "NOT_FOUND"


def test_small_items_are_approved_at_once_and_resolve_by_store_credit(shop):
    variables = {
        "input": {
            "order": order_gid(shop),
            "lines": [{"lineId": line_gid(shop, 1), "quantity": 1}],
            "desiredResolution": "STORE_CREDIT",
        }
    }
    created = ok(call(CREATE_RETURN, variables, CUSTOMER), "returnRequestCreate")["case"]
    assert created["status"] == "AWAITING_RETURN"
    case_id = created["id"]
    receive_and_inspect(shop, case_id, 1, "UNOPENED")
    resolved = mutate(
        "caseResolve", "id: $id, resolution: $resolution", {"id": case_id, "resolution": "STORE_CREDIT"}
    )
    assert resolved["case"]["status"] == "RESOLVED"
    assert resolved["case"]["storeCredit"] == {"amount": "20.90", "currency": "EUR"}


def test_staff_override_needs_a_reason(shop):
    case_id = created_case_id(create_return(shop)["data"]["returnRequestCreate"])
    mutate("caseApprove", "id: $id", {"id": case_id})
    receive_and_inspect(shop, case_id, 0, "UNOPENED")
    refused = mutate(
        "caseResolve",
        "id: $id, resolution: $resolution, amount: $amount",
        {"id": case_id, "resolution": "REFUND", "amount": "400"},
    )
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("REQUIRED", "reason")]
    done = mutate(
        "caseResolve",
        "id: $id, resolution: $resolution, amount: $amount, reason: $reason",
        {"id": case_id, "resolution": "REFUND", "amount": "400", "reason": "Goodwill: scratched box"},
    )
    assert done["errors"] == [] and done["case"]["refund"] == {"amount": "400.00", "currency": "EUR"}


COMPLAINT = """mutation($input: ComplaintCreateInput!) { complaintCreate(input: $input) {
    errors { field code message } case { id status kind category } } }"""


def test_repair_with_a_quote_the_customer_accepts(shop):
    claim = repair_one_unit(shop, reason="stopped_working", comment="No picture")
    assert claim["errors"] == []
    case = claim["case"]
    assert (case["kind"], case["status"]) == ("REPAIR", "REQUESTED")
    case_id = case["id"]
    assert mutate("caseApprove", "id: $id", {"id": case_id})["case"]["status"] == "APPROVED"
    assert mutate("returnRequestMarkReceived", "id: $id", {"id": case_id})["case"]["status"] == "RECEIVED"
    assert (
        mutate("repairStatusUpdate", "id: $id, status: $status", {"id": case_id, "status": "DIAGNOSING"})[
            "case"
        ]["status"]
        == "DIAGNOSING"
    )
    free = mutate("repairQuoteCreate", "id: $id, amount: $amount", {"id": case_id, "amount": "89.00"})
    assert [e["code"] for e in free["errors"]] == ["IN_WARRANTY"]
    quoted = mutate(
        "repairQuoteCreate",
        "id: $id, amount: $amount, overrideReason: $overrideReason",
        {"id": case_id, "amount": "89.00", "overrideReason": "Water damage"},
    )
    assert quoted["case"]["status"] == "QUOTED" and quoted["case"]["fees"]["amount"] == "89.00"
    accepted = mutate("repairQuoteAccept", "id: $id", {"id": case_id}, CUSTOMER)
    assert accepted["case"]["status"] == "QUOTE_ACCEPTED"


def test_complaint_reply_counts_as_first_response_and_resolves(shop):
    variables = {
        "input": {"order": order_gid(shop), "category": "LOGISTICS", "comment": "The box was crushed."}
    }
    case = ok(call(COMPLAINT, variables, CUSTOMER), "complaintCreate")["case"]
    assert (case["kind"], case["status"], case["category"]) == ("COMPLAINT", "OPEN", "LOGISTICS")
    replied = mutate(
        "caseReply",
        "id: $id, message: $message",
        {"id": case["id"], "message": "Sorry! A new box is on its way."},
    )
    assert replied["case"]["status"] == "RESPONDED"
    customer_reply = mutate(
        "caseReply", "id: $id, message: $message", {"id": case["id"], "message": "Thanks"}, CUSTOMER
    )
    assert customer_reply["errors"] == []
    assigned = mutate("caseAssign", "id: $id, assignee: $assignee", {"id": case["id"], "assignee": "staff-1"})
    assert assigned["case"]["assignee"] == "staff-1"
    escalated = mutate(
        "caseEscalate", "id: $id, reason: $reason", {"id": case["id"], "reason": "Angry customer"}
    )
    assert escalated["case"]["escalationTier"] == 1
    resolved = mutate(
        "caseResolve", "id: $id, reason: $reason", {"id": case["id"], "reason": "Replacement delivered."}
    )
    assert resolved["case"]["status"] == "RESOLVED"
    seen = ok(
        call(
            "query($id: ID!) { afterSalesCase(id: $id) { " + CASE_FIELDS + " } }",
            {"id": case["id"]},
            CUSTOMER,
        ),
        "afterSalesCase",
    )
    assert [event["type"] for event in seen["events"]].count("reply") == 2
    assert "escalated" not in {event["type"] for event in seen["events"]}


LIST = """query($filter: AfterSalesCaseFilterInput, $sortBy: AfterSalesCaseSortingInput, $first: Int, $after: String) {
  afterSalesCases(filter: $filter, sortBy: $sortBy, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { number kind status assignee } } } }"""


def test_case_list_filters_sorts_and_pages(shop):
    for _ in range(3):
        create_return(shop)
    ok(
        call(
            COMPLAINT,
            {"input": {"order": order_gid(shop), "category": "SERVICE", "comment": "Slow"}},
            CUSTOMER,
        ),
        "complaintCreate",
    )
    first = ok(call(LIST, {"first": 2, "sortBy": {"field": "NUMBER", "direction": "ASC"}}), "afterSalesCases")
    assert first["totalCount"] == 4 and first["pageInfo"]["hasNextPage"]
    assert [edge["node"]["number"] for edge in first["edges"]] == [1, 2]
    rest = ok(
        call(
            LIST,
            {
                "first": 2,
                "after": first["pageInfo"]["endCursor"],
                "sortBy": {"field": "NUMBER", "direction": "ASC"},
            },
        ),
        "afterSalesCases",
    )
    assert [edge["node"]["number"] for edge in rest["edges"]] == [3, 4]
    assert not rest["pageInfo"]["hasNextPage"] and rest["pageInfo"]["hasPreviousPage"]
    complaints = ok(call(LIST, {"filter": {"kind": "COMPLAINT"}}), "afterSalesCases")
    assert [edge["node"]["kind"] for edge in complaints["edges"]] == ["COMPLAINT"]
    newest = ok(call(LIST, {"filter": {"status": ["REQUESTED"]}}), "afterSalesCases")
    assert [edge["node"]["number"] for edge in newest["edges"]] == [3, 2, 1]
    mutate(
        "caseAssign",
        "id: $id, assignee: $assignee",
        {"id": gid("AfterSalesCase", shop.cases.get(number=2).pk), "assignee": "eve"},
    )
    mine = ok(call(LIST, {"filter": {"assignee": "eve"}}), "afterSalesCases")
    assert [edge["node"]["number"] for edge in mine["edges"]] == [2]
    overdue = ok(call(LIST, {"filter": {"overdue": True}}), "afterSalesCases")
    assert overdue["totalCount"] == 0
    future = ok(
        call(LIST, {"filter": {"createdFrom": (timezone.now() + timedelta(days=1)).isoformat()}}),
        "afterSalesCases",
    )
    assert future["totalCount"] == 0
    bad = call(LIST, {"first": 500})
    assert bad["errors"][0]["extensions"] == {"code": "INVALID", "field": "first"}


def test_my_cases_lists_only_the_customers_own(shop):
    create_return(shop)
    other = record(customer_id=OTHER_CUSTOMER.id, customer_email=OTHER_CUSTOMER.email)
    create_return(other, OTHER_CUSTOMER)
    query = "{ myAfterSalesCases(first: 10) { totalCount edges { node { number orderId } } } }"
    mine = ok(call(query, principal=CUSTOMER), "myAfterSalesCases")
    assert mine["totalCount"] == 1 and mine["edges"][0]["node"]["orderId"] == order_gid(shop)


def test_policy_and_product_terms(shop):
    policy = ok(
        call(
            '{ afterSalesPolicy { version name languages effectiveFrom document text(language: "en") } }',
            principal=GUEST,
        ),
        "afterSalesPolicy",
    )
    assert (
        policy["version"] == 1
        and policy["name"] == "Volt Electronics"
        and policy["languages"] == ["en", "zh_Hans"]
    )
    assert policy["document"]["defaults"]["currency"] == "EUR"
    # The text a storefront shows: the policy itself, not a Python object's repr.
    text = policy["text"]
    assert text.startswith("Volt Electronics: Returns, repairs and complaints policy\n")
    assert "You can return items for any reason within 14 days after delivery." in text
    assert "bound method" not in text and "<" not in text
    chinese = ok(
        call('{ afterSalesPolicy { text(language: "zh_Hans") } }', principal=GUEST), "afterSalesPolicy"
    )
    assert chinese["text"].startswith("Volt Electronics：退换货、维修与投诉政策\n")
    query = """query($attributes: [AttributeInput!], $condition: ItemCondition, $price: Decimal) {
      afterSalesPolicyForProduct(categoryPath: ["electronics", "tv"], attributes: $attributes, condition: $condition,
                                 price: $price, language: "en") {
        eligible reasons { code text } window { days anchor dayKind } resolutions
        fees { code kind amount scope estimate { amount currency } } reviewRequired warrantyMonths storeCreditBonus policyVersion } }"""
    opened = ok(call(query, {"condition": "OPENED", "price": "200.00"}, GUEST), "afterSalesPolicyForProduct")
    assert opened["eligible"] and opened["window"] == {
        "days": 14,
        "anchor": "delivery",
        "dayKind": "calendar",
    }
    assert opened["fees"] == [
        {
            "code": "restocking",
            "kind": "percent",
            "amount": "15",
            "scope": "line",
            "estimate": {"amount": "30.00", "currency": "EUR"},
        }
    ]
    assert opened["warrantyMonths"] == 24 and opened["storeCreditBonus"] == "5"
    final = ok(
        call(query, {"attributes": [{"slug": "final-sale", "values": ["true"]}]}, GUEST),
        "afterSalesPolicyForProduct",
    )
    assert not final["eligible"] and final["reasons"][0]["code"] == "final_sale"


PRODUCT_FEES = """query($currency: String, $price: Decimal, $language: String) {
  afterSalesPolicyForProduct(sku: "MUG", price: $price, currency: $currency, language: $language) {
    eligible reasons { code text } fees { code kind amount currency scope estimate { amount currency } } summary } }"""


def test_product_terms_quote_fixed_fees_in_the_price_currency_never_converted(db):
    document = normalise_policy(
        {
            "schema_version": 1.1,
            "defaults": {"currency": "USD", "country": "US", "time_zone": "UTC"},
            "rules": [
                {
                    "id": "label",
                    "conditions": {"all": [{"name": "quantity", "operator": "greater_than", "value": 0}]},
                    "actions": [
                        {
                            "name": "charge_return_shipping",
                            "params": {"amount": {"USD": "5.00", "JPY": "800"}},
                        }
                    ],
                }
            ],
        }
    )
    policies.publish_policy("cross", document, "", "json")
    yen = ok(
        call(PRODUCT_FEES, {"currency": "JPY", "price": "4000"}, GUEST, channel="cross"),
        "afterSalesPolicyForProduct",
    )
    assert yen["eligible"] and yen["fees"] == [
        {
            "code": "return_shipping",
            "kind": "fixed",
            "amount": "800",
            "currency": "JPY",
            "scope": "case",
            "estimate": {"amount": "800", "currency": "JPY"},
        }
    ]
    assert "¥800" in yen["summary"] and "$" not in yen["summary"]
    dollars = ok(call(PRODUCT_FEES, {"price": "40.00"}, GUEST, channel="cross"), "afterSalesPolicyForProduct")
    assert (
        dollars["fees"][0]["estimate"] == {"amount": "5.00", "currency": "USD"}
        and "$5.00" in dollars["summary"]
    )
    euro = ok(
        call(PRODUCT_FEES, {"currency": "EUR", "price": "40.00"}, GUEST, channel="cross"),
        "afterSalesPolicyForProduct",
    )
    assert not euro["eligible"] and euro["fees"] == []
    assert euro["reasons"][0] == {
        "code": "no_amount_in_currency",
        "text": "The shop's policy sets no amount in this order's currency for a fee that applies, so it cannot be "
        "decided automatically; please contact the shop.",
    }
    too_precise = call(PRODUCT_FEES, {"currency": "JPY", "price": "4.95"}, GUEST, channel="cross")
    assert (
        too_precise["errors"][0]["message"]
        == "price 4.95 has more decimals than JPY allows (0); round it first."
    )


REASONS = """query($language: String) {
  afterSalesReturnReasons(language: $language) { code label parent countsAsDefect photosRequired noReason } }"""


def test_return_reasons_come_from_the_catalogue_in_the_customers_language(shop):
    chinese = ok(call(REASONS, {"language": "zh_Hans"}, GUEST), "afterSalesReturnReasons")
    assert [(r["code"], r["label"]) for r in chinese] == [
        ("no_reason", "无理由退货"),
        ("defective", "商品存在质量问题"),
        ("damaged_in_transit", "运输途中损坏"),
        ("wrong_item", "发错商品"),
        ("not_as_described", "与描述不符"),
    ]
    english = ok(call(REASONS, {"language": "en"}, GUEST), "afterSalesReturnReasons")
    assert english[0] == {
        "code": "no_reason",
        "label": "No reason (changed my mind)",
        "parent": None,
        "countsAsDefect": False,
        "photosRequired": False,
        "noReason": True,
    }
    assert english[1]["code"] == "defective" and english[1]["countsAsDefect"] and english[1]["photosRequired"]


def test_a_merchant_catalogue_with_nested_reasons_is_what_storefronts_read(db):
    document = normalise_policy(
        {
            "schema_version": 1.1,
            "defaults": {
                "currency": "EUR",
                "country": "DE",
                "time_zone": "UTC",
                "languages": ["en", "zh_Hans"],
            },
            "reasons": [
                {
                    "code": "no_reason",
                    "labels": {"en": "Changed my mind", "zh_Hans": "不想要了"},
                    "no_reason": True,
                },
                {"code": "faulty", "labels": {"en": "Faulty", "zh_Hans": "有故障"}, "counts_as_defect": True},
                {
                    "code": "no_power",
                    "labels": {"en": "Does not switch on", "zh_Hans": "无法开机"},
                    "parent": "faulty",
                    "counts_as_defect": True,
                    "photos_required": True,
                },
            ],
            "rules": [],
        }
    )
    policies.publish_policy("catalogue", document, "", "json")
    reasons = ok(
        call(REASONS, {"language": "zh_Hans"}, GUEST, channel="catalogue"), "afterSalesReturnReasons"
    )
    assert reasons[2] == {
        "code": "no_power",
        "label": "无法开机",
        "parent": "faulty",
        "countsAsDefect": True,
        "photosRequired": True,
        "noReason": False,
    }


def test_each_line_carries_its_own_reason_and_unknown_reasons_are_refused_on_their_line(shop):
    refused = create_return(shop, lines=[{"lineId": line_gid(shop, 0), "quantity": 1, "reason": "defectiv"}])
    assert refused["data"]["returnRequestCreate"]["errors"] == [
        {
            "field": "lines.0.reason",
            "code": "INVALID",
            "message": "'defectiv' is not a return reason of this shop. Did you mean 'defective'? "
            "afterSalesReturnReasons lists the reasons with their labels.",
        }
    ]
    created = ok(
        create_return(
            shop,
            lines=[
                {"lineId": line_gid(shop, 0), "quantity": 1, "reason": "wrong_item"},
                {"lineId": line_gid(shop, 1), "quantity": 1},
            ],
        ),
        "returnRequestCreate",
    )
    # The second line takes the request's reason, the storefront's old "changed_mind", read as "no_reason".
    assert [line["reason"] for line in created["case"]["lines"]] == ["wrong_item", "no_reason"]


def test_no_policy_published(db):
    assert call("{ afterSalesPolicy { version } }", principal=GUEST)["data"]["afterSalesPolicy"] is None
    answer = call('{ afterSalesPolicyForProduct(sku: "X") { eligible } }', principal=GUEST)
    assert answer["errors"][0]["extensions"]["code"] == "NO_POLICY"


def test_stats_for_a_period(shop):
    create_return(shop)
    complaint = ok(
        call(COMPLAINT, {"input": {"order": order_gid(shop), "category": "OTHER", "comment": "?"}}, CUSTOMER),
        "complaintCreate",
    )["case"]["id"]
    mutate("caseEscalate", "id: $id, reason: $reason", {"id": complaint, "reason": "Unhappy"})
    query = """query($from: DateTime, $to: DateTime) { afterSalesStats(from: $from, to: $to) {
        channel from to cases byKind { kind count } byStatus { status count }
        firstResponse { measured withinTarget } escalations { total byTier { tier count } } figures csv } }"""
    now = timezone.now()
    start, end = now - timedelta(days=1), now + timedelta(days=1)
    stats = ok(call(query, {"from": start.isoformat(), "to": end.isoformat()}), "afterSalesStats")
    assert (stats["channel"], stats["from"], stats["to"]) == (CHANNEL, start.isoformat(), end.isoformat())
    assert stats["cases"] == 2
    assert stats["byKind"] == [{"kind": "COMPLAINT", "count": 1}, {"kind": "RETURN", "count": 1}]
    assert stats["byStatus"] == [{"status": "OPEN", "count": 1}, {"status": "REQUESTED", "count": 1}]
    assert stats["figures"]["counts"]["by_kind_and_status"] == {
        "complaint": {"open": 1},
        "return": {"requested": 1},
    }
    expected = json.loads(json.dumps(case_stats(CHANNEL, start, end), cls=DjangoJSONEncoder))
    assert {key: stats["figures"][key] for key in expected} == expected
    assert stats["escalations"]["total"] == expected["escalations"]["total"] == 1
    assert stats["figures"]["reasons"]["complaint"] == {"": 1}
    assert set(stats["figures"]["return_rates"]) >= {"products", "categories"}
    assert stats["csv"].splitlines()[0] == "section,group,key,value"
    assert stats["csv"] == kpis_csv(CHANNEL, start, end)
    past = ok(call(query, {"to": (now - timedelta(days=2)).isoformat()}), "afterSalesStats")
    assert past["cases"] == 0 and past["byKind"] == []
    backwards = call(query, {"from": end.isoformat(), "to": start.isoformat()})
    assert backwards["errors"][0]["extensions"] == {"code": "INVALID", "field": "to"}
    refused = call(query, {}, CUSTOMER)
    assert refused["data"] is None and refused["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_policy_validate_lists_every_problem_with_its_path(db):
    query = "mutation($policy: String!) { policyValidate(policy: $policy) { valid policyErrors { path code message } errors { code } } }"
    good = ok(call(query, {"policy": example_document()[0]}), "policyValidate")
    assert good == {"valid": True, "policyErrors": [], "errors": []}
    bad = ok(
        call(
            query,
            {
                "policy": "schema_version: 2\ndefaults: {currency: EUX, country: DE, time_zone: Europe/Berlin}\nrules: []\n"
            },
        ),
        "policyValidate",
    )
    assert bad["valid"] is False
    assert [(e["path"], e["code"]) for e in bad["policyErrors"]][:2] == [
        ("$.schema_version", "unsupported_version"),
        ("$.defaults.currency", "unknown_currency"),
    ]
    syntax = ok(call(query, {"policy": "{not json"}), "policyValidate")
    assert [e["code"] for e in syntax["policyErrors"]] == ["syntax_error"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "must be a JSON object"),
        ({}, 'needs "query"'),
        ({"query": "  "}, 'needs "query"'),
        (
            {"query": "{ afterSalesPolicy { version } }", "variables": [1]},
            '"variables" must be a JSON object',
        ),
        (
            {"query": "{ afterSalesPolicy { version } }", "operationName": 3},
            '"operationName" must be a string',
        ),
        (
            {"query": "{ afterSalesPolicy { version } }", "extra": 1},
            "Unknown key(s) in the request body: extra",
        ),
        ({"query": "{ afterSalesPolicy { "}, "Syntax Error"),
        ({"query": "{ afterSalesPolicy { nope } }"}, 'Cannot query field "nope"'),
    ],
)
def test_malformed_requests_answer_400_with_a_clear_message(db, body, message):
    status, response = execute(body, RequestContext(CHANNEL, GUEST, SandboxHost()))
    assert status == 400
    assert message in response["errors"][0]["message"]


def test_an_order_the_plugin_has_not_seen_is_recorded_on_first_use(db):
    publish_example()
    placed_earlier = order_facts(
        (tv_line(),),
        created_at=timezone.now() - timedelta(days=3),
        customer_id=CUSTOMER.id,
        shipping_country="",
    )
    host_orders = {placed_earlier.order_id: placed_earlier}
    asked: list[str] = []

    def load_order(order_id: str) -> bool:
        asked.append(order_id)
        if order_id not in host_orders:
            return False
        orders.record_order(host_orders[order_id])
        return True

    context = RequestContext(CHANNEL, CUSTOMER, SandboxHost(), load_order=load_order)
    query = "query($order: ID!) { returnEligibility(order: $order) { eligible lines { quantity } } }"
    status, answer = execute(
        {"query": query, "variables": {"order": gid("Order", placed_earlier.order_id)}}, context
    )
    assert status == 200 and answer["data"]["returnEligibility"]["lines"] == [{"quantity": 3}], answer
    status, answer = execute(
        {"query": query, "variables": {"order": gid("Order", placed_earlier.order_id)}}, context
    )
    assert answer["data"]["returnEligibility"]["eligible"] and len(asked) == 1
    unknown = str(uuid.uuid4())
    status, answer = execute({"query": query, "variables": {"order": unknown}}, context)
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND" and asked[-1] == unknown
    # Someone else's order, even one the host knows, is not found and the host is not asked again.
    other = RequestContext(CHANNEL, OTHER_CUSTOMER, SandboxHost(), load_order=load_order)
    status, answer = execute({"query": query, "variables": {"order": placed_earlier.order_id}}, other)
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND" and len(asked) == 2


def test_line_ids_may_be_global_ids_or_uuids_and_bad_ones_are_named(shop):
    tv = str(shop.lines.order_by("id")[0].line_id)
    query = """query($order: ID!, $lines: [LineQuantityInput!]) {
        returnEligibility(order: $order, lines: $lines) { lines { lineId quantity } } }"""
    answer = ok(
        call(query, {"order": str(shop.order_id), "lines": [{"lineId": tv.upper(), "quantity": 2}]}),
        "returnEligibility",
    )
    assert answer["lines"] == [{"lineId": gid("OrderLine", tv), "quantity": 2}]
    nonsense = call(query, {"order": order_gid(shop), "lines": [{"lineId": "nonsense", "quantity": 1}]})
    assert nonsense["errors"][0]["extensions"] == {"code": "INVALID", "field": "lines.0.lineId"}
    foreign = record()
    elsewhere = call(
        query, {"order": order_gid(shop), "lines": [{"lineId": line_gid(foreign, 0), "quantity": 1}]}
    )
    assert elsewhere["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "lines.0.lineId"}
    zero = call(query, {"order": order_gid(shop), "lines": [{"lineId": tv, "quantity": 0}]})
    assert zero["errors"][0]["extensions"] == {"code": "INVALID", "field": "lines.0.quantity"}
    case_id = created_case_id(create_return(shop)["data"]["returnRequestCreate"])
    mutate("caseApprove", "id: $id", {"id": case_id})
    mutate("returnRequestMarkReceived", "id: $id", {"id": case_id})
    inspected = mutate(
        "returnRequestInspect",
        "id: $id, lines: $lines",
        {"id": case_id, "lines": [{"lineId": tv.upper(), "condition": "USED"}]},
    )
    assert inspected["errors"] == [] and inspected["case"]["lines"][0]["condition"] == "USED"


def test_window_end_is_an_instant_a_shop_local_minute_and_a_sentence_in_the_customers_language(db):
    """A New York shop: the window ends at the local midnight after day 7, read as 23:59 New York time."""
    source, document, source_format = example_document()
    new_york = copy.deepcopy(document)
    new_york["defaults"].update(currency="USD", country="US", time_zone="America/New_York")
    new_york["defaults"]["window"]["days"] = 7  # no statutory minimum in the US
    new_york["calendar"]["holidays_country"] = "US"
    new_york["calendar"].pop("subdivision")
    policies.publish_policy("ny", new_york, source, source_format)
    delivered = datetime(2026, 11, 10, 3, 30, tzinfo=UTC)  # still 9 November in New York
    order = record((tv_line(delivered_at=delivered, fulfilled_at=delivered),), channel="ny", currency="USD")
    query = """query($order: ID!, $language: String) { returnEligibility(order: $order, language: $language) {
        lines { windowEndsAt windowEndsAtLocal { date time timeZone } windowEndsText } } }"""
    english = ok(
        call(query, {"order": order_gid(order), "language": "en"}, CUSTOMER, "ny"), "returnEligibility"
    )
    (line,) = english["lines"]
    assert line["windowEndsAt"] == "2026-11-17T05:00:00+00:00"  # midnight ending 16 November, New York (EST)
    assert datetime.fromisoformat(line["windowEndsAt"]).astimezone(ZoneInfo("America/New_York")).hour == 0
    assert line["windowEndsAtLocal"] == {
        "date": "2026-11-16",
        "time": "23:59",
        "timeZone": "America/New_York",
    }
    assert line["windowEndsText"] == "until November 16, 2026, 23:59 New York time"
    chinese = ok(
        call(query, {"order": order_gid(order), "language": "zh-CN"}, CUSTOMER, "ny"), "returnEligibility"
    )
    assert chinese["lines"][0]["windowEndsText"] == "纽约时间 2026年11月16日 23:59 前"
    unsupported = ok(
        call(query, {"order": order_gid(order), "language": "fr"}, CUSTOMER, "ny"), "returnEligibility"
    )
    assert unsupported["lines"][0]["windowEndsText"] == "until November 16, 2026, 23:59 New York time"
