"""Simulating a draft on recorded orders and cases (real PostgreSQL), from the service and from the CLI."""

import copy
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from django.utils import timezone
from factories import order_facts, order_line
from return_steps import inspected_return

from saleor_aftersales_plugin import cli
from saleor_aftersales_plugin.domain.facts import OrderFacts, OrderLineFacts, ProductFacts
from saleor_aftersales_plugin.models import Case, CaseEvent, PolicyVersion
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.services import ServiceError
from saleor_aftersales_plugin.services.orders import record_order
from saleor_aftersales_plugin.services.policies import publish_policy
from saleor_aftersales_plugin.services.simulation import SimulationInvalid, simulate

pytestmark = pytest.mark.django_db
CHANNEL = "volt"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "electronics-shop.yaml"


def example() -> dict:
    return load_source(EXAMPLE.read_text())[0]


def line(sku: str, price: str, **product) -> OrderLineFacts:
    delivered = timezone.now() - timedelta(days=2)
    return order_line(
        ProductFacts(sku=sku, product_name=sku.title(), **product),
        unit_price=price,
        fulfilled_at=delivered - timedelta(days=1),
        delivered_at=delivered,
    )


def order(*lines: OrderLineFacts, placed_days_ago: int = 4) -> OrderFacts:
    created_at = timezone.now() - timedelta(days=placed_days_ago)
    return order_facts(lines, created_at=created_at, number=str(1000 + placed_days_ago))


def draft() -> dict:
    data = example()
    next(r for r in data["rules"] if r["id"] == "opened-electronics-restocking")["actions"][0]["params"][
        "amount"
    ] = 20
    data["rules"] = [r for r in data["rules"] if r["id"] != "final-sale"]
    data["defaults"]["window"]["days"] = 21
    data["name"] = "Volt draft"
    return data


@pytest.fixture
def recorded():
    publish_policy(CHANNEL, normalise_policy(example()), "", "yaml")
    tv = line("tv-55", "500.00", category_path=("electronics", "tv"))
    tv_order = order(tv)
    record_order(tv_order)
    case = inspected_return(tv_order.order_id, tv.line_id, 1, "opened", reason="changed_mind")
    jacket = line("jacket", "80.00", attributes={"final-sale": ("true",)})
    record_order(order(jacket, placed_days_ago=3))
    record_order(order(line("old", "10.00"), placed_days_ago=40))
    return {"tv": tv, "jacket": jacket, "case": case}


def period() -> tuple:
    today = timezone.now().date()
    return today - timedelta(days=10), today


def test_simulation_reports_what_the_draft_would_change(recorded):
    start, end = period()
    events_before = CaseEvent.objects.count()
    report = simulate(CHANNEL, draft(), start, end)
    assert (report.cases, report.case_lines, report.orders, report.order_lines) == (1, 1, 2, 2)
    assert report.current_version == 1 and report.draft_name == "Volt draft"

    (case_change,) = [c for c in report.changes if c.source == "case"]
    assert case_change.case_number == recorded["case"].number
    assert set(case_change.changes) == {"window_longer", "fees_changed", "refund_changed"}
    assert (case_change.current.fees, case_change.draft.fees) == (Decimal("75.00"), Decimal("100.00"))
    assert (case_change.current.refund, case_change.draft.refund) == (Decimal("425.00"), Decimal("400.00"))
    assert report.totals == {
        "EUR": {
            "refund_current": "425.00",
            "refund_draft": "400.00",
            "fees_current": "75.00",
            "fees_draft": "100.00",
            "refund_difference": "-25.00",
            "fees_difference": "25.00",
        }
    }
    by_sku = {c.sku: c for c in report.changes if c.source == "order"}
    assert by_sku["jacket"].changes == ("newly_eligible", "window_longer")
    assert by_sku["jacket"].current.reasons == ("final_sale",) and by_sku["jacket"].draft.eligible
    assert by_sku["tv-55"].changes == ("window_longer",)
    assert by_sku["tv-55"].current.window == "14 calendar days from delivery"
    assert by_sku["tv-55"].draft.window == "21 calendar days from delivery"
    data = report.to_dict()
    assert data["counts"]["order"]["newly_eligible"] == 1 and data["counts"]["case"]["fees_changed"] == 1
    text = report.format_text()
    assert "Refunds EUR: 425.00 -> 400.00 (-25.00)" in text and "newly eligible" in text
    # Nothing is published or recorded.
    assert PolicyVersion.objects.count() == 1 and CaseEvent.objects.count() == events_before
    assert Case.objects.get(pk=recorded["case"].pk).fees_amount == Decimal("75.00")


