"""API benchmark: 20 concurrent clients against a running sandbox server, over HTTP on loopback.

Starts ``python -m saleor_aftersales_plugin sandbox serve`` in a subprocess on a fresh database (on the embedded
PostgreSQL, or on the server of ``DATABASE_URL``), imports one order per client, then each client (a thread with its
own keep-alive connection and customer token) alternates ``returnEligibility`` (3 lines) and
``returnRequestCreate`` (1 unit of one line) for a bounded number of rounds or seconds. Prints p50/p95 per
operation and `ratio create-p95/eligibility-p95 at N clients: X` (goal <= 2: creates do not queue behind each
other). Every answer is checked: an error is counted and shown, never timed as a success.
Run with `make bench` or `.venv/bin/python bench/api.py [--clients N] [--rounds N] [--seconds S]`.
"""

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHANNEL = "default-channel"
LINES_PER_ORDER = 3
UNITS_PER_LINE = 1000

ELIGIBILITY = """
query($order: ID!) {
  returnEligibility(order: $order, reason: "changed_mind", resolution: REFUND) {
    eligible refundEstimate { amount currency } lines { eligible windowEndsAt fees { code } }
  }
}"""
CREATE = """
mutation($order: ID!, $line: ID!) {
  returnRequestCreate(input: {order: $order, reason: "changed_mind", desiredResolution: REFUND,
                              lines: [{lineId: $line, quantity: 1}]}) {
    case { id status refund { amount } }
    errors { field code message }
  }
}"""


def order_id(client: int) -> str:
    return f"be0c0000-0000-4000-8000-{client:012d}"


def line_id(client: int, line: int) -> str:
    return f"be0c0000-0000-4000-9000-{client:08d}{line:04d}"


def write_orders(directory: Path, clients: int) -> None:
    """One order per client: three electronics lines delivered two days ago, many units each."""
    now = datetime.now(UTC)
    for client in range(clients):
        lines = [
            {
                "line_id": line_id(client, line),
                "quantity": UNITS_PER_LINE,
                "unit_price": "129.00",
                "product": {
                    "sku": f"BENCH-{line}",
                    "product_name": f"Speaker {line}",
                    "product_type": "audio",
                    "category_path": ["electronics", "audio"],
                },
            }
            for line in range(LINES_PER_ORDER)
        ]
        order = {
            "order_id": order_id(client),
            "number": str(5000 + client),
            "channel": CHANNEL,
            "currency": "EUR",
            "created_at": (now - timedelta(days=4)).isoformat(),
            "total": str(129 * UNITS_PER_LINE * LINES_PER_ORDER),
            "customer_email": f"client{client}@example.com",
            "customer_id": f"bench-{client}",
            "shipping_country": "DE",
            "fulfilled_at": (now - timedelta(days=3)).isoformat(),
            "delivered_at": (now - timedelta(days=2)).isoformat(),
            "lines": lines,
        }
        (directory / f"order-{client:03d}.json").write_text(json.dumps(order))


def prepare_database(env: dict[str, str]) -> str:
    """A fresh benchmark database on the embedded server or on the server of DATABASE_URL."""
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from saleor_aftersales_plugin.sandbox import embedded

    return embedded.fresh_database(embedded.database_url(), "_aftersales_bench")


