"""SLA sweep benchmark: 100,000 open cases, 1 % of them overdue.

Builds the cases with bulk_create in a fresh database (on the embedded PostgreSQL, or on the server of
DATABASE_URL), then prints the time of a full sweep (escalating every overdue case), of a repeat sweep, and
`ratio fullscan/indexed: X` — the sweep's selection of overdue cases through the partial deadline indexes against
the same selection with index scans disabled (a full scan), both in this process, and `ratio sweep/baseline: X` (goal
<= 5): the sweep against a raw-SQL baseline that selects the same overdue cases and writes the same rows (the case
updates, one event per case and the same number of outbox rows with a payload of the same size) in three statements.
Sweep and baseline run in turns, each in a transaction rolled back afterwards, so every run starts from the same
state; the best of each is compared.
Run with `python bench/sla.py [--cases N]`.
"""

import argparse
import json
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

from harness import fresh_sandbox_database

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def prepare() -> None:
    fresh_sandbox_database("_aftersales_bench_sla")


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


def sweep_seconds() -> tuple[float, object, int, str]:
    """One full sweep, rolled back; returns its time, report, outbox rows per escalated case and one row's payload."""
    from django.db import transaction

    from saleor_aftersales_plugin.models import OutboxMessage
    from saleor_aftersales_plugin.services import sla

    with transaction.atomic():
        started = time.perf_counter()
        report = sla.sweep()
        elapsed = time.perf_counter() - started
        rows = OutboxMessage.objects.filter(event="staff_escalation")
        per_case = rows.count() // max(report.escalated, 1)
        payload = json.dumps(rows.first().payload) if per_case else "{}"
        transaction.set_rollback(True)
    return elapsed, report, per_case, payload


def baseline_seconds(per_case: int, payload: str) -> tuple[float, int]:
    """The same selection and row writes in raw SQL (three statements), rolled back."""
    from django.db import connection, transaction
    from django.utils import timezone

    from saleor_aftersales_plugin.models import Case, CaseEvent, OutboxMessage

    cases, events, outbox = (model._meta.db_table for model in (Case, CaseEvent, OutboxMessage))
    with transaction.atomic(), connection.cursor() as cursor:
        now = timezone.now()
        started = time.perf_counter()
        cursor.execute(
            f"SELECT id FROM {cases} WHERE first_responded_at IS NULL AND first_response_due <= %s "
            "AND sla_paused_at IS NULL ORDER BY first_response_due, id FOR UPDATE SKIP LOCKED",
            [now],
        )
        ids = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"UPDATE {cases} SET escalation_tier = escalation_tier + 1, updated_at = %s WHERE id = ANY(%s)",
            [now, ids],
        )
        cursor.execute(
            f"INSERT INTO {events} (case_id, type, from_status, to_status, actor_type, actor_id, at, message, "
            "payload) SELECT id, 'escalated', '', '', 'system', 'sla', %s, 'Missed the first response deadline; "
            "escalated to the next tier.', %s::jsonb FROM unnest(%s::uuid[]) AS id",
            [
                now,
                '{"from_tier": 0, "to_tier": 1, "tier_name": "agent", "deadline_kind": "first_response"}',
                ids,
            ],
        )
        cursor.execute(
            f"INSERT INTO {outbox} (id, case_id, event, channel, recipient, language, payload, status, attempts, "
            "next_attempt_at, last_error, delivered_via, dedupe_key, created_at) "
            "SELECT gen_random_uuid(), id, 'staff_escalation', 'bench', 'staff-' || n, 'en', %s::jsonb, 'pending', "
            "0, %s, '', '[]'::jsonb, 'baseline:' || id || ':' || n, %s "
            "FROM unnest(%s::uuid[]) AS id, generate_series(1, %s) AS n ON CONFLICT DO NOTHING",
            [payload, now, now, ids, per_case],
        )
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    return elapsed, len(ids)


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
    sweeps, baselines = [], []
    for _ in range(3):
        elapsed, report, per_case, payload = sweep_seconds()
        sweeps.append(elapsed)
        elapsed, baseline_rows = baseline_seconds(per_case, payload)
        baselines.append(elapsed)
    assert baseline_rows == report.examined, (baseline_rows, report.examined)
    started = time.perf_counter()
    report = sla.sweep()
    first_sweep = time.perf_counter() - started
    started = time.perf_counter()
    again = sla.sweep()
    repeat_sweep = time.perf_counter() - started
    print(
        f"sweep: {report.examined:,} overdue examined, {report.escalated:,} escalated in {first_sweep:.2f} s "
        f"(best of 3 rolled-back runs {min(sweeps):.2f} s; {per_case} outbox row(s) per case)"
    )
    print(f"raw-SQL baseline (same selection and row writes): {min(baselines):.2f} s")
    print(
        f"repeat sweep (nothing new): {again.examined:,} examined, {again.escalated} escalated in {repeat_sweep:.2f} s"
    )
    print(f"overdue selection: indexed {indexed * 1000:.2f} ms, full scan {full * 1000:.2f} ms")
    print(f"ratio fullscan/indexed: {full / indexed:.1f}")
    print(f"ratio sweep/baseline: {min(sweeps) / min(baselines):.2f}")


if __name__ == "__main__":
    main()
