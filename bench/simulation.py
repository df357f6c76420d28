"""Policy simulation benchmark: a draft against 100,000 recorded order lines, streamed in batches.

Builds 25,000 orders of 4 lines each (bulk_create, in a fresh database on the embedded PostgreSQL or on the server
of DATABASE_URL) spread over 100 days, publishes the example policy and simulates a draft (a longer window, another
restocking fee) over the whole period, printing lines per second. Memory: the same simulation over the whole
period, over half and over a quarter of it, each under tracemalloc, prints `ratio memory whole/quarter: X` — about 1
when memory stays constant (four times the lines; batches of orders are read and dropped; only counts, totals and the
first changed lines are kept).
Run with `python bench/simulation.py [--lines N]`.
"""

import argparse
import gc
import sys
import time
import tracemalloc
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from harness import fresh_sandbox_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHANNEL = "bench-simulation"
LINES_PER_ORDER = 4
DAYS = 100
EXAMPLE = ROOT / "examples" / "electronics-shop.yaml"


def prepare() -> None:
    fresh_sandbox_database("_aftersales_bench_sim")


def build(lines: int) -> None:
    from django.utils import timezone

    from saleor_aftersales_plugin.models import OrderLineRecord, OrderRecord
    from saleor_aftersales_plugin.rules.document import load_source
    from saleor_aftersales_plugin.rules.validation import normalise_policy
    from saleor_aftersales_plugin.services.policies import publish_policy

    version, _created = publish_policy(
        CHANNEL, normalise_policy(load_source(EXAMPLE.read_text())[0]), "", "yaml"
    )
    now = timezone.now()
    orders = lines // LINES_PER_ORDER
    kinds = [
        ("tv", "electronics", "499.00"),
        ("jacket", "apparel", "89.00"),
        ("cable", "electronics", "9.90"),
    ]
    for first in range(0, orders, 2000):
        records, rows = [], []
        for index in range(first, min(first + 2000, orders)):
            placed = now - timedelta(days=DAYS * index / orders, hours=3)
            record = OrderRecord(
                order_id=uuid.uuid4(),
                channel=CHANNEL,
                number=str(100000 + index),
                currency="EUR",
                created_at=placed,
                fulfilled_at=placed + timedelta(days=1),
                delivered_at=placed + timedelta(days=2),
                customer_id=f"customer-{index % 5000}",
                customer_email=f"customer{index % 5000}@example.com",
                shipping_country="DE",
                total=Decimal(0),
                policy_version=version,
            )
            records.append(record)
            for line in range(LINES_PER_ORDER):
                sku, product_type, price = kinds[(index + line) % len(kinds)]
                rows.append(
                    OrderLineRecord(
                        order=record,
                        line_id=uuid.uuid4(),
                        sku=f"{sku}-{line}",
                        product_name=sku.title(),
                        product={
                            "product_type": product_type,
                            "category_path": [product_type, sku],
                            "attributes": {"final-sale": ["true"]} if index % 7 == 0 else {},
                        },
                        quantity=1,
                        quantity_fulfilled=1,
                        unit_price=Decimal(price),
                        paid_total=Decimal(price),
                    )
                )
        OrderRecord.objects.bulk_create(records)
        OrderLineRecord.objects.bulk_create(rows)


def draft() -> dict:
    from saleor_aftersales_plugin.rules.document import load_source

    data = load_source(EXAMPLE.read_text())[0]
    data["defaults"]["window"]["days"] = 21
    data["name"] = "Longer window"
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000, help="recorded order lines (default 100,000)")
    arguments = parser.parse_args()
    prepare()
    started = time.perf_counter()
    build(arguments.lines)
    print(f"built {arguments.lines:,} order lines in {time.perf_counter() - started:.1f} s")

    from django.utils import timezone

    from saleor_aftersales_plugin.services.simulation import simulate

    end = timezone.now() + timedelta(days=1)
    start = end - timedelta(days=DAYS + 2)
    started = time.perf_counter()
    report = simulate(CHANNEL, draft(), start, end)
    elapsed = time.perf_counter() - started
    evaluated = report.order_lines + report.case_lines
    print(
        f"simulation: {evaluated:,} lines ({report.orders:,} orders) decided with both versions in {elapsed:.1f} s: "
        f"{evaluated / elapsed:,.0f} lines per second; {report.count('window_longer'):,} with a longer window, "
        f"{len(report.changes):,} changes listed, {report.changes_omitted:,} more counted"
    )
    peaks = {}
    for name, share in (("quarter", 4), ("half", 2), ("whole", 1)):
        gc.collect()
        tracemalloc.start()
        part = simulate(CHANNEL, draft(), end - timedelta(days=DAYS / share + 2), end)
        peaks[name] = (tracemalloc.get_traced_memory()[1], part.order_lines)
        tracemalloc.stop()
        del part
    for name, (peak, lines) in peaks.items():
        print(f"peak traced memory, {name} of the period ({lines:,} lines): {peak / 1e6:.1f} MB")
    print(f"ratio memory whole/quarter: {peaks['whole'][0] / peaks['quarter'][0]:.2f}")


if __name__ == "__main__":
    main()
