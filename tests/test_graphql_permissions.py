"""Who may do what: every operation of the schema against every kind of caller.

Managers (staff with MANAGE_ORDERS in the endpoint's channel, apps with MANAGE_ORDERS) may do everything but publish;
publishers (managers who also hold MANAGE_PLUGINS) publish the policy; owners (the customer of the order, or a guest
giving the order's email) may use the storefront operations on their own orders and cases; anyone else gets NOT_FOUND
there (exactly as for what does not exist) and PERMISSION_DENIED on staff operations.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from test_graphql_api import (
    APP,
    APP_NO_PERMISSION,
    CUSTOMER,
    EMAIL,
    EXAMPLE_POLICY,
    GUEST,
    OTHER_CUSTOMER,
    STAFF,
    STAFF_NO_PERMISSION,
    STAFF_OTHER_CHANNEL,
    call,
    gid,
    line_gid,
    order_gid,
    publish_example,
    record,
)

from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.graphql.api import Principal, actor_for
from saleor_aftersales_plugin.graphql.schema import schema
from saleor_aftersales_plugin.models import Case, OrderRecord
from saleor_aftersales_plugin.services import conversations, repairs, returns

PUBLIC, OWNER, MANAGER, PUBLISHER, SIGNED_IN = "public", "owner", "manager", "publisher", "signed-in"
MERCHANT = Principal("staff", "staff-4", "owner@volt.example", frozenset({"MANAGE_ORDERS", "MANAGE_PLUGINS"}))
ALLOWED, NOT_FOUND, DENIED = "allowed", "NOT_FOUND", "PERMISSION_DENIED"

ROLES: dict[str, tuple[Principal, str]] = {
    # name: (principal, email the caller gives on owner operations)
    "customer": (CUSTOMER, EMAIL),
    "other-customer": (OTHER_CUSTOMER, EMAIL),
    "guest-with-order-email": (GUEST, EMAIL),
    "guest-with-wrong-email": (GUEST, "mallory@example.com"),
    "staff": (STAFF, EMAIL),
    "merchant": (MERCHANT, EMAIL),
    "staff-of-other-channel": (STAFF_OTHER_CHANNEL, EMAIL),
    "staff-without-permission": (STAFF_NO_PERMISSION, EMAIL),
    "app": (APP, EMAIL),
    "app-without-permission": (APP_NO_PERMISSION, EMAIL),
}

EXPECTED: dict[str, dict[str, str]] = {
    PUBLIC: dict.fromkeys(ROLES, ALLOWED),
    OWNER: {
        "customer": ALLOWED,
        "other-customer": NOT_FOUND,
        "guest-with-order-email": ALLOWED,
        "guest-with-wrong-email": NOT_FOUND,
        "staff": ALLOWED,
        "merchant": ALLOWED,
        "staff-of-other-channel": NOT_FOUND,
        "staff-without-permission": NOT_FOUND,
        "app": ALLOWED,
        "app-without-permission": DENIED,
    },
    MANAGER: {role: ALLOWED if role in ("staff", "merchant", "app") else DENIED for role in ROLES},
    PUBLISHER: {role: ALLOWED if role == "merchant" else DENIED for role in ROLES},
    SIGNED_IN: {role: DENIED if role.startswith(("guest", "app")) else ALLOWED for role in ROLES},
}

STAFF_ACTOR = actor_for(STAFF)
CUSTOMER_ACTOR = actor_for(CUSTOMER)


def _tv(order: OrderRecord) -> str:
    return str(order.lines.order_by("id")[0].line_id)


def return_case(order: OrderRecord, status: str = "requested") -> Case:
    case, _ = returns.request_return(
        order.order_id, [LineRequest(_tv(order), 1, reason="changed_mind")], actor=CUSTOMER_ACTOR
    )
    steps = ["awaiting_return", "received", "inspected"]
    if status in steps:
        returns.approve(case.pk, actor=STAFF_ACTOR)
    if status in steps[1:]:
        returns.mark_received(case.pk, actor=STAFF_ACTOR)
    if status == "inspected":
        returns.inspect(case.pk, {_tv(order): "unopened"}, actor=STAFF_ACTOR)
    return case


def repair_case(order: OrderRecord, status: str = "requested") -> Case:
    case, _ = repairs.request_repair(
        order.order_id, LineRequest(_tv(order), 1, reason="stopped_working"), actor=CUSTOMER_ACTOR
    )
    path = ["approved", "received", "diagnosing", "quoted"]
    for step in path[: path.index(status) + 1] if status in path else ():
        if step == "approved":
            from saleor_aftersales_plugin.services.cases import transition

            transition(case.pk, step, actor_type="staff", actor_id=STAFF.id)
        elif step == "quoted":
            repairs.create_quote(case.pk, Decimal("80"), actor=STAFF_ACTOR, override_reason="Dropped")
        else:
            repairs.update_repair_status(case.pk, step, actor=STAFF_ACTOR)
    return case


def complaint_case(order: OrderRecord) -> Case:
    case, _ = conversations.open_complaint(
        order.order_id, category="logistics", comment="Late", actor=CUSTOMER_ACTOR
    )
    return case


def case_id(case: Case) -> str:
    return gid("AfterSalesCase", case.pk)


@dataclass(frozen=True)
class Operation:
    name: str
    audience: str
    query: str
    variables: Callable[[OrderRecord, str], dict[str, Any]]


PAYLOAD = "{ errors { code } case { id } }"
OPERATIONS = [
    Operation("afterSalesPolicy", PUBLIC, "{ afterSalesPolicy { version } }", lambda o, e: {}),
    Operation(
        "afterSalesPolicyForProduct",
        PUBLIC,
        '{ afterSalesPolicyForProduct(categoryPath: ["electronics"]) { eligible } }',
        lambda o, e: {},
    ),
    Operation(
        "returnEligibility",
        OWNER,
        "query($order: ID!, $email: String) { returnEligibility(order: $order, email: $email) { eligible } }",
        lambda o, e: {"order": order_gid(o), "email": e},
    ),
    Operation(
        "afterSalesCase",
        OWNER,
        "query($id: ID!, $email: String) { afterSalesCase(id: $id, email: $email) { id } }",
        lambda o, e: {"id": case_id(return_case(o)), "email": e},
    ),
    Operation("afterSalesCases", MANAGER, "{ afterSalesCases(first: 5) { totalCount } }", lambda o, e: {}),
    Operation("myAfterSalesCases", SIGNED_IN, "{ myAfterSalesCases { totalCount } }", lambda o, e: {}),
    Operation("afterSalesStats", MANAGER, "{ afterSalesStats { figures } }", lambda o, e: {}),
    Operation(
        "returnRequestCreate",
        OWNER,
        "mutation($input: ReturnRequestCreateInput!) { returnRequestCreate(input: $input) " + PAYLOAD + " }",
        lambda o, e: {
            "input": {"order": order_gid(o), "email": e, "lines": [{"lineId": line_gid(o, 0), "quantity": 1}]}
        },
    ),
    Operation(
        "returnRequestCancel",
        OWNER,
        "mutation($id: ID!, $email: String) { returnRequestCancel(id: $id, email: $email) " + PAYLOAD + " }",
        lambda o, e: {"id": case_id(return_case(o)), "email": e},
    ),
    Operation(
        "caseApprove",
        MANAGER,
        "mutation($id: ID!) { caseApprove(id: $id) " + PAYLOAD + " }",
        lambda o, e: {"id": case_id(return_case(o))},
    ),
    Operation(
        "caseDecline",
        MANAGER,
        'mutation($id: ID!) { caseDecline(id: $id, reason: "Used") ' + PAYLOAD + " }",
        lambda o, e: {"id": case_id(return_case(o))},
    ),
    Operation(
        "returnRequestMarkReceived",
        MANAGER,
        "mutation($id: ID!) { returnRequestMarkReceived(id: $id) " + PAYLOAD + " }",
        lambda o, e: {"id": case_id(return_case(o, "awaiting_return"))},
    ),
    Operation(
        "returnRequestInspect",
        MANAGER,
        "mutation($id: ID!, $lines: [LineConditionInput!]!) { returnRequestInspect(id: $id, lines: $lines) "
        + PAYLOAD
        + " }",
        lambda o, e: {
            "id": case_id(return_case(o, "received")),
            "lines": [{"lineId": line_gid(o, 0), "condition": "OPENED"}],
        },
    ),
    Operation(
        "caseResolve",
        MANAGER,
        "mutation($id: ID!) { caseResolve(id: $id, resolution: REFUND) " + PAYLOAD + " }",
        lambda o, e: {"id": case_id(return_case(o, "inspected"))},
    ),
    Operation(
        "repairRequestCreate",
        OWNER,
        "mutation($input: RepairRequestCreateInput!) { repairRequestCreate(input: $input) " + PAYLOAD + " }",
        lambda o, e: {
            "input": {"order": order_gid(o), "email": e, "line": {"lineId": line_gid(o, 0), "quantity": 1}}
        },
    ),
    Operation(
        "repairQuoteCreate",
        MANAGER,
        'mutation($id: ID!) { repairQuoteCreate(id: $id, amount: "49.00", overrideReason: "Dropped") '
        + PAYLOAD
        + " }",
        lambda o, e: {"id": case_id(repair_case(o, "diagnosing"))},
    ),
    Operation(
        "repairQuoteAccept",
        OWNER,
        "mutation($id: ID!, $email: String) { repairQuoteAccept(id: $id, email: $email) " + PAYLOAD + " }",
        lambda o, e: {"id": case_id(repair_case(o, "quoted")), "email": e},
    ),
    Operation(
        "repairQuoteDecline",
        OWNER,
        "mutation($id: ID!, $email: String) { repairQuoteDecline(id: $id, email: $email) " + PAYLOAD + " }",
        lambda o, e: {"id": case_id(repair_case(o, "quoted")), "email": e},
    ),
    Operation(
        "repairStatusUpdate",
        MANAGER,
        "mutation($id: ID!) { repairStatusUpdate(id: $id, status: RECEIVED) " + PAYLOAD + " }",
        lambda o, e: {"id": case_id(repair_case(o, "approved"))},
    ),
    Operation(
        "complaintCreate",
        OWNER,
        "mutation($input: ComplaintCreateInput!) { complaintCreate(input: $input) " + PAYLOAD + " }",
        lambda o, e: {"input": {"order": order_gid(o), "email": e, "category": "SERVICE", "comment": "Rude"}},
    ),
    Operation(
        "caseReply",
        OWNER,
        'mutation($id: ID!, $email: String) { caseReply(id: $id, email: $email, message: "Any news?") '
        + PAYLOAD
        + " }",
        lambda o, e: {"id": case_id(complaint_case(o)), "email": e},
    ),
    Operation(
        "caseAssign",
        MANAGER,
        'mutation($id: ID!) { caseAssign(id: $id, assignee: "eve") ' + PAYLOAD + " }",
        lambda o, e: {"id": case_id(return_case(o))},
    ),
    Operation(
        "caseEscalate",
        MANAGER,
        'mutation($id: ID!) { caseEscalate(id: $id, reason: "Waiting too long") ' + PAYLOAD + " }",
        lambda o, e: {"id": case_id(return_case(o))},
    ),
    Operation(
        "caseNoteAdd",
        MANAGER,
        'mutation($id: ID!) { caseNoteAdd(id: $id, message: "Internal") ' + PAYLOAD + " }",
        lambda o, e: {"id": case_id(return_case(o))},
    ),
    Operation(
        "policyValidate",
        MANAGER,
        "mutation($policy: String!) { policyValidate(policy: $policy) { valid errors { code } } }",
        lambda o, e: {"policy": EXAMPLE_POLICY.read_text()},
    ),
    Operation("afterSalesPolicyBuilder", PUBLIC, "{ afterSalesPolicyBuilder }", lambda o, e: {}),
    Operation(
        "afterSalesPolicyDraft",
        MANAGER,
        "query($policy: String!) { afterSalesPolicyDraft(policy: $policy) { valid } }",
        lambda o, e: {"policy": EXAMPLE_POLICY.read_text()},
    ),
    Operation(
        "afterSalesPolicyVersions", MANAGER, "{ afterSalesPolicyVersions { version } }", lambda o, e: {}
    ),
    Operation(
        "policyPublish",
        PUBLISHER,
        "mutation($policy: String!) { policyPublish(policy: $policy) { created errors { code } } }",
        lambda o, e: {"policy": EXAMPLE_POLICY.read_text().replace("days: 7,", "days: 9,", 1)},
    ),
    Operation(
        "policyRollback",
        PUBLISHER,
        "mutation { policyRollback(version: 1) { created errors { code } } }",
        lambda o, e: {},
    ),
    Operation(
        "policySimulate",
        MANAGER,
        "mutation($draft: String!) { policySimulate(draft: $draft) { report { draftName } errors { code } } }",
        lambda o, e: {"draft": EXAMPLE_POLICY.read_text()},
    ),
]


def outcome(response: dict[str, Any], name: str) -> str:
    if response.get("errors"):
        return response["errors"][0]["extensions"]["code"]
    payload = response["data"][name]
    if isinstance(payload, dict) and payload.get("errors"):
        return payload["errors"][0]["code"]
    assert payload is not None
    if isinstance(payload, dict) and "case" in payload:
        assert payload["case"] is not None, payload
    return ALLOWED


def test_every_operation_of_the_schema_is_in_the_matrix():
    fields = set(schema.get_query_type().fields) | set(schema.get_mutation_type().fields)
    assert {operation.name for operation in OPERATIONS} == fields


@pytest.mark.django_db
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.name for operation in OPERATIONS])
def test_who_may_do_what(operation: Operation, role: str):
    publish_example()
    order = record()
    principal, email = ROLES[role]
    response = call(operation.query, operation.variables(order, email), principal)
    assert outcome(response, operation.name) == EXPECTED[operation.audience][role], response


@pytest.mark.django_db
def test_another_customers_case_looks_exactly_like_a_missing_one():
    publish_example()
    order = record()
    case = return_case(order)
    query = "query($id: ID!) { afterSalesCase(id: $id) { id } }"
    theirs = call(query, {"id": case_id(case)}, OTHER_CUSTOMER)
    missing = call(
        query, {"id": gid("AfterSalesCase", "00000000-0000-0000-0000-000000000000")}, OTHER_CUSTOMER
    )
    assert theirs["data"] == missing["data"] == {"afterSalesCase": None}
    strip = lambda r: [(e["extensions"], e["message"].split(" was not found")[1]) for e in r["errors"]]  # noqa: E731
    assert strip(theirs) == strip(missing)


@pytest.mark.django_db
def test_a_manager_of_one_channel_sees_nothing_of_another():
    publish_example()
    publish_example("us")
    us_order = record(channel="us")
    case = return_case(us_order)
    query = "query($id: ID!) { afterSalesCase(id: $id) { id } }"
    assert call(query, {"id": case_id(case)}, STAFF_OTHER_CHANNEL, channel="us")["data"]["afterSalesCase"]
    # The "volt" endpoint never shows a case of "us", even to a manager of every channel.
    assert call(query, {"id": case_id(case)}, STAFF)["data"]["afterSalesCase"] is None
