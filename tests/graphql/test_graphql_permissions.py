"""Who may do what: every operation of the schema against every kind of caller.

Managers (staff with MANAGE_ORDERS in the endpoint's channel, apps with MANAGE_ORDERS) may do everything but publish;
publishers (managers who also hold MANAGE_PLUGINS) publish the policy; owners (the customer of a registered customer's
order, or a guest giving the email of an order placed without an account) may use the storefront operations on their
own orders and cases; anyone else gets NOT_FOUND there (exactly as for what does not exist) and PERMISSION_DENIED on
staff operations. Every case an operation answers carries staff-only data (a note, an assignee, an escalation, an
override reason): owners never see any of it, managers see all of it.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from graphql_client import (
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
    case_gid,
    gid,
    line_gid,
    order_gid,
    publish_example,
    published_order,
    record,
)

from saleor_aftersales_plugin.domain.actors import Actor, Principal, actor_for
from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.graphql.cases.visibility import CUSTOMER_EVENTS
from saleor_aftersales_plugin.graphql.core.permissions import Audience
from saleor_aftersales_plugin.graphql.schema import operation_audiences, schema
from saleor_aftersales_plugin.models import Case, OrderRecord
from saleor_aftersales_plugin.services import conversations, repairs, returns
from saleor_aftersales_plugin.services.cases import transition

PUBLIC, OWNER, MANAGER, PUBLISHER, SIGNED_IN = (
    Audience.PUBLIC,
    Audience.OWNER,
    Audience.MANAGER,
    Audience.PUBLISHER,
    Audience.SIGNED_IN,
)
AUDIENCES = operation_audiences()
"""Who may call each operation, as the operation declares it (``Meta.audience`` or the field's ``audience``)."""
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

EXPECTED: dict[Audience, dict[str, str]] = {
    PUBLIC: dict.fromkeys(ROLES, ALLOWED),
    OWNER: {
        "customer": ALLOWED,
        "other-customer": NOT_FOUND,
        # The email of a registered customer's order opens nothing: that order needs the customer's token.
        "guest-with-order-email": NOT_FOUND,
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

# Who owns the order: a registered customer (the CUSTOMER principal), or a guest who ordered without an account.
REGISTERED, GUEST_ORDER = "registered", "guest-order"
EXPECTED_ON_GUEST_ORDER = {
    **EXPECTED,
    OWNER: {
        **EXPECTED[OWNER],
        "customer": NOT_FOUND,  # the same email, but this order was placed without the customer's account
        "guest-with-order-email": ALLOWED,
    },
}

STAFF_ACTOR = actor_for(STAFF)
CUSTOMER_ACTOR = actor_for(CUSTOMER)
SECRET = "SECRET-"
"""Every staff-only text the cases carry starts with this: an owner's answer must never contain it."""


def with_staff_data(case: Case) -> Case:
    """Give the case what only staff may see: an internal note, an assignee and an escalation with its reason."""
    conversations.add_note(case.pk, f"{SECRET}note: refund only after the manager agrees", actor=STAFF_ACTOR)
    conversations.assign(case.pk, f"{SECRET}assignee eve", actor=STAFF_ACTOR)
    conversations.escalate(case.pk, actor=STAFF_ACTOR, reason=f"{SECRET}escalation: VIP customer")
    return case


def _tv(order: OrderRecord) -> str:
    return str(order.lines.order_by("id")[0].line_id)


def return_case(order: OrderRecord, status: str = "requested") -> Case:
    case, _ = returns.request_return(
        order.order_id, [LineRequest(_tv(order), 1, reason="changed_mind")], actor=CUSTOMER_ACTOR
    )
    with_staff_data(case)
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
    with_staff_data(case)
    path = ["approved", "received", "diagnosing", "quoted"]
    for step in path[: path.index(status) + 1] if status in path else ():
        if step == "approved":
            transition(case.pk, step, actor=Actor("staff", STAFF.id))
        elif step == "quoted":
            repairs.create_quote(
                case.pk, Decimal("80"), actor=STAFF_ACTOR, override_reason=f"{SECRET}override: dropped"
            )
        else:
            repairs.update_repair_status(case.pk, step, actor=STAFF_ACTOR)
    return case


def complaint_case(order: OrderRecord) -> Case:
    case, _ = conversations.open_complaint(
        order.order_id, category="logistics", comment="Late", actor=CUSTOMER_ACTOR
    )
    return with_staff_data(case)


@dataclass(frozen=True)
class Operation:
    name: str
    query: str
    variables: Callable[[OrderRecord, str], dict[str, Any]]


STAFF_ONLY = """assignee escalationTier failureMessage decision { escalationPath }
  lines { decision } events { type actorId message trace payload }"""
PAYLOAD = "{ errors { code } case { id " + STAFF_ONLY + " } }"


def on_case(
    name: str, case: Callable[[OrderRecord], Case], arguments: str = "", *, owner: bool = False
) -> Operation:
    """The mutation ``name`` on the case ``case(order)`` makes, with the literal ``arguments``; the owners' mutations
    also get the email the caller gives."""
    declared, passed = (", $email: String", ", email: $email") if owner else ("", "")
    extra = f", {arguments}" if arguments else ""
    query = f"mutation($id: ID!{declared}) {{ {name}(id: $id{passed}{extra}) {PAYLOAD} }}"
    return Operation(name, query, lambda o, e: {"id": case_gid(case(o)), **({"email": e} if owner else {})})


OPERATIONS = [
    Operation("afterSalesPolicy", "{ afterSalesPolicy { version } }", lambda o, e: {}),
    Operation(
        "afterSalesPolicyForProduct",
        '{ afterSalesPolicyForProduct(categoryPath: ["electronics"]) { eligible } }',
        lambda o, e: {},
    ),
    Operation(
        "afterSalesReturnReasons",
        '{ afterSalesReturnReasons(language: "en") { code label } }',
        lambda o, e: {},
    ),
    Operation(
        "returnEligibility",
        "query($order: ID!, $email: String) { returnEligibility(order: $order, email: $email) { eligible trace } }",
        lambda o, e: {"order": order_gid(o), "email": e},
    ),
    Operation(
        "afterSalesCase",
        "query($id: ID!, $email: String) { afterSalesCase(id: $id, email: $email) { id "
        + STAFF_ONLY
        + " } }",
        lambda o, e: {"id": case_gid(return_case(o)), "email": e},
    ),
    Operation("afterSalesCases", "{ afterSalesCases(first: 5) { totalCount } }", lambda o, e: {}),
    Operation("myAfterSalesCases", "{ myAfterSalesCases { totalCount } }", lambda o, e: {}),
    Operation("afterSalesStats", "{ afterSalesStats { figures } }", lambda o, e: {}),
    Operation("afterSalesOutbox", "{ afterSalesOutbox { id lastError } }", lambda o, e: {}),
    Operation(
        "returnRequestCreate",
        "mutation($input: ReturnRequestCreateInput!) { returnRequestCreate(input: $input) " + PAYLOAD + " }",
        lambda o, e: {
            "input": {"order": order_gid(o), "email": e, "lines": [{"lineId": line_gid(o, 0), "quantity": 1}]}
        },
    ),
    on_case("returnRequestCancel", return_case, owner=True),
    on_case("caseApprove", return_case),
    on_case("caseDecline", return_case, 'reason: "Used"'),
    on_case("returnRequestMarkReceived", partial(return_case, status="awaiting_return")),
    Operation(
        "returnRequestInspect",
        "mutation($id: ID!, $lines: [LineConditionInput!]!) { returnRequestInspect(id: $id, lines: $lines) "
        + PAYLOAD
        + " }",
        lambda o, e: {
            "id": case_gid(return_case(o, "received")),
            "lines": [{"lineId": line_gid(o, 0), "condition": "OPENED"}],
        },
    ),
    on_case("caseResolve", partial(return_case, status="inspected"), "resolution: REFUND"),
    Operation(
        "repairRequestCreate",
        "mutation($input: RepairRequestCreateInput!) { repairRequestCreate(input: $input) " + PAYLOAD + " }",
        lambda o, e: {
            "input": {"order": order_gid(o), "email": e, "line": {"lineId": line_gid(o, 0), "quantity": 1}}
        },
    ),
    on_case(
        "repairQuoteCreate",
        partial(repair_case, status="diagnosing"),
        'amount: "49.00", overrideReason: "Dropped"',
    ),
    on_case("repairQuoteAccept", partial(repair_case, status="quoted"), owner=True),
    on_case("repairQuoteDecline", partial(repair_case, status="quoted"), owner=True),
    on_case("repairStatusUpdate", partial(repair_case, status="approved"), "status: RECEIVED"),
    Operation(
        "complaintCreate",
        "mutation($input: ComplaintCreateInput!) { complaintCreate(input: $input) " + PAYLOAD + " }",
        lambda o, e: {"input": {"order": order_gid(o), "email": e, "category": "SERVICE", "comment": "Rude"}},
    ),
    on_case("caseReply", complaint_case, 'message: "Any news?"', owner=True),
    on_case("caseAssign", return_case, 'assignee: "eve"'),
    on_case("caseEscalate", return_case, 'reason: "Waiting too long"'),
    on_case("caseNoteAdd", return_case, 'message: "Internal"'),
    Operation(
        "policyValidate",
        "mutation($policy: String!) { policyValidate(policy: $policy) { valid errors { code } } }",
        lambda o, e: {"policy": EXAMPLE_POLICY.read_text()},
    ),
    Operation("afterSalesPolicyBuilder", "{ afterSalesPolicyBuilder }", lambda o, e: {}),
    Operation(
        "afterSalesPolicyDraft",
        "query($policy: String!) { afterSalesPolicyDraft(policy: $policy) { valid } }",
        lambda o, e: {"policy": EXAMPLE_POLICY.read_text()},
    ),
    Operation("afterSalesPolicyVersions", "{ afterSalesPolicyVersions { version } }", lambda o, e: {}),
    Operation(
        "policyPublish",
        "mutation($policy: String!) { policyPublish(policy: $policy) { created errors { code } } }",
        lambda o, e: {"policy": EXAMPLE_POLICY.read_text().replace("days: 7,", "days: 9,", 1)},
    ),
    Operation(
        "policyRollback",
        "mutation { policyRollback(version: 1) { created errors { code } } }",
        lambda o, e: {},
    ),
    Operation(
        "policySimulate",
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


def the_case(response: dict[str, Any], name: str) -> dict[str, Any] | None:
    payload = response["data"][name]
    if name == "afterSalesCase":
        return payload
    return payload.get("case") if isinstance(payload, dict) else None


def assert_owner_sees_no_staff_data(response: dict[str, Any], name: str) -> None:
    assert SECRET not in json.dumps(response), response
    if name == "returnEligibility":
        assert response["data"][name]["trace"] is None
    case = the_case(response, name)
    if case is None:
        return
    assert (case["assignee"], case["escalationTier"], case["failureMessage"]) == (None, None, None)
    assert case["decision"]["escalationPath"] is None
    assert all(line["decision"] is None for line in case["lines"])
    assert {event["type"] for event in case["events"]} <= CUSTOMER_EVENTS
    for event in case["events"]:
        assert (event["actorId"], event["trace"], event["payload"]) == (None, None, None)


def assert_manager_sees_staff_data(response: dict[str, Any], name: str) -> None:
    case = the_case(response, name)
    if case is None or name in ("returnRequestCreate", "repairRequestCreate", "complaintCreate"):
        return  # a case just created has no staff data yet
    assert case["assignee"] in (f"{SECRET}assignee eve", "eve")
    assert case["escalationTier"] >= 1
    assert {"note", "assigned", "escalated"} <= {event["type"] for event in case["events"]}


def test_every_operation_of_the_schema_declares_its_audience_and_is_in_the_matrix():
    fields = set(schema.get_query_type().fields) | set(schema.get_mutation_type().fields)
    assert set(AUDIENCES) == fields
    assert all(isinstance(audience, Audience) for audience in AUDIENCES.values()), AUDIENCES
    # Every mutation acts on someone's order or case, or on the channel's policy: none is open to anyone.
    assert not [name for name in schema.get_mutation_type().fields if AUDIENCES[name] is PUBLIC]
    assert {operation.name for operation in OPERATIONS} == fields


@pytest.mark.django_db
@pytest.mark.parametrize("owner", [REGISTERED, GUEST_ORDER])
@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("operation", OPERATIONS, ids=[operation.name for operation in OPERATIONS])
def test_who_may_do_what_and_see(operation: Operation, role: str, owner: str):
    order = published_order() if owner == REGISTERED else published_order(customer_id=None)
    principal, email = ROLES[role]
    response = call(operation.query, operation.variables(order, email), principal)
    expected = (EXPECTED if owner == REGISTERED else EXPECTED_ON_GUEST_ORDER)[AUDIENCES[operation.name]][role]
    assert outcome(response, operation.name) == expected, response
    if expected == ALLOWED and role in ("staff", "merchant", "app"):
        assert_manager_sees_staff_data(response, operation.name)
    elif expected == ALLOWED:
        assert_owner_sees_no_staff_data(response, operation.name)


@pytest.mark.django_db
def test_another_customers_case_looks_exactly_like_a_missing_one():
    order = published_order()
    case = return_case(order)
    query = "query($id: ID!) { afterSalesCase(id: $id) { id } }"
    theirs = call(query, {"id": case_gid(case)}, OTHER_CUSTOMER)
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
    assert call(query, {"id": case_gid(case)}, STAFF_OTHER_CHANNEL, channel="us")["data"]["afterSalesCase"]
    # The "volt" endpoint never shows a case of "us", even to a manager of every channel.
    assert call(query, {"id": case_gid(case)}, STAFF)["data"]["afterSalesCase"] is None


CREATES = {
    "complaintCreate": (
        "mutation($input: ComplaintCreateInput!) { complaintCreate(input: $input) "
        "{ errors { field code message } case { id orderNumber customerEmail comment } } }",
        lambda order: {"category": "SERVICE", "comment": f"Late order {order.number}"},
    ),
    "returnRequestCreate": (
        "mutation($input: ReturnRequestCreateInput!) { returnRequestCreate(input: $input) "
        "{ errors { field code message } case { id orderNumber customerEmail comment } } }",
        lambda order: {"lines": [{"lineId": line_gid(order, 1), "quantity": 1}], "reason": "changed_mind"},
    ),
}


def create_with_key(name: str, order: OrderRecord, principal: Principal, key: str, email: str = "") -> dict:
    query, fields = CREATES[name]
    variables = {"input": {"order": order_gid(order), "idempotencyKey": key, **fields(order)}}
    if email:
        variables["input"]["email"] = email
    response = call(query, variables, principal)
    assert not response.get("errors"), response
    return response["data"][name]


@pytest.mark.django_db
@pytest.mark.parametrize("name", list(CREATES))
def test_an_idempotency_key_belongs_to_its_caller(name: str):
    ada = published_order()
    bob = record(customer_id=OTHER_CUSTOMER.id, customer_email=OTHER_CUSTOMER.email, number="2002")
    guest = record(customer_id=None, customer_email="gus@example.com", number="3003")
    key = "retry-42"

    first = create_with_key(name, ada, CUSTOMER, key)["case"]
    # Another customer and a guest reuse the key: each gets a case of their own, and nothing of Ada's.
    for order, principal, email in ((bob, OTHER_CUSTOMER, ""), (guest, GUEST, "gus@example.com")):
        answer = create_with_key(name, order, principal, key, email)
        assert answer["errors"] == []
        assert answer["case"]["id"] != first["id"]
        assert answer["case"]["orderNumber"] == order.number
        leaked = json.dumps(answer)
        assert first["id"] not in leaked and EMAIL not in leaked and "1001" not in leaked
    # Ada repeating her request gets her case back, not a second one.
    assert create_with_key(name, ada, CUSTOMER, key)["case"] == first
    assert Case.objects.count() == 3
    assert Case.objects.filter(idempotency_key=key).count() == 0  # stored scoped, never as sent

    # Ada reusing the key for another order is told so, without being shown anything.
    other = record(number="4004")
    answer = create_with_key(name, other, CUSTOMER, key)
    assert answer["case"] is None
    assert answer["errors"] == [
        {
            "field": "idempotencyKey",
            "code": "DUPLICATED",
            "message": "This idempotencyKey was already used for another request; send a new key for a new "
            "request.",
        }
    ]
    assert Case.objects.count() == 3


@pytest.mark.django_db
def test_a_guest_with_the_email_of_a_registered_customers_order_can_do_nothing():
    order = published_order()  # placed by the registered customer Ada
    case = return_case(order)
    variables = {
        "input": {"order": order_gid(order), "email": EMAIL, "category": "SERVICE", "comment": "Mine!"}
    }
    response = call(CREATES["complaintCreate"][0], variables, GUEST)
    (error,) = response["data"]["complaintCreate"]["errors"]
    assert error["code"] == "NOT_FOUND"
    assert Case.objects.count() == 1
    seen = call(
        "query($id: ID!, $email: String) { afterSalesCase(id: $id, email: $email) { id comment } }",
        {"id": case_gid(case), "email": EMAIL},
        GUEST,
    )
    assert seen["data"] == {"afterSalesCase": None}
    assert seen["errors"][0]["extensions"]["code"] == "NOT_FOUND"


@pytest.mark.django_db
def test_the_customer_never_reads_the_staff_override_reason():
    order = published_order()
    case = return_case(order, "inspected")
    resolved = call(
        'mutation($id: ID!) { caseResolve(id: $id, resolution: REFUND, amount: "400.00", '
        'reason: "SECRET-override: customer threatened a chargeback") { errors { code message } case { id } } }',
        {"id": case_gid(case)},
        STAFF,
    )
    assert resolved["data"]["caseResolve"]["errors"] == [], resolved
    query = "query($id: ID!) { afterSalesCase(id: $id) { status events { type toStatus message } } }"
    seen = call(query, {"id": case_gid(case)}, CUSTOMER)["data"]["afterSalesCase"]
    assert seen["status"] == "RESOLVED"
    assert SECRET not in json.dumps(seen)
    resolved_events = [event for event in seen["events"] if event["toStatus"] == "RESOLVED"]
    assert [event["message"] for event in resolved_events] == ["Your request has been resolved."]
    staff_view = call(query, {"id": case_gid(case)}, STAFF)["data"]["afterSalesCase"]
    assert "SECRET-override: customer threatened a chargeback" in json.dumps(staff_view)
