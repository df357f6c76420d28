"""What the Saleor-tier tests do through Saleor's GraphQL API and the plugin's endpoint, and the documents they send.

Steps only: each takes the test's clients and Saleor objects (the fixtures live in conftest.py) and asserts that
Saleor or the plugin answered without errors, so a test reads as the story of one order.
"""

import asyncio
import importlib.util
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import graphene
import saleor
from django.db import connection, connections
from saleor.channel import MarkAsPaidStrategy
from saleor.plugins.base_plugin import BasePlugin
from saleor.webhook.event_types import WebhookEventSyncType
from saleor.webhook.models import Webhook

from saleor_aftersales_plugin.constants import PLUGIN_ID
from saleor_aftersales_plugin.models import OrderRecord
from saleor_aftersales_plugin.plugin import OrderEventHooks
from saleor_aftersales_plugin.saleor.host import SaleorHost
from saleor_aftersales_plugin.services.ledger import LineBalance, balances

WEBHOOKS = "saleor.plugins.webhook.plugin.WebhookPlugin"

# --- Saleor's API

PLUGIN_UPDATE = """
mutation ($id: ID!, $channel: ID, $active: Boolean, $configuration: [ConfigurationItemInput!]) {
  pluginUpdate(id: $id, channelId: $channel, input: {active: $active, configuration: $configuration}) {
    plugin { channelConfigurations { active channel { slug } configuration { name value } } }
    errors { field message code }
  }
}
"""
DRAFT_ORDER_COMPLETE = """
mutation ($id: ID!) { draftOrderComplete(id: $id) { order { id status } errors { field code message } } }
"""
MARK_AS_PAID = """
mutation ($id: ID!) { orderMarkAsPaid(id: $id) { order { id chargeStatus } errors { field code message } } }
"""
ORDER_FULFILL = """
mutation ($order: ID!, $input: OrderFulfillInput!) {
  orderFulfill(order: $order, input: $input) { order { id status } errors { field code message } }
}
"""
RETURN_PRODUCTS = """
mutation ($order: ID!, $input: OrderReturnProductsInput!) {
  orderFulfillmentReturnProducts(order: $order, input: $input) { errors { field code message } }
}
"""
REFUND_PRODUCTS = """
mutation ($order: ID!, $input: OrderRefundProductsInput!) {
  orderFulfillmentRefundProducts(order: $order, input: $input) { errors { field code message } }
}
"""
ORDER_REFUND = """
mutation ($id: ID!, $amount: PositiveDecimal!) { orderRefund(id: $id, amount: $amount) { errors { field code message } } }
"""
GRANT_REFUND = """
mutation ($id: ID!, $input: OrderGrantRefundCreateInput!) {
  orderGrantRefundCreate(id: $id, input: $input) { errors { field code message } }
}
"""

# --- the plugin's API


def case_mutation(field: str, variables: str, case_fields: str = "id status") -> str:
    """A mutation of the plugin's API: ``field`` called with each of ``variables`` (``$name: Type, ...``), answering
    the case's ``case_fields`` and the errors."""
    arguments = ", ".join(f"{name}: ${name}" for name in re.findall(r"\$(\w+)", variables))
    answer = f"case {{ {case_fields} }} errors {{ field code message }}"
    return f"mutation ({variables}) {{ {field}({arguments}) {{ {answer} }} }}"