def test_same_policy_changes_nothing_and_periods_filter(recorded):
    start, end = period()
    assert simulate(CHANNEL, example(), start, end).changes == []
    later = simulate(CHANNEL, draft(), end + timedelta(days=1), end + timedelta(days=5))
    assert (later.cases, later.orders, later.changes) == (0, 0, [])


def test_invalid_drafts_and_periods_are_explained(recorded):
    start, end = period()
    broken = copy.deepcopy(example())
    broken["defaults"]["window"]["days"] = -1
    broken["rules"][0]["actions"][0]["name"] = "alow"
    with pytest.raises(SimulationInvalid) as raised:
        simulate(CHANNEL, broken, start, end)
    paths = [error.path for error in raised.value.errors]
    assert "$.defaults.window.days" in paths and any(p.startswith("$.rules[0].actions[0]") for p in paths)
    assert raised.value.field == "draft" and "The draft policy is invalid" in raised.value.message
    with pytest.raises(ServiceError, match="period is empty"):
        simulate(CHANNEL, draft(), end, start)
    with pytest.raises(ServiceError, match="no published policy") as no_policy:
        simulate("elsewhere", draft(), start, end)
    assert no_policy.value.code == "no_policy"


def test_cli_policy_simulate(recorded, tmp_path, capsys):
    start, end = period()
    path = tmp_path / "draft.yaml"
    path.write_text(yaml.safe_dump(draft(), allow_unicode=True))
    args = ["policy", "simulate", str(path), "--channel", CHANNEL, "--from", str(start), "--to", str(end)]
    assert cli.main([*args, "--json"]) == cli.EXIT_OK
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["EUR"]["refund_difference"] == "-25.00"
    assert data["counts"]["order"]["newly_eligible"] == 1
    assert cli.main(args) == cli.EXIT_OK
    assert "Refunds EUR: 425.00 -> 400.00 (-25.00)" in capsys.readouterr().out
    path.write_text("schema_version: 1.1\ndefaults: {currency: EURO}\n")
    assert cli.main(args) == cli.EXIT_INVALID
    assert "$.defaults.currency" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        cli.main([*args[:-2], "--to", "31.03.2026"])
    assert "is not a date; write it as YYYY-MM-DD" in capsys.readouterr().err


def test_batches_and_a_short_change_list_give_the_same_counts_and_totals(recorded):
    for days_ago in range(5, 9):
        record_order(
            order(
                line(f"tv-{days_ago}", "300.00", category_path=("electronics", "tv")),
                placed_days_ago=days_ago,
            )
        )
    start, end = period()
    whole = simulate(CHANNEL, draft(), start, end)
    streamed = simulate(CHANNEL, draft(), start, end, batch_size=1, max_changes=2)
    assert (streamed.cases, streamed.case_lines, streamed.orders, streamed.order_lines) == (1, 1, 6, 6)
    assert (whole.orders, whole.order_lines) == (6, 6)
    assert streamed.to_dict()["counts"] == whole.to_dict()["counts"]
    assert streamed.totals == whole.totals
    assert streamed.count("window_longer", "order") == 6
    assert [change.line_id for change in streamed.changes] == [change.line_id for change in whole.changes[:2]]
    assert streamed.changes_omitted == len(whole.changes) - 2 == 5
    assert streamed.to_dict()["changes_omitted"] == 5
    assert "Changes (the first 2; 5 more):" in streamed.format_text()
    with pytest.raises(ServiceError, match="batch_size must be between 1 and 10,000"):
        simulate(CHANNEL, draft(), start, end, batch_size=0)


def test_batch_histories_equal_the_per_order_query(recorded):
    from saleor_aftersales_plugin.models import OrderRecord
    from saleor_aftersales_plugin.services.eligibility import customer_history, load_policy
    from saleor_aftersales_plugin.services.policies import current_policy
    from saleor_aftersales_plugin.services.simulation import _Judge

    policy = load_policy(current_policy(CHANNEL))
    judge = _Judge(policy, 1, policy)
    orders = list(OrderRecord.objects.order_by("created_at"))
    now = timezone.now()
    judge.load_histories(orders, now - timedelta(days=30), now)
    for recorded_order in orders:
        for days, at in ((90, now), (1, now), (90, now - timedelta(days=30))):
            assert judge.history(recorded_order, days, at) == customer_history(recorded_order, days, at)
    jacket_order = OrderRecord.objects.get(lines__sku="jacket")
    assert (
        judge.history(jacket_order, 90, now).prior_returns_count == 1
    )  # the TV return, on another order of the customer
