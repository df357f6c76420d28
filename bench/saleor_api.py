"""returnEligibility against Saleor's own order query, both served by one uvicorn Saleor with the plugin, 20 clients.

Saleor tier (not CI): runs inside a Saleor environment, like bench/saleor_overhead.py:

    make test-saleor SALEOR_ENV=/path/to/saleor-env.sh   # once: installs the plugin, builds Saleor's test database
    . /path/to/saleor-env.sh
    PYTHONPATH=$SALEOR_SRC $SALEOR_PYTHON bench/saleor_api.py [--clients 20] [--rounds 25]

Saleor's test fixtures create a channel, a product and an order with lines in Saleor's test database (committed,
so the server sees them); the plugin is activated for the channel and its policy published. Then a uvicorn Saleor
(Saleor's test settings plus the plugin) serves both APIs while each client — a thread with its own keep-alive
connection and a staff token with MANAGE_ORDERS — alternates Saleor's ``order(id:)`` with its lines and the plugin's
``returnEligibility`` for the same order. Every answer is checked. Prints p50/p95 per query and
`ratio eligibility/saleor-order p95 at N clients: X` (goal <= 1.0).
"""

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

import pytest
from harness import run_in_saleor_tier, saleor_process_env

CLIENTS = int(os.environ.get("AFTERSALES_BENCH_CLIENTS", "20"))
ROUNDS = int(os.environ.get("AFTERSALES_BENCH_ROUNDS", "25"))

SALEOR_ORDER = """query($id: ID!) {
  order(id: $id) { id number status lines { id productName quantity quantityFulfilled
                   unitPrice { gross { amount currency } } } }
}"""
ELIGIBILITY = """query($order: ID!) {
  returnEligibility(order: $order, reason: "changed_mind", resolution: REFUND) {
    eligible refundEstimate { amount currency } lines { eligible windowEndsAt fees { code } }
  }
}"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _start_server(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "saleor.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ]
        + ["--log-level", "warning"],
        env=env,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            probe.request("GET", "/health/")
            probe.getresponse().read()
            return server, port
        except OSError:
            if server.poll() is not None:
                raise SystemExit(f"uvicorn exited with status {server.returncode}") from None
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("uvicorn did not start within 120 s")


def _client(
    port: int,
    token: str,
    order_id: str,
    eligibility_path: str,
    rounds: int,
    start: threading.Barrier,
    results: dict[str, list[float]],
    errors: list[str],
    lock: threading.Lock,
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}

    def call(name: str, path: str, query: str, variables: dict[str, Any], timed: bool = True) -> None:
        body = json.dumps({"query": query, "variables": variables})
        began = time.perf_counter()
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        raw = response.read()
        elapsed = time.perf_counter() - began
        answer = json.loads(raw)
        data = (answer.get("data") or {}).get(name)
        with lock:
            if response.status != 200 or answer.get("errors") or not data:
                errors.append(f"{name}: HTTP {response.status} {raw[:300]!r}")
            elif timed:
                results[name].append(elapsed)

    call("order", "/graphql/", SALEOR_ORDER, {"id": order_id}, timed=False)
    call("returnEligibility", eligibility_path, ELIGIBILITY, {"order": order_id}, timed=False)
    start.wait()
    for _ in range(rounds):
        call("order", "/graphql/", SALEOR_ORDER, {"id": order_id})
        call("returnEligibility", eligibility_path, ELIGIBILITY, {"order": order_id})
    connection.close()


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@pytest.mark.django_db(transaction=True)
def test_eligibility_against_saleor_order(
    settings: Any,
    staff_user: Any,
    permission_group_manage_orders: Any,
    order_with_lines: Any,
    channel_USD: Any,
) -> None:
    import graphene
    from django.contrib.sites.models import Site
    from django.db import connection
    from saleor.core.jwt import create_access_token
    from saleor.plugins.models import PluginConfiguration

    from saleor_aftersales_plugin.constants import PLUGIN_ID
    from saleor_aftersales_plugin.models import PolicyVersion
    from saleor_aftersales_plugin.saleor.configuration import ensure_channel_policy

    settings.PLUGINS = ["saleor_aftersales_plugin.plugin.AfterSalesPlugin"]
    permission_group_manage_orders.user_set.add(staff_user)
    PluginConfiguration.objects.create(
        identifier=PLUGIN_ID, channel=channel_USD, active=True, configuration=[]
    )
    ensure_channel_policy(str(order_with_lines.pk))
    assert PolicyVersion.objects.filter(channel=channel_USD.slug).exists()
    order_id = graphene.Node.to_global_id("Order", order_with_lines.pk)
    token = create_access_token(staff_user)
    lines = order_with_lines.lines.count()

    with tempfile.TemporaryDirectory() as settings_dir:
        # The site the fixtures made current: after a transactional test has flushed the database, Saleor's
        # fixtures create it again under a new id.
        env = saleor_process_env(
            settings_dir, connection.settings_dict["NAME"], SITE_ID=Site.objects.get_current().pk
        )
        server, port = _start_server(env)
        try:
            results: dict[str, list[float]] = {"order": [], "returnEligibility": []}
            errors: list[str] = []
            lock = threading.Lock()
            barrier = threading.Barrier(CLIENTS)
            path = f"/plugins/channel/{channel_USD.slug}/{PLUGIN_ID}/graphql/"
            threads = [
                threading.Thread(
                    target=_client,
                    args=(port, token, order_id, path, ROUNDS, barrier, results, errors, lock),
                )
                for _ in range(CLIENTS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            server.terminate()
            server.wait(30)
    assert not errors, errors[:3]
    report = [
        f"\n{CLIENTS} clients x {ROUNDS} rounds, uvicorn Saleor with the plugin; order with {lines} lines"
    ]
    for name, label in (("order", "Saleor order(id:)"), ("returnEligibility", "returnEligibility")):
        timings = results[name]
        report.append(
            f"  {label:18} n={len(timings):4}  p50={_percentile(timings, 0.5) * 1000:7.1f} ms  "
            f"p95={_percentile(timings, 0.95) * 1000:7.1f} ms  mean={statistics.fmean(timings) * 1000:7.1f} ms"
        )
    ratio = _percentile(results["returnEligibility"], 0.95) / _percentile(results["order"], 0.95)
    report.append(f"ratio eligibility/saleor-order p95 at {CLIENTS} clients: {ratio:.2f}")
    print("\n".join(report), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--create-db", action="store_true", help="rebuild Saleor's test database first")
    args = parser.parse_args()
    os.environ["AFTERSALES_BENCH_CLIENTS"] = str(args.clients)
    os.environ["AFTERSALES_BENCH_ROUNDS"] = str(args.rounds)
    return run_in_saleor_tier(__file__, create_db=args.create_db)


if __name__ == "__main__":
    sys.exit(main())
