"""What the GraphQL tests share: the channel, its callers, the example policy, recorded orders, global ids and
``call()``, which answers a query through :func:`~saleor_aftersales_plugin.graphql.api.execute`."""

import copy
import functools
import json
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import factories
import graphene
from django.utils import timezone

from saleor_aftersales_plugin.domain.actors import Principal
from saleor_aftersales_plugin.domain.facts import OrderLineFacts
from saleor_aftersales_plugin.graphql.api import RequestContext, execute
from saleor_aftersales_plugin.models import Case, OrderRecord
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import orders, policies

CHANNEL = "volt"
EMAIL = "ada@example.com"
CUSTOMER = Principal("customer", "cust-1", EMAIL)
OTHER_CUSTOMER = Principal("customer", "cust-2", "bob@example.com")
GUEST = Principal("anonymous")
STAFF = Principal("staff", "staff-1", "staff@volt.example", frozenset({"MANAGE_ORDERS"}))
STAFF_OTHER_CHANNEL = Principal(
    "staff", "staff-2", "other@volt.example", frozenset({"MANAGE_ORDERS"}), frozenset({"us"})
)
STAFF_NO_PERMISSION = Principal("staff", "staff-3", "intern@volt.example")
APP = Principal("app", "app-1", permissions=frozenset({"MANAGE_ORDERS"}))
APP_NO_PERMISSION = Principal("app", "app-2")
EXAMPLE_POLICY = Path(__file__).resolve().parents[2] / "examples" / "electronics-shop.yaml"
TELEVISION = replace(factories.TV, product_name="55-inch TV", product_type="television")


@functools.cache
def example_document() -> tuple[str, dict[str, Any], str]:
    source = EXAMPLE_POLICY.read_text()
    data, source_format = load_source(source)
    return source, normalise_policy(data), source_format


def publish_example(channel: str = CHANNEL) -> None:
    source, document, source_format = example_document()
    policies.publish_policy(channel, copy.deepcopy(document), source, source_format)


def published_order(
    lines: tuple[OrderLineFacts, ...] | None = None, channel: str = CHANNEL, **changes: Any
) -> OrderRecord:
    """The example policy published in ``channel`` and an order recorded there, as :func:`record` records it."""
    publish_example(channel)
    return record(lines, channel, **changes)


def tv_line(quantity: int = 3, **changes: Any) -> OrderLineFacts:
    """``quantity`` 55-inch TVs at 499.00, delivered two days ago; ``changes`` override."""
    delivered = timezone.now() - timedelta(days=2)
    times = {"delivered_at": delivered, "fulfilled_at": delivered - timedelta(days=1)}
    return factories.order_line(TELEVISION, quantity=quantity, unit_price="499.00", **{**times, **changes})


def cable_line() -> OrderLineFacts:
    delivered = timezone.now() - timedelta(days=2)
    return factories.cable_line(delivered_at=delivered, fulfilled_at=delivered - timedelta(days=1))


def record(
    lines: tuple[OrderLineFacts, ...] | None = None, channel: str = CHANNEL, **changes: Any
) -> OrderRecord:
    lines = lines if lines is not None else (tv_line(), cable_line())
    customer = {"number": "1001", "customer_email": EMAIL, "customer_id": CUSTOMER.id}
    return orders.record_order(factories.order_facts(lines, channel=channel, **{**customer, **changes}))


def gid(type_name: str, value: Any) -> str:
    return graphene.Node.to_global_id(type_name, str(value))


def case_gid(case: Case) -> str:
    return gid("AfterSalesCase", case.pk)


def order_gid(order: OrderRecord) -> str:
    return gid("Order", order.order_id)


def line_gid(order: OrderRecord, index: int) -> str:
    return gid("OrderLine", order.lines.order_by("id")[index].line_id)


def call(
    query: str, variables: dict[str, Any] | None = None, principal: Principal = STAFF, channel: str = CHANNEL
) -> dict[str, Any]:
    """Execute and return the response; the HTTP status must be 200."""
    status, response = execute(
        {"query": query, "variables": variables or {}}, RequestContext(channel, principal, SandboxHost())
    )
    assert status == 200, response
    json.dumps(response)  # JSON-ready as returned, no custom encoder needed
    return response


def ok(response: dict[str, Any], name: str) -> dict[str, Any]:
    """The payload of mutation or query ``name``, asserting no errors anywhere."""
    assert not response.get("errors"), response
    payload = response["data"][name]
    if isinstance(payload, dict) and "errors" in payload:
        assert payload["errors"] == [], payload["errors"]
    return payload


CASE_FIELDS = """
  id number kind status allowedNextStatuses orderId
  lines { orderLineId sku quantity reason condition eligible reasons refund { amount currency } fee { amount currency } decision
          paid { amount currency } alreadyRefunded { amount currency } }
  refund { amount currency } fees { amount currency } storeCredit { amount currency }
  deadlines { firstResponseDue resolutionDue } assignee escalationTier failureMessage policyVersion
  decision { eligible reviewRequired resolutions }
  events { type fromStatus toStatus actorType actorId message internal trace payload }
"""
"""What a case answer shows, staff-only fields included."""

RETURN_ONE_UNIT = """mutation($input: ReturnRequestCreateInput!) {
  returnRequestCreate(input: $input) { errors { field code message } case { id number lines { quantity } } } }"""


def return_one_unit(order: OrderRecord, key: str | None = None) -> dict[str, Any]:
    """The customer asks to return one unit of the order's first line; the ``returnRequestCreate`` payload."""
    variables = {
        "input": {
            "order": order_gid(order),
            "lines": [{"lineId": line_gid(order, 0), "quantity": 1}],
            "reason": "changed_mind",
            "idempotencyKey": key,
        }
    }
    return call(RETURN_ONE_UNIT, variables, CUSTOMER)["data"]["returnRequestCreate"]


REPAIR_ONE_UNIT = """mutation($input: RepairRequestCreateInput!) { repairRequestCreate(input: $input) {
    errors { field code message } case { id number status kind } } }"""


def repair_one_unit(order: OrderRecord, **claim: Any) -> dict[str, Any]:
    """The customer sends one unit of the order's first line in as defective, with two photos (``claim`` changes
    the input); the ``repairRequestCreate`` payload."""
    variables = {
        "input": {
            "order": order_gid(order),
            "line": {"lineId": line_gid(order, 0), "quantity": 1},
            "reason": "defective",
            "photoUrls": ["https://img.example/1.jpg", "https://img.example/2.jpg"],
            **claim,
        }
    }
    return call(REPAIR_ONE_UNIT, variables, CUSTOMER)["data"]["repairRequestCreate"]
