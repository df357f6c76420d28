"""The plugin's hooks on Saleor's request path: one publish of the recording task per request, carrying every event
Saleor's hooks handed over, no query, no transaction."""

from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from saleor.celeryconf import app as saleor_celery
from saleor.plugins.manager import get_plugins_manager
from saleor.plugins.models import PluginConfiguration
from saleor_steps import (
    CHECKOUT_COMPLETE,
    MARK_AS_PAID,
    HookWitness,
    asgi_graphql,
    checkout_ready,
    fulfil_lines,
    our_messages,
    saleor_call,
)

from saleor_aftersales_plugin.constants import PLUGIN_ID, POLICY_REMINDER, RECORD_SALEOR_ORDER
from saleor_aftersales_plugin.models import OrderRecord, PolicyVersion
from saleor_aftersales_plugin.plugin import AfterSalesPlugin
from saleor_aftersales_plugin.saleor.tasks import (
    RECORD_SALEOR_ORDERS,
    record_saleor_order,
    record_saleor_orders,
)

WITNESS = "saleor_steps.HookWitness"


ORDER = "<the order>"
"""Stands for the fulfilled order's id in parameters (fixtures are not known when they are written)."""


def _plugin_on(settings: Any, channel: Any, *plugins: str) -> None:
    settings.PLUGINS = ["saleor_aftersales_plugin.plugin.AfterSalesPlugin", *plugins]
    PluginConfiguration.objects.create(identifier=PLUGIN_ID, channel=channel, active=True, configuration=[])


def _events(message: Any) -> list[list[str]]:
    """The [order id, event, time] items of one record_saleor_orders message."""
    assert message.headers["task"] == RECORD_SALEOR_ORDERS
    (events,), _kwargs, _embed = message.decode()
    return events


@pytest.mark.django_db
def test_a_hook_outside_a_request_publishes_at_once_and_runs_no_query_and_no_transaction(
    settings, memory_broker, order, channel_USD
):
    _plugin_on(settings, channel_USD)
    plugin = get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID, channel_slug=channel_USD.slug)
    assert isinstance(plugin, AfterSalesPlugin)
    with CaptureQueriesContext(connection) as captured:
        assert plugin.order_created(order, previous_value="unchanged") == "unchanged"
    (message,) = our_messages(memory_broker)
    assert [query["sql"] for query in captured.captured_queries] == []
    (event,) = _events(message)
    assert event[:2] == [str(order.pk), "created"]
    assert not PolicyVersion.objects.filter(channel=channel_USD.slug).exists()  # the worker publishes it

    # The worker publishes the configured (here: default) policy before recording, so the order has one pinned.
    record_saleor_orders.apply(args=[[event]])
    version = PolicyVersion.objects.get(channel=channel_USD.slug)
    assert OrderRecord.objects.get(order_id=order.pk).policy_version == version


@pytest.mark.django_db
def test_hooks_inside_a_request_publish_once_when_it_ends_and_run_no_query_and_no_transaction(
    settings, memory_broker, order, fulfilled_order, channel_USD
):
    _plugin_on(settings, channel_USD)
    plugin = get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID, channel_slug=channel_USD.slug)
    fulfilment = fulfilled_order.fulfillments.get()
    with CaptureQueriesContext(connection) as captured:
        request_started.send(sender=None, environ={})
        plugin.order_created(order, previous_value=None)
        plugin.order_paid(order, previous_value=None)
        plugin.fulfillment_created(fulfilment, previous_value=None)
        plugin.order_fully_paid(order, previous_value=None)
        assert our_messages(memory_broker) == []  # nothing published while the request runs
        request_finished.send(sender=None)
    assert [query["sql"] for query in captured.captured_queries] == []
    (message,) = our_messages(memory_broker)
    assert [event[:2] for event in _events(message)] == [
        [str(order.pk), "created"],
        [str(order.pk), "paid"],
        [str(fulfilled_order.pk), "fulfilled"],
        [str(order.pk), "paid"],
    ]
    # After the request, a hook publishes at once again.
    plugin.order_cancelled(order, previous_value=None)
    (message,) = our_messages(memory_broker)
    assert [event[:2] for event in _events(message)] == [[str(order.pk), "cancelled"]]


