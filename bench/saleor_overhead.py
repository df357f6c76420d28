"""Cost of the plugin on Saleor's hot paths: checkoutComplete and orderFulfill, plugin active vs inactive.

Runs inside a Saleor environment (Saleor's source root on sys.path, its Python, its test database), because it uses
Saleor's own GraphQL API through its test client and fixtures; ``make test-saleor`` installs the plugin there first:

    make test-saleor ARGS=--co   # once: installs the plugin into Saleor's env
    . /path/to/saleor-env.sh
    PYTHONPATH=$SALEOR_SRC $SALEOR_PYTHON bench/saleor_overhead.py [--rounds 30] [--create-db]

Each round places one order in each mode (alternating, so drift hits both alike) and times only the two mutations.
Two passes: with a broker (as deployed: the hooks publish the recording task, and the worker runs live, between
rounds — after every round it takes the queued tasks and records the orders, so its writes, the growing tables and
the published policy are there for the next timed request; every order placed while active must be recorded by the
round after), then without one (Saleor's default when CELERY_BROKER_URL is unset: tasks run inline, inside the
request). Prints the medians, the inline ratio, and last ``ratio active/inactive: X`` for the deployed set-up; the
goal is <= 1.05. The hooks themselves run no query and no transaction (tests/saleor/test_hooks_in_saleor.py).
"""

import argparse
import json
import os
import statistics
import sys
import time
from typing import Any

import pytest
from harness import run_in_saleor_tier

ROUNDS = int(os.environ.get("AFTERSALES_BENCH_ROUNDS", "30"))
WARM_UP = 3

CHECKOUT_CREATE = """
mutation ($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) { checkout { id shippingMethods { id } } errors { field message } }
}
"""
DELIVERY = """
mutation ($id: ID!, $method: ID!) {
  checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $method) { errors { field message } }
}
"""
COMPLETE = """
mutation ($id: ID!) { checkoutComplete(id: $id) { order { id lines { id quantity } } errors { field message } } }
"""
MARK_AS_PAID = "mutation ($id: ID!) { orderMarkAsPaid(id: $id) { errors { field message } } }"
FULFILL = """
mutation ($order: ID!, $input: OrderFulfillInput!) {
  orderFulfill(order: $order, input: $input) { order { status } errors { field message } }
}
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


def _ok(client: Any, query: str, variables: dict[str, Any], name: str) -> dict[str, Any]:
    content = json.loads(client.post_graphql(query, variables).content)
    assert "errors" not in content, content["errors"]
    payload = content["data"][name]
    assert not payload["errors"], payload["errors"]
    return payload


def _place_and_fulfil(api: Any, staff: Any, variant_id: str, warehouse_id: str) -> tuple[float, float]:
    """Place one order through checkoutComplete and fulfil it; returns the two mutations' times."""
    created = _ok(
        api,
        CHECKOUT_CREATE,
        {
            "input": {
                "channel": "main",
                "email": "bench@example.com",
                "lines": [{"variantId": variant_id, "quantity": 1}],
                "shippingAddress": ADDRESS,
                "billingAddress": ADDRESS,
            }
        },
        "checkoutCreate",
    )["checkout"]
    _ok(
        api,
        DELIVERY,
        {"id": created["id"], "method": created["shippingMethods"][0]["id"]},
        "checkoutDeliveryMethodUpdate",
    )
    started = time.perf_counter()
    order = _ok(api, COMPLETE, {"id": created["id"]}, "checkoutComplete")["order"]
    checkout_seconds = time.perf_counter() - started
    _ok(staff, MARK_AS_PAID, {"id": order["id"]}, "orderMarkAsPaid")
    lines = [
        {"orderLineId": line["id"], "stocks": [{"quantity": line["quantity"], "warehouse": warehouse_id}]}
        for line in order["lines"]
    ]
    started = time.perf_counter()
    _ok(
        staff,
        FULFILL,
        {"order": order["id"], "input": {"lines": lines, "notifyCustomer": False}},
        "orderFulfill",
    )
    return checkout_seconds, time.perf_counter() - started


def _drain(app: Any) -> int:
    """Run every task message waiting in the in-memory broker, and those these tasks queue, as a worker would;
    returns how many ran."""
    from saleor_steps import take_queued  # in-function: tests/saleor joins sys.path in the Saleor tier (main)

    ran = 0
    while messages := take_queued(app):
        for message in messages:
            args, kwargs, _embed = message.decode()
            app.tasks[message.headers["task"]].apply(args=args, kwargs=kwargs)
        ran += len(messages)
    return ran