CASE_FIELDS = "id status failureMessage refund { amount } storeCredit { amount currency }"
RETURN_REQUEST = case_mutation(
    "returnRequestCreate", "$input: ReturnRequestCreateInput!", "id status refund { amount currency }"
)
APPROVE = case_mutation("caseApprove", "$id: ID!", CASE_FIELDS)
RECEIVE = case_mutation("returnRequestMarkReceived", "$id: ID!", CASE_FIELDS)
INSPECT = case_mutation("returnRequestInspect", "$id: ID!, $lines: [LineConditionInput!]!", CASE_FIELDS)
RESOLVE = case_mutation("caseResolve", "$id: ID!, $resolution: AfterSalesResolution", CASE_FIELDS)
RESOLVE_WITH_AMOUNT = case_mutation(
    "caseResolve",
    "$id: ID!, $resolution: AfterSalesResolution, $amount: Decimal, $reason: String",
    CASE_FIELDS,
)
CHECKOUT_CREATE = """
mutation ($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) { checkout { id shippingMethods { id } } errors { field message } }
}
"""
CHECKOUT_DELIVERY = """
mutation ($id: ID!, $method: ID!) {
  checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $method) { errors { field message } }
}
"""
CHECKOUT_COMPLETE = """
mutation ($id: ID!) { checkoutComplete(id: $id) { order { id lines { id quantity } } errors { field message } } }
"""
ADDRESS = {
    "firstName": "Ada",
    "lastName": "Lovelace",
    "streetAddress1": "1 Main Street",
    "city": "New York",
    "postalCode": "10001",
    "countryArea": "NY",
    "country": "US",
    "phone": "+12125550100",
}
ELIGIBILITY = """
query ($order: ID!, $lines: [LineQuantityInput!]) {
  returnEligibility(order: $order, lines: $lines) { lines { lineId eligible reasons { code text } } }
}
"""


def gid(kind: str, pk: Any) -> str:
    return graphene.Node.to_global_id(kind, pk)


def plugin_endpoint(channel_slug: str) -> str:
    return f"/plugins/channel/{channel_slug}/{PLUGIN_ID}/graphql/"


def plugin_call(client: Any, channel_slug: str, query: str, variables: dict[str, Any], **headers: str) -> Any:
    """POST to the plugin's endpoint as ``client`` (its JWT or app token), running on-commit hooks like Saleor's API."""
    saleor_path = client.api_path
    client.api_path = plugin_endpoint(channel_slug)
    try:
        return client.post_graphql(query, variables, **headers)
    finally:
        client.api_path = saleor_path


def payload_of(response: Any, name: str) -> dict[str, Any]:
    """The payload of mutation or query ``name`` in a plugin answer that carries no error."""
    assert response.status_code == 200, response.content
    content = response.json()
    assert "errors" not in content, content["errors"]
    payload = content["data"][name]
    if isinstance(payload, dict) and "errors" in payload:
        assert payload["errors"] == [], payload["errors"]
    return payload


def saleor_call(client: Any, query: str, variables: dict[str, Any], name: str) -> dict[str, Any]:
    """Saleor's answer to mutation ``name``, which must carry no error."""
    content = json.loads(client.post_graphql(query, variables).content)
    assert "errors" not in content, content.get("errors")
    payload = content["data"][name]
    assert payload["errors"] == [], payload["errors"]
    return payload


def enable_plugin(staff: Any, channel: Any, permission_manage_plugins: Any, **values: Any) -> dict[str, Any]:
    """Switch the plugin on in ``channel`` through pluginUpdate, saving ``values``; Saleor's answer (errors included)."""
    staff.user.user_permissions.add(permission_manage_plugins)
    configuration = [{"name": name, "value": value} for name, value in values.items()]
    content = json.loads(
        staff.post_graphql(
            PLUGIN_UPDATE,
            {
                "id": PLUGIN_ID,
                "channel": gid("Channel", channel.pk),
                "active": True,
                "configuration": configuration or None,
            },
        ).content
    )
    assert "errors" not in content, content.get("errors")
    return content["data"]["pluginUpdate"]


# --- an order's life in Saleor


def mark_paid(staff: Any, order: Any) -> Any:
    """Complete the draft order and mark it paid (legacy payment or a transaction, as the channel is set up)."""
    completed = saleor_call(staff, DRAFT_ORDER_COMPLETE, {"id": gid("Order", order.pk)}, "draftOrderComplete")
    assert completed["order"]["status"] == "UNFULFILLED"
    saleor_call(staff, MARK_AS_PAID, {"id": gid("Order", order.pk)}, "orderMarkAsPaid")
    order.refresh_from_db()
    return order


def fulfil(staff: Any, order: Any, warehouse: Any, units: dict[Any, int]) -> dict[str, Any]:
    """Fulfil ``units`` (order line -> quantity) from ``warehouse`` in one fulfilment."""
    return fulfil_lines(
        staff,
        gid("Order", order.pk),
        warehouse,
        {gid("OrderLine", line.pk): quantity for line, quantity in units.items()},
    )


