"""SLA sweep benchmark: 100,000 open cases, 1 % of them overdue.

Builds the cases with bulk_create in a fresh database (on the embedded PostgreSQL, or on the server of
DATABASE_URL), then prints the time of a full sweep (escalating every overdue case), of a repeat sweep, and
`ratio fullscan/indexed: X` — the sweep's selection of overdue cases through the partial deadline indexes against
the same selection with index scans disabled (a full scan), both in this process.
Run with `python bench/sla.py [--cases N]`.
"""

import argparse
import os
import statistics
import sys
import time
import uuid
import warnings
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def prepare() -> None:
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from saleor_aftersales_plugin.sandbox import embedded

    os.environ["DATABASE_URL"] = embedded.fresh_database(embedded.database_url(), "_aftersales_bench_sla")
    os.environ["DJANGO_SETTINGS_MODULE"] = "saleor_aftersales_plugin.sandbox.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def build(total: int, overdue_share: float) -> int:
    from django.db import connection
    from django.utils import timezone
    from notification_fixtures import CHANNEL, publish_example, record_tv_order

    from saleor_aftersales_plugin.models import Case

    publish_example()
    order = record_tv_order()
    now = timezone.now()
    every = round(1 / overdue_share)
    decision = {
        "escalation_path": "default",
        "sla": {"first_response_hours": "24", "resolution_working_days": "5"},
    }
    overdue = 0
    batch = []
    for index in range(total):
        late = index % every == 0
        overdue += late
        batch.append(
            Case(
                id=uuid.uuid4(),
                number=index + 1,
                channel=CHANNEL,
                kind="return",
                status="requested",
                order=order,
                customer_email=f"customer{index}@example.com",
                currency="EUR",
                decision=decision,
                created_at=now - timedelta(hours=30 if late else 1),
                first_response_due=now - timedelta(hours=6)
                if late
                else now + timedelta(hours=3 + index % 200),
                resolution_due=now + timedelta(days=2 + index % 5),
            )
        )
        if len(batch) == 5000:
            Case.objects.bulk_create(batch)
            batch = []
    Case.objects.bulk_create(batch)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {Case._meta.db_table}")
    return overdue


def selection_seconds(full_scan: bool, repeats: int = 15) -> float:
    from django.db import connection, transaction
    from django.utils import timezone

    from saleor_aftersales_plugin.services import sla

    timings = []
    for _ in range(repeats):
        with transaction.atomic():
            if full_scan:
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL enable_indexscan = off; SET LOCAL enable_bitmapscan = off")
            now = timezone.now()
            start = time.perf_counter()
            ids = set(sla.first_response_overdue(now).values_list("pk", flat=True))
            ids |= set(sla.resolution_overdue(now).values_list("pk", flat=True))
            timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--overdue", type=float, default=0.01, help="share of overdue cases (default 0.01)")
    arguments = parser.parse_args()
    prepare()
    started = time.perf_counter()
    overdue = build(arguments.cases, arguments.overdue)
    print(
        f"built {arguments.cases:,} open cases, {overdue:,} overdue, in {time.perf_counter() - started:.1f} s"
    )

    from saleor_aftersales_plugin.services import sla

    indexed = selection_seconds(full_scan=False)
    full = selection_seconds(full_scan=True)
    started = time.perf_counter()
    report = sla.sweep()
    first_sweep = time.perf_counter() - started
    started = time.perf_counter()
    again = sla.sweep()
    repeat_sweep = time.perf_counter() - started
    print(
        f"sweep: {report.examined:,} overdue examined, {report.escalated:,} escalated in {first_sweep:.2f} s"
    )
    print(
        f"repeat sweep (nothing new): {again.examined:,} examined, {again.escalated} escalated in {repeat_sweep:.2f} s"
    )
    print(f"overdue selection: indexed {indexed * 1000:.2f} ms, full scan {full * 1000:.2f} ms")
    print(f"ratio fullscan/indexed: {full / indexed:.1f}")


if __name__ == "__main__":
    main()