@pytest.mark.django_db(
    transaction=True
)  # committed as in production, so Saleor's hooks run inside the request
def test_checkout_and_fulfilment_publish_one_message_each_carrying_every_event(
    settings,
    memory_broker,
    api_client,
    staff_api_client,
    permission_group_manage_orders,
    channel_USD,
    product,
    shipping_method,
    warehouse,
):
    _plugin_on(settings, channel_USD, WITNESS)
    permission_group_manage_orders.user_set.add(staff_api_client.user)
    channel_USD.allow_unpaid_orders = True
    channel_USD.save(update_fields=["allow_unpaid_orders"])
    checkout = checkout_ready(api_client, channel_USD.slug, product.variants.get())
    assert our_messages(memory_broker) == []
    HookWitness.seen.clear()

    published: list[list[list[str]]] = []

    def request(step: Any) -> Any:
        """Run one Saleor request: its hooks' events must all be in the one message the plugin published."""
        HookWitness.seen.clear()
        answer = step()
        (message,) = our_messages(memory_broker)
        events = _events(message)
        assert HookWitness.seen, "Saleor fired no hook the plugin takes"
        assert [tuple(event[:2]) for event in events] == HookWitness.seen
        published.append(events)
        return answer

    order = request(lambda: saleor_call(api_client, CHECKOUT_COMPLETE, {"id": checkout}, "checkoutComplete"))
    order = order["order"]
    request(lambda: saleor_call(staff_api_client, MARK_AS_PAID, {"id": order["id"]}, "orderMarkAsPaid"))
    units = {line["id"]: line["quantity"] for line in order["lines"]}
    request(lambda: fulfil_lines(staff_api_client, order["id"], warehouse, units))
    every = [event for events in published for event in events]
    assert {event for _order, event, _at in every} >= {"created", "paid", "fulfilled"}

    # The worker's side: each message recorded in turn, with the times the hooks saw.
    assert not OrderRecord.objects.exists()
    for events in published:
        record_saleor_orders.apply(args=[events])
    record = OrderRecord.objects.get()
    assert record.paid_at is not None
    assert record.paid_at.isoformat() == max(at for _order, event, at in every if event == "paid")
    assert record.fulfilled_at is not None
    assert [line.quantity_fulfilled for line in record.lines.all()] == list(units.values())


@pytest.mark.django_db(transaction=True)
def test_under_saleors_asgi_handler_a_request_publishes_one_message_carrying_every_event(
    settings, memory_broker, api_client, channel_USD, product, shipping_method, warehouse
):
    _plugin_on(settings, channel_USD, WITNESS)
    channel_USD.allow_unpaid_orders = True
    channel_USD.save(update_fields=["allow_unpaid_orders"])
    checkout = checkout_ready(api_client, channel_USD.slug, product.variants.get())
    assert our_messages(memory_broker) == []
    HookWitness.seen.clear()

    answer = asgi_graphql(CHECKOUT_COMPLETE, {"id": checkout})

    assert not answer.get("errors") and not answer["data"]["checkoutComplete"]["errors"], answer
    (message,) = our_messages(memory_broker)
    events = _events(message)
    assert "created" in {event for _order, event in HookWitness.seen}, HookWitness.seen
    assert [tuple(event[:2]) for event in events] == HookWitness.seen


@pytest.mark.django_db
def test_a_message_records_its_events_in_turn_as_one_message_each_would(
    settings, memory_broker, fulfilled_order, channel_USD
):
    _plugin_on(settings, channel_USD)
    order_id = str(fulfilled_order.pk)
    events = [
        [order_id, "created", "2024-05-01T10:00:00+00:00"],
        [order_id, "paid", "2024-05-01T10:00:01+00:00"],
        [order_id, "paid", "2024-05-01T10:00:02+00:00"],
        [order_id, "fulfilled", "2024-05-02T09:00:00+00:00"],
        [order_id, "refunded", "2024-05-03T09:00:00+00:00"],
        [order_id, "cancelled", "2024-05-04T09:00:00+00:00"],
        [order_id, "confirmed", "2024-05-04T09:00:01+00:00"],
    ]

    def recorded() -> dict[str, Any]:
        record = OrderRecord.objects.get(order_id=order_id)
        fields = model_to_dict(record, exclude=["id", "updated_at"])
        fields["lines"] = [model_to_dict(line, exclude=["id"]) for line in record.lines.order_by("line_id")]
        return fields

    record_saleor_orders.apply(args=[events])
    together = recorded()
    assert together["paid_at"].isoformat() == "2024-05-01T10:00:02+00:00"  # the later of the two
    assert together["cancelled_at"].isoformat() == "2024-05-04T09:00:00+00:00"
    assert [line["quantity_fulfilled"] for line in together["lines"]] == [
        line.quantity_fulfilled for line in fulfilled_order.lines.order_by("id")
    ]
    # The fulfilment asked for the reminder of the order's terms, once.
    assert [m.headers["task"] for m in our_messages(memory_broker)] == [POLICY_REMINDER]

    for event in events:  # one message each, as the hooks published them before
        record_saleor_orders.apply(args=[[event]])
    assert recorded() == together


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("stray", "problem"),
    [
        (
            ["3f0e4f6c-0000-0000-0000-000000000000", "created"],
            "an order event is [order id, event, ISO time]",
        ),
        (None, "an order event is [order id, event, ISO time]"),
        ([ORDER, "shipped", "2024-05-01T10:00:00+00:00"], "unknown event 'shipped'"),
        ([ORDER, "paid", "yesterday"], "'yesterday' is not an ISO time"),
        ([ORDER, "paid", "2024-05-01T10:00:00"], "'2024-05-01T10:00:00' has no time zone"),
    ],
    ids=["two fields", "not a list", "unknown event", "not a time", "no time zone"],
)
def test_an_item_that_is_no_order_event_is_left_out_and_the_rest_recorded(
    settings, memory_broker, fulfilled_order, channel_USD, caplog, stray, problem
):
    """An item of another version's message (a rolling upgrade, a rollback) costs only itself: the order's other
    events and the other orders' are recorded; the task then fails, naming what it left out."""
    _plugin_on(settings, channel_USD)
    order_id = str(fulfilled_order.pk)
    stray = [order_id if part == ORDER else part for part in stray] if isinstance(stray, list) else stray
    events = [
        [order_id, "created", "2024-05-01T10:00:00+00:00"],
        stray,
        [order_id, "fulfilled", "2024-05-02T10:00:00+00:00"],
    ]

    result = record_saleor_orders.apply(args=[events])

    assert not result.successful() and problem in str(result.result)
    assert problem in caplog.text
    record = OrderRecord.objects.get(order_id=order_id)
    assert record.fulfilled_at is not None and record.policy_version is not None