def fulfil_lines(staff: Any, order_id: str, warehouse: Any, units: dict[str, int]) -> dict[str, Any]:
    """Fulfil ``units`` (order line's global id -> quantity) of order ``order_id`` (a global id) in one fulfilment."""
    lines = [
        {
            "orderLineId": line_id,
            "stocks": [{"quantity": quantity, "warehouse": gid("Warehouse", warehouse.pk)}],
        }
        for line_id, quantity in units.items()
    ]
    return saleor_call(
        staff,
        ORDER_FULFILL,
        {"order": order_id, "input": {"lines": lines, "notifyCustomer": False}},
        "orderFulfill",
    )


def checkout_ready(client: Any, channel_slug: str, variant: Any) -> str:
    """A checkout of one unit of ``variant`` with addresses and the first delivery method; its global id."""
    created = saleor_call(
        client,
        CHECKOUT_CREATE,
        {
            "input": {
                "channel": channel_slug,
                "email": "ada@example.com",
                "lines": [{"variantId": gid("ProductVariant", variant.pk), "quantity": 1}],
                "shippingAddress": ADDRESS,
                "billingAddress": ADDRESS,
            }
        },
        "checkoutCreate",
    )["checkout"]
    saleor_call(
        client,
        CHECKOUT_DELIVERY,
        {"id": created["id"], "method": created["shippingMethods"][0]["id"]},
        "checkoutDeliveryMethodUpdate",
    )
    return created["id"]


def place_paid_fulfilled_order(staff: Any, order: Any, warehouse: Any) -> Any:
    """The draft order completed, paid and fulfilled in full."""
    mark_paid(staff, order)
    fulfilled = fulfil(staff, order, warehouse, {line: line.quantity for line in order.lines.all()})
    assert fulfilled["order"]["status"] == "FULFILLED"
    order.refresh_from_db()
    return order


def pay_through_app(
    settings: Any, channel: Any, app: Any, permission_manage_payments: Any, refund_url: str
) -> None:
    """Orders of ``channel`` are paid through transactions (mark-as-paid); ``app`` handles their refunds, its
    refund webhook being ``refund_url``."""
    settings.PLUGINS = [*settings.PLUGINS, WEBHOOKS]
    app.permissions.add(permission_manage_payments)
    channel.order_mark_as_paid_strategy = MarkAsPaidStrategy.TRANSACTION_FLOW
    channel.save(update_fields=["order_mark_as_paid_strategy"])
    webhook = Webhook.objects.create(name="refunds", app=app, target_url=refund_url)
    webhook.events.create(event_type=WebhookEventSyncType.TRANSACTION_REFUND_REQUESTED)


def hand_payment_to(app: Any, order: Any) -> Any:
    """Make ``app`` the payment app of the order's transaction (as if it had charged it); the transaction."""
    payment = order.payment_transactions.get()
    payment.app = app
    payment.app_identifier = app.identifier
    payment.save(update_fields=["app", "app_identifier"])
    return payment


def transactions_order(
    settings: Any,
    staff: Any,
    channel: Any,
    app: Any,
    permission_manage_payments: Any,
    refund_url: str,
    draft: Any,
    warehouse: Any,
) -> Any:
    """An order paid through a transaction of ``app``, whose refund webhook is ``refund_url``, and fulfilled."""
    pay_through_app(settings, channel, app, permission_manage_payments, refund_url)
    order = place_paid_fulfilled_order(staff, draft, warehouse)
    hand_payment_to(app, order)
    return order


def refund_order(staff: Any, order: Any, amount: Any) -> dict[str, Any]:
    """Staff refund ``amount`` of the order in Saleor (orderRefund: order level, the order's payment)."""
    return saleor_call(
        staff, ORDER_REFUND, {"id": gid("Order", order.pk), "amount": str(amount)}, "orderRefund"
    )


def return_products(staff: Any, order: Any, fulfilment_line: Any, quantity: int) -> dict[str, Any]:
    """Staff take ``quantity`` units of a fulfilment line back in Saleor (no refund)."""
    return saleor_call(
        staff,
        RETURN_PRODUCTS,
        {
            "order": gid("Order", order.pk),
            "input": {
                "fulfillmentLines": [
                    {"fulfillmentLineId": gid("FulfillmentLine", fulfilment_line.pk), "quantity": quantity}
                ],
                "refund": False,
            },
        },
        "orderFulfillmentReturnProducts",
    )