def _measure(
    api: Any, staff: Any, config: Any, variant_id: str, warehouse_id: str, worker: Any = None
) -> dict[bool, list[float]]:
    """Alternate the modes (so drift hits both alike); per round the checkoutComplete + orderFulfill time.

    ``worker`` (untimed) runs after every round, as a live worker would between requests.
    """
    from saleor_aftersales_plugin.models import OrderRecord

    timings: dict[bool, list[float]] = {True: [], False: []}
    for index in range(WARM_UP + ROUNDS):
        for active in (True, False) if index % 2 else (False, True):
            config.active = active
            config.save(update_fields=["active"])
            checkout, fulfil = _place_and_fulfil(api, staff, variant_id, warehouse_id)
            if index >= WARM_UP:
                timings[active].append((checkout, fulfil))  # type: ignore[arg-type]
        if worker is not None:
            worker()
            recorded = OrderRecord.objects.count()
            assert recorded == index + 1, f"after round {index + 1} the worker has recorded {recorded} orders"
    return timings  # type: ignore[return-value]


def _report(title: str, timings: Any) -> tuple[list[str], float]:
    def median(active: bool, which: int) -> float:
        return statistics.median(t[which] for t in timings[active])

    lines = [title]
    for which, name in ((0, "checkoutComplete"), (1, "orderFulfill")):
        lines.append(
            f"  {name:17} active {median(True, which) * 1000:8.1f} ms   "
            f"inactive {median(False, which) * 1000:8.1f} ms"
        )
    ratio = statistics.median(sum(t) for t in timings[True]) / statistics.median(
        sum(t) for t in timings[False]
    )
    return lines, ratio


@pytest.mark.django_db
def test_overhead(
    settings: Any,
    api_client: Any,
    staff_api_client: Any,
    permission_group_manage_orders: Any,
    channel_USD: Any,
    product: Any,
    shipping_method: Any,
    warehouse: Any,
) -> None:
    import graphene
    from celery import current_app
    from saleor.plugins.models import PluginConfiguration
    from saleor.warehouse.models import Stock

    from saleor_aftersales_plugin.constants import PLUGIN_ID
    from saleor_aftersales_plugin.models import OrderRecord

    settings.PLUGINS = ["saleor_aftersales_plugin.plugin.AfterSalesPlugin"]
    permission_group_manage_orders.user_set.add(staff_api_client.user)
    channel_USD.allow_unpaid_orders = True
    channel_USD.save(update_fields=["allow_unpaid_orders"])
    variant = product.variants.get()
    Stock.objects.filter(product_variant=variant).update(quantity=100000)
    config = PluginConfiguration.objects.create(
        identifier=PLUGIN_ID, channel=channel_USD, active=True, configuration=[]
    )
    variant_id = graphene.Node.to_global_id("ProductVariant", variant.pk)
    warehouse_id = graphene.Node.to_global_id("Warehouse", warehouse.pk)

    # The app the plugin's shared tasks resolve to (Saleor's, or the Celery test app some Saleor fixtures install).
    app = current_app._get_current_object()
    # As deployed: a broker between Saleor and the Celery worker (here kombu's in-process memory transport).
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
    ran = 0

    def worker() -> None:
        nonlocal ran
        ran += _drain(app)

    try:
        queued = _measure(api_client, staff_api_client, config, variant_id, warehouse_id, worker)
    finally:
        app.conf.broker_url = broker
    recorded = OrderRecord.objects.count()
    active_orders = WARM_UP + ROUNDS
    assert recorded == active_orders, (
        f"{recorded} orders recorded by the worker, {active_orders} placed while active"
    )

    # Without a broker Saleor runs tasks inline: the recording then happens inside the request.
    app.conf.task_always_eager = True
    try:
        inline = _measure(api_client, staff_api_client, config, variant_id, warehouse_id)
    finally:
        app.conf.task_always_eager = eager
    inline_recorded = OrderRecord.objects.count() - recorded
    assert inline_recorded == active_orders, (
        f"{inline_recorded} orders recorded inline, {active_orders} placed"
    )

    lines, ratio = _report(
        "with a broker (the worker records each round's orders before the next round):", queued
    )
    inline_lines, inline_ratio = _report("without a broker (tasks run inline, inside the request):", inline)
    lines += inline_lines
    lines.append(f"  ratio active/inactive without a broker: {inline_ratio:.3f}")
    lines.append(
        f"rounds: {ROUNDS} per mode (medians); {ran} queued tasks run by the worker, {recorded} orders recorded"
    )
    lines.append(f"ratio active/inactive: {ratio:.3f}")
    print("\n" + "\n".join(lines), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="orders placed per mode")
    parser.add_argument("--create-db", action="store_true", help="rebuild Saleor's test database first")
    args = parser.parse_args()
    os.environ["AFTERSALES_BENCH_ROUNDS"] = str(args.rounds)
    return run_in_saleor_tier(__file__, create_db=args.create_db)


if __name__ == "__main__":
    sys.exit(main())