@pytest.mark.django_db
def test_messages_queued_before_an_upgrade_are_still_recorded(settings, memory_broker, order, channel_USD):
    _plugin_on(settings, channel_USD)
    saleor_celery.loader.import_default_modules()
    assert {RECORD_SALEOR_ORDER, RECORD_SALEOR_ORDERS} <= set(saleor_celery.tasks)
    # A message as the earlier version published it: one event, positional (order id, event, time).
    record_saleor_order.apply_async(args=(str(order.pk), "created", "2024-05-01T10:00:00+00:00"))
    (message,) = our_messages(memory_broker)
    assert message.headers["task"] == RECORD_SALEOR_ORDER
    args, _kwargs, _embed = message.decode()
    record_saleor_order.apply(args=args)
    assert OrderRecord.objects.get(order_id=order.pk).policy_version is not None


@pytest.mark.django_db
def test_the_worker_reads_an_order_in_the_same_queries_whatever_its_lines(
    fulfilled_order, category, collection
):
    from saleor.attribute.models import AssignedProductAttributeValue, AssignedVariantAttributeValue
    from saleor.product.models import Category

    from saleor_aftersales_plugin.saleor.facts import order_facts, order_queryset

    phones = Category.objects.create(name="Phones", slug="phones", parent=category)
    smart = Category.objects.create(name="Smart", slug="smart", parent=phones)
    lines = list(fulfilled_order.lines.select_related("variant__product"))
    assert len(lines) >= 2
    products = [line.variant.product for line in lines]
    products[0].category = smart
    products[0].save(update_fields=["category"])
    collection.products.add(products[0])

    def read(order_id: Any) -> tuple[int, Any]:
        with CaptureQueriesContext(connection) as captured:
            facts = order_facts(order_queryset().get(pk=order_id))
        return len(captured.captured_queries), facts

    count, facts = read(fulfilled_order.pk)
    by_line = {line.line_id: line.product for line in facts.lines}
    for line, product in zip(lines, products, strict=True):
        product.refresh_from_db()
        seen = by_line[str(line.pk)]
        assert seen.category_path == tuple(c.slug for c in product.category.get_ancestors(include_self=True))
        assert seen.collections == tuple(sorted(c.slug for c in product.collections.all()))
        expected: dict[str, list[str]] = {}
        assigned = [
            *AssignedProductAttributeValue.objects.filter(product=product),
            *AssignedVariantAttributeValue.objects.filter(assignment__variant=line.variant),
        ]
        for value in assigned:
            expected.setdefault(value.value.attribute.slug, []).append(value.value.slug)
        assert {slug: list(values) for slug, values in seen.attributes.items()} == expected
    assert by_line[str(lines[0].pk)].category_path == (category.slug, "phones", "smart")

    # The order; its lines with variant, product, category and type; collections; product and variant attributes;
    # fulfilments; their lines; the categories' paths. One line only: the same queries.
    assert count == 8
    fulfilled_order.lines.exclude(pk=lines[0].pk).delete()
    assert read(fulfilled_order.pk)[0] == count