def ledger_figures(order: Any) -> dict[str, LineBalance]:
    """The plugin's per-line figures of the order, against Saleor's ledger."""
    return balances(OrderRecord.objects.get(order_id=order.pk), SaleorHost())


@dataclass
class Shop:
    """A Saleor shop with the plugin in its settings (the ``shop`` fixture): staff who manage orders in every channel,
    a registered customer, channel USD and the customer's draft order there, ready to be placed."""

    settings: Any
    staff: Any
    customer: Any
    channel: Any
    permission_manage_plugins: Any
    draft_order: Any
    warehouse: Any

    @property
    def slug(self) -> str:
        return self.channel.slug

    def enable(self, **values: Any) -> dict[str, Any]:
        """Switch the plugin on in the channel, saving ``values``; Saleor's pluginUpdate answer."""
        return enable_plugin(self.staff, self.channel, self.permission_manage_plugins, **values)

    def place_order(self) -> Any:
        """The customer's draft order completed, paid and fulfilled in full."""
        return place_paid_fulfilled_order(self.staff, self.draft_order, self.warehouse)

    def staff_call(self, query: str, variables: dict[str, Any]) -> Any:
        """The plugin's answer to ``query`` sent by the staff member in the channel."""
        return plugin_call(self.staff, self.slug, query, variables)

    def customer_call(self, query: str, variables: dict[str, Any]) -> Any:
        """The plugin's answer to ``query`` sent by the customer in the channel."""
        return plugin_call(self.customer, self.slug, query, variables)


# --- Saleor's ASGI application, as a server runs it


