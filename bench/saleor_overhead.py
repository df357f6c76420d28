"""Cost of the plugin on Saleor's hot paths: checkoutComplete and orderFulfill, plugin active vs inactive.

Runs inside a Saleor environment (Saleor's source root on sys.path, its Python, its test database), because it uses
Saleor's own GraphQL API through its test client and fixtures; ``make test-saleor`` installs the plugin there first:

    make test-saleor ARGS=--co   # once: installs the plugin into Saleor's env
    . /path/to/saleor-env.sh
    PYTHONPATH=$SALEOR_SRC $SALEOR_PYTHON bench/saleor_overhead.py [--rounds 30] [--create-db]

Each round places one order in each mode (alternating, so drift hits both alike) and times only the two mutations.
Two passes: with a broker (as deployed: Redis, ``AFTERSALES_BENCH_BROKER`` or redis://127.0.0.1:6379/13; the hooks
publish the recording task and a Celery worker runs live in its own process, consuming the queue while the next
rounds are timed, so its CPU and writes compete with Saleor's requests as they do in production; every order placed
while active must be recorded by the end of the round after), then without one (Saleor's default when
CELERY_BROKER_URL is unset: tasks run inline, inside the request). Prints the medians, the inline ratio, and last
``ratio active/inactive: X`` for the deployed set-up; the goal is <= 1.05. The hooks themselves run no query and
no transaction (tests/saleor/test_hooks_in_saleor.py).
"""

import argparse
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from typing import Any

import pytest
from harness import run_in_saleor_tier, saleor_process_env

ROUNDS = int(os.environ.get("AFTERSALES_BENCH_ROUNDS", "30"))
WARM_UP = 3
BROKER = os.environ.get("AFTERSALES_BENCH_BROKER", "redis://127.0.0.1:6379/13")
EVENT_QUEUES = ("checkout_events_queue", "order_events_queue")
"""Queues Saleor routes its own webhook-event tasks to (saleor.settings); the worker consumes them too."""


def _place_and_fulfil(api: Any, staff: Any, variant: Any, warehouse: Any) -> tuple[float, float]:
    """Place one order through checkoutComplete and fulfil it; returns the two mutations' times."""
    # The Saleor tier's steps (its folder is on sys.path), imported once Django is set up.
    from saleor_steps import CHECKOUT_COMPLETE, MARK_AS_PAID, checkout_ready, fulfil_lines, saleor_call

    checkout = checkout_ready(api, "main", variant)
    started = time.perf_counter()
    order = saleor_call(api, CHECKOUT_COMPLETE, {"id": checkout}, "checkoutComplete")["order"]
    checkout_seconds = time.perf_counter() - started
    saleor_call(staff, MARK_AS_PAID, {"id": order["id"]}, "orderMarkAsPaid")
    units = {line["id"]: line["quantity"] for line in order["lines"]}
    started = time.perf_counter()
    fulfil_lines(staff, order["id"], warehouse, units)
    return checkout_seconds, time.perf_counter() - started


@contextlib.contextmanager
def live_worker(app: Any, database: str, site_id: int) -> Iterator[None]:
    """A Celery worker of Saleor's app in its own process, on the broker ``app`` publishes to and the test's database,
    consuming the queues the hooks and Saleor publish to until the block ends."""
    queues = {app.conf.task_default_queue, *EVENT_QUEUES}
    with tempfile.TemporaryDirectory() as settings_dir:
        env = saleor_process_env(
            settings_dir,
            database,
            SITE_ID=site_id,
            CELERY_BROKER_URL=app.conf.broker_url,
            CELERY_TASK_ALWAYS_EAGER=False,
        )
        name = f"aftersales-bench-{os.getpid()}@localhost"
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "saleor.celeryconf:app",
                "worker",
                "--pool",
                "solo",
                "--hostname",
                name,
                "--queues",
                ",".join(sorted(queues)),
                "--without-gossip",
                "--without-mingle",
                "--loglevel",
                "WARNING",
            ],
            env=env,
        )
        try:
            deadline = time.monotonic() + 120
            while not app.control.ping(destination=[name], timeout=1.0):
                if worker.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the Celery worker did not start (exit status {worker.poll()})")
            yield
        finally:
            worker.terminate()
            worker.wait(60)


def _recorded(expected: int, timeout: float = 120) -> None:
    """Wait (untimed) until the worker has recorded ``expected`` orders."""
    from saleor_aftersales_plugin.models import OrderRecord

    deadline = time.monotonic() + timeout
    while (recorded := OrderRecord.objects.count()) < expected:
        assert time.monotonic() < deadline, f"the worker has recorded {recorded} of {expected} orders"
        time.sleep(0.05)


def _measure(
    api: Any, staff: Any, config: Any, variant: Any, warehouse: Any, live: bool = False
) -> dict[bool, list[float]]:
    """Alternate the modes (so drift hits both alike); per round the checkoutComplete + orderFulfill time.

    ``live``: a worker records the orders meanwhile; by the end of each round it must have recorded the active
    orders of the rounds before (so its work overlaps the next round's requests, as it would in production).
    """
    timings: dict[bool, list[float]] = {True: [], False: []}
    for index in range(WARM_UP + ROUNDS):
        for active in (True, False) if index % 2 else (False, True):
            config.active = active
            config.save(update_fields=["active"])
            checkout, fulfil = _place_and_fulfil(api, staff, variant, warehouse)
            if index >= WARM_UP:
                timings[active].append((checkout, fulfil))  # type: ignore[arg-type]
        if live:
            _recorded(index)
    if live:
        _recorded(WARM_UP + ROUNDS)
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


@pytest.mark.django_db(transaction=True)  # committed, so the worker's process sees the orders
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
    from celery import current_app
    from django.contrib.sites.models import Site
    from django.db import connection
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

    # The app the plugin's shared tasks resolve to (Saleor's, or the Celery test app some Saleor fixtures install).
    app = current_app._get_current_object()
    # As deployed: a broker between Saleor and a Celery worker running live beside it.
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, BROKER
    try:
        app.control.purge()  # messages a stopped run left in this bench's queues
        with live_worker(app, connection.settings_dict["NAME"], Site.objects.get_current().pk):
            queued = _measure(api_client, staff_api_client, config, variant, warehouse, live=True)
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
        inline = _measure(api_client, staff_api_client, config, variant, warehouse)
    finally:
        app.conf.task_always_eager = eager
    inline_recorded = OrderRecord.objects.count() - recorded
    assert inline_recorded == active_orders, (
        f"{inline_recorded} orders recorded inline, {active_orders} placed"
    )

    lines, ratio = _report(
        "with a broker (a live worker records the orders while the next rounds run):", queued
    )
    inline_lines, inline_ratio = _report("without a broker (tasks run inline, inside the request):", inline)
    lines += inline_lines
    lines.append(f"  ratio active/inactive without a broker: {inline_ratio:.3f}")
    lines.append(f"rounds: {ROUNDS} per mode (medians); a live worker on {BROKER} recorded {recorded} orders")
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