def start_server(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    command = [
        sys.executable,
        "-m",
        "saleor_aftersales_plugin",
        "sandbox",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--quiet",
    ]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert server.stdout is not None
    for line in server.stdout:
        if line.startswith("Serving the after-sales sandbox at "):
            url = line.split(" at ", 1)[1].split("/ ", 1)[0]
            threading.Thread(target=server.stdout.read, daemon=True).start()  # keep the pipe drained
            return server, url
    server.wait()
    raise SystemExit(f"The sandbox server exited with status {server.returncode} before serving.")


class Results:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.timings: dict[str, list[float]] = {"returnEligibility": [], "returnRequestCreate": []}
        self.errors: dict[str, list[str]] = {"returnEligibility": [], "returnRequestCreate": []}

    def add(self, operation: str, seconds: float, error: str | None) -> None:
        with self.lock:
            if error is None:
                self.timings[operation].append(seconds)
            else:
                self.errors[operation].append(error)


def run_client(
    client: int,
    host: str,
    port: int,
    token: str,
    rounds: int,
    deadline: float,
    start: threading.Barrier,
    results: Results,
) -> None:
    connection = http.client.HTTPConnection(host, port, timeout=60)
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
    path = f"/graphql/{CHANNEL}/"

    def call(operation: str, query: str, variables: dict[str, Any]) -> None:
        body = json.dumps({"query": query, "variables": variables})
        began = time.perf_counter()
        try:
            connection.request("POST", path, body, headers)
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            results.add(operation, 0.0, f"{type(exc).__name__}: {exc}")
            return
        elapsed = time.perf_counter() - began
        answer = json.loads(raw)
        payload = (answer.get("data") or {}).get(operation) or {}
        problem = answer.get("errors") or payload.get("errors") or None
        if response.status != 200 or problem:
            results.add(operation, elapsed, f"HTTP {response.status}: {problem}")
        else:
            results.add(operation, elapsed, None)

    # One untimed call per client first: connection set-up and the server's first-request imports are not latency.
    connection.request(
        "POST", path, json.dumps({"query": ELIGIBILITY, "variables": {"order": order_id(client)}}), headers
    )
    connection.getresponse().read()
    start.wait()
    for round_ in range(rounds):
        if time.monotonic() > deadline:
            break
        call("returnEligibility", ELIGIBILITY, {"order": order_id(client)})
        call(
            "returnRequestCreate",
            CREATE,
            {"order": order_id(client), "line": line_id(client, round_ % LINES_PER_ORDER)},
        )
    connection.close()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument(
        "--rounds", type=int, default=25, help="eligibility + request pairs per client (default 25)"
    )
    parser.add_argument(
        "--seconds", type=float, default=60, help="stop starting new rounds after this (default 60)"
    )
    args = parser.parse_args()
    if args.rounds > UNITS_PER_LINE:
        parser.error(f"--rounds is at most {UNITS_PER_LINE} (units per line).")

    env = dict(os.environ)
    secret = secrets.token_urlsafe(32)
    env["SECRET_KEY"] = secret
    env["DATABASE_URL"] = prepare_database(env)
    env.setdefault(
        "AFTERSALES_STATE_DIR", os.environ.get("AFTERSALES_STATE_DIR", str(Path.cwd() / ".aftersales-state"))
    )
    with tempfile.TemporaryDirectory() as orders:
        write_orders(Path(orders), args.clients)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "saleor_aftersales_plugin",
                "sandbox",
                "import",
                orders,
                "--policy",
                str(ROOT / "examples" / "electronics-shop.yaml"),
                "--channel",
                CHANNEL,
            ],
            env=env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    from django.conf import settings

    settings.configure(SECRET_KEY=secret)
    from saleor_aftersales_plugin.sandbox.tokens import customer_token

    server, url = start_server(env)
    try:
        host, port = url.removeprefix("http://").split(":")
        results = Results()
        barrier = threading.Barrier(args.clients)
        deadline = time.monotonic() + args.seconds
        threads = [
            threading.Thread(
                target=run_client,
                args=(
                    c,
                    host,
                    int(port),
                    customer_token(f"bench-{c}", f"client{c}@example.com"),
                    args.rounds,
                    deadline,
                    barrier,
                    results,
                ),
            )
            for c in range(args.clients)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - began
    finally:
        server.terminate()
        server.wait(10)

    total = sum(len(t) for t in results.timings.values())
    print(
        f"API benchmark: {args.clients} concurrent clients, sandbox server at {url} (threaded WSGI, PostgreSQL)"
    )
    for operation, timings in results.timings.items():
        errors = results.errors[operation]
        if timings:
            print(
                f"  {operation:20} n={len(timings):4}  p50={percentile(timings, 0.50) * 1000:7.1f} ms  "
                f"p95={percentile(timings, 0.95) * 1000:7.1f} ms  mean={statistics.fmean(timings) * 1000:7.1f} ms  "
                f"errors={len(errors)}"
            )
        else:
            print(f"  {operation:20} no successful calls; errors={len(errors)}")
        for error in errors[:3]:
            print(f"    error: {error[:300]}")
    print(f"  {total} successful calls in {wall:.1f} s ({total / wall:.0f} calls/s overall)")
    creates, checks = results.timings["returnRequestCreate"], results.timings["returnEligibility"]
    if creates and checks:
        ratio = percentile(creates, 0.95) / percentile(checks, 0.95)
        print(f"ratio create-p95/eligibility-p95 at {args.clients} clients: {ratio:.2f}")
    return 1 if any(results.errors.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