@cache
def saleor_asgi_handler() -> Any:
    """Saleor's ASGI handler (``saleor/asgi/asgi_handler.py``, what ``saleor.asgi`` serves), loaded from its file:
    importing the ``saleor.asgi`` package would set up a server process (telemetry anew, dropping the metrics
    Saleor's modules created, so its webhook tasks fail)."""
    path = Path(saleor.__file__).parent / "asgi" / "asgi_handler.py"
    spec = importlib.util.spec_from_file_location("aftersales_tests_saleor_asgi_handler", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.get_asgi_application()


def asgi_graphql(query: str, variables: dict[str, Any], path: str = "/graphql/") -> dict[str, Any]:
    """POST a GraphQL document to Saleor's ASGI application (the handler ``saleor.asgi`` serves) as an ASGI server
    would, in a fresh event loop; the decoded answer. Its sync code runs on the handler's executor threads, whose
    connections to every database alias go to the test's (committed: use a transactional test) database."""
    body = json.dumps({"query": query, "variables": variables}).encode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    sent: list[dict[str, Any]] = []

    async def exchange() -> None:
        requests = [{"type": "http.request", "body": body, "more_body": False}]

        async def receive() -> dict[str, Any]:
            if requests:
                return requests.pop()
            await asyncio.Event().wait()  # the client stays connected; the handler cancels this wait
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await saleor_asgi_handler()(scope, receive, send)

    # Connections made on other threads read connections.settings, where only the default alias names the test
    # database (the replica is a test mirror on this thread only).
    test_database = connection.settings_dict["NAME"]
    names = {alias: connections.settings[alias]["NAME"] for alias in connections.settings}
    for alias in names:
        connections.settings[alias]["NAME"] = test_database
    try:
        asyncio.run(exchange())
    finally:
        for alias, name in names.items():
            connections.settings[alias]["NAME"] = name
    assert sent[0]["status"] == 200, sent
    return json.loads(b"".join(message.get("body", b"") for message in sent[1:]))


# --- a second plugin that witnesses Saleor's hooks


class HookWitness(OrderEventHooks, BasePlugin):
    """A Saleor plugin beside the after-sales one (``settings.PLUGINS``) with the same order hooks, noting each
    event instead of recording it: ``seen`` lists (order id, event) in the order Saleor fired them."""

    PLUGIN_ID = "tests.hook_witness"
    PLUGIN_NAME = "Hook witness"
    DEFAULT_ACTIVE = True
    seen: ClassVar[list[tuple[str, str]]] = []

    def note_order_event(self, event: str, order_id: Any) -> None:
        self.seen.append((str(order_id), event))


# --- Celery's broker


def our_messages(app: Any) -> list[Any]:
    """Take every waiting task message (as :func:`take_queued`) and keep the plugin's."""
    return [m for m in take_queued(app) if m.headers["task"].startswith("saleor_aftersales_plugin.")]


def take_queued(app: Any) -> list[Any]:
    """Take and acknowledge every task message waiting in ``app``'s broker (kombu's in-memory transport here)."""
    messages = []
    with app.connection_for_read() as broker:
        queue = broker.SimpleQueue(app.conf.task_default_queue)
        try:
            while True:
                try:
                    message = queue.get(block=False)
                except queue.Empty:
                    return messages
                messages.append(message)
                message.ack()
        finally:
            queue.close()


# --- cases through the plugin


def return_input(
    order: Any, line: Any, quantity: int = 1, reason: str = "changed_mind", **extra: Any
) -> dict[str, Any]:
    """The ``input`` of returnRequestCreate for ``quantity`` units of one line (``extra``: further input fields)."""
    return {
        "order": gid("Order", order.pk),
        "lines": [{"lineId": gid("OrderLine", line.pk), "quantity": quantity}],
        "reason": reason,
        **extra,
    }


def return_request(
    client: Any, channel_slug: str, order: Any, line: Any, quantity: int = 1, **extra: Any
) -> Any:
    """The plugin's answer to a change-of-mind return of ``quantity`` units of ``line``."""
    return plugin_call(
        client, channel_slug, RETURN_REQUEST, {"input": return_input(order, line, quantity, **extra)}
    )


def request_return(channel_slug: str, client: Any, order: Any, resolution: str | None = None) -> str:
    """A return of one unit of the order's first line; the new case's id."""
    line = order.lines.order_by("created_at").first()
    extra = {"desiredResolution": resolution} if resolution else {}
    answer = return_request(client, channel_slug, order, line, **extra)
    return payload_of(answer, "returnRequestCreate")["case"]["id"]


def inspect_case(staff: Any, channel_slug: str, case_id: str, line: Any) -> None:
    """Staff approve the return, receive the item and find ``line``'s unit unopened."""
    approved = payload_of(plugin_call(staff, channel_slug, APPROVE, {"id": case_id}), "caseApprove")
    assert approved["case"]["status"] == "AWAITING_RETURN"
    received = payload_of(
        plugin_call(staff, channel_slug, RECEIVE, {"id": case_id}), "returnRequestMarkReceived"
    )
    assert received["case"]["status"] == "RECEIVED"
    inspected_ = payload_of(
        plugin_call(
            staff,
            channel_slug,
            INSPECT,
            {"id": case_id, "lines": [{"lineId": gid("OrderLine", line.pk), "condition": "UNOPENED"}]},
        ),
        "returnRequestInspect",
    )
    assert inspected_["case"]["status"] == "INSPECTED"


def inspected(channel_slug: str, customer: Any, staff: Any, order: Any) -> str:
    """A return of one unit of the order's first line, taken as far as inspected; the case's id."""
    case_id = request_return(channel_slug, customer, order)
    inspect_case(staff, channel_slug, case_id, order.lines.order_by("created_at").first())
    return case_id


def return_and_resolve(
    channel_slug: str, requester: Any, staff: Any, order: Any, resolution: str
) -> dict[str, Any]:
    """A return of one unit of the order's first line, inspected and resolved with ``resolution``; the caseResolve
    payload (errors included)."""
    case_id = inspected(channel_slug, requester, staff, order)
    response = plugin_call(staff, channel_slug, RESOLVE, {"id": case_id, "resolution": resolution})
    assert response.status_code == 200, response.content
    return response.json()["data"]["caseResolve"]


def eligibility(client: Any, channel_slug: str, order: Any, line: Any, quantity: int) -> dict[str, Any]:
    """The plugin's eligibility answer for ``quantity`` units of ``line``."""
    answer = payload_of(
        plugin_call(
            client,
            channel_slug,
            ELIGIBILITY,
            {
                "order": gid("Order", order.pk),
                "lines": [{"lineId": gid("OrderLine", line.pk), "quantity": quantity}],
            },
        ),
        "returnEligibility",
    )
    return answer["lines"][0]
