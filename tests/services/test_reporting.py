"""Policy KPIs and their CSV export on real PostgreSQL, over cases moved through the real workflows."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from factories import CUSTOMER_ACTOR, STAFF_ACTOR, order_facts, order_line
from return_steps import inspected_return

from saleor_aftersales_plugin.domain.facts import LineRequest, OrderLineFacts, ProductFacts
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import ServiceError, conversations, returns
from saleor_aftersales_plugin.services.orders import record_order
from saleor_aftersales_plugin.services.policies import publish_policy
from saleor_aftersales_plugin.services.reporting import kpis_csv, policy_kpis

pytestmark = pytest.mark.django_db
CHANNEL = "volt"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "electronics-shop.yaml"


def line(sku: str, price: str, quantity: int, category: tuple[str, ...]) -> OrderLineFacts:
    product = ProductFacts(sku=sku, product_name=sku.upper(), category_path=category)
    return order_line(
        product, quantity=quantity, unit_price=price, delivered_at=timezone.now() - timedelta(days=2)
    )


@pytest.fixture
def activity():
    publish_policy(CHANNEL, normalise_policy(load_source(EXAMPLE.read_text())[0]), "", "yaml")
    tv = line("tv", "500.00", 1, ("electronics", "tv"))
    cables = line("cable", "10.00", 4, ("electronics", "cables"))
    first = order_facts((tv, cables))
    record_order(first)
    refunded = inspected_return(first.order_id, tv.line_id, 1, "opened", reason="changed_mind")
    returns.resolve(refunded.pk, "refund", actor=STAFF_ACTOR, host=SandboxHost())
    credited, _ = returns.request_return(
        first.order_id,
        [LineRequest(cables.line_id, 2, reason="changed_mind")],
        actor=CUSTOMER_ACTOR,
    )
    assert credited.status == "awaiting_return"  # items under 50 EUR are approved at once
    returns.mark_received(credited.pk, actor=STAFF_ACTOR)
    returns.inspect(credited.pk, {cables.line_id: "unopened"}, actor=STAFF_ACTOR)
    returns.resolve(credited.pk, "store_credit", actor=STAFF_ACTOR, host=SandboxHost())
    cancelled, _ = returns.request_return(
        first.order_id, [LineRequest(cables.line_id, 1, reason="wrong_item")], actor=CUSTOMER_ACTOR
    )
    returns.cancel(cancelled.pk, actor=CUSTOMER_ACTOR, reason="found it")
    conversations.open_complaint(first.order_id, category="logistics", comment="Late.", actor=CUSTOMER_ACTOR)
    record_order(order_facts((line("tv", "500.00", 1, ("electronics", "tv")),)))


def period():
    now = timezone.now()
    return now - timedelta(days=10), now + timedelta(minutes=1)


def test_policy_kpis(activity):
    kpis = policy_kpis(CHANNEL, *period())
    assert kpis["cases"]["total"] == 4
    assert kpis["cases"]["by_kind"]["return"] == {"cancelled": 1, "resolved": 2}
    assert sum(kpis["cases"]["by_kind"]["complaint"].values()) == 1
    assert kpis["cases"]["by_kind"]["repair"] == {}
    # Per line, in the catalogue's one no-reason code (storefronts' "changed_mind" is read as "no_reason").
    assert kpis["reasons"]["return"] == {"no_reason": 2, "wrong_item": 1}
    assert kpis["reason_labels"] == {
        "no_reason": "No reason (changed my mind)",
        "wrong_item": "Wrong item sent",
    }
    assert kpis["defects"]["return"] == 0
    products = kpis["return_rates"]["products"]
    assert products["tv"] == {"name": "TV", "sold": 2, "returned": 1, "rate": "0.5000"}
    assert products["cable"] == {"name": "CABLE", "sold": 4, "returned": 2, "rate": "0.5000"}
    categories = kpis["return_rates"]["categories"]
    assert categories["electronics"] == {"sold": 6, "returned": 3, "rate": "0.5000"}
    assert categories["cables"]["returned"] == 2
    # TV: 500.00 - 15 % restocking (opened); cables: unopened, no fee, 20.00 + 5 % store credit bonus.
    assert kpis["money"] == {
        "EUR": {"refunds": "425.00", "store_credit": "21.00", "fees": "75.00", "cases": "2"}
    }
    assert kpis["sla"]["cases"] == 4


def test_kpis_csv_includes_the_sla_figures(activity):
    rows = list(csv.reader(io.StringIO(kpis_csv(CHANNEL, *period()))))
    assert rows[0] == ["section", "group", "key", "value"]
    assert ["cases", "return", "resolved", "2"] in rows
    assert ["reasons", "return", "no_reason", "2"] in rows
    assert ["reason_label", "wrong_item", "label", "Wrong item sent"] in rows
    assert ["return_rate_category", "electronics", "rate", "0.5000"] in rows
    assert ["money", "EUR", "refunds", "425.00"] in rows
    assert any(row[:3] == ["sla", "first_response", "measured"] for row in rows)
    assert ["sla", "escalations", "total", "0"] in rows


def test_empty_periods_and_bad_periods():
    now = timezone.now()
    kpis = policy_kpis("quiet", now - timedelta(days=1), now)
    assert kpis["cases"]["total"] == 0 and kpis["money"] == {} and kpis["return_rates"]["products"] == {}
    with pytest.raises(ServiceError, match="must come after start"):
        policy_kpis("quiet", now, now)
    with pytest.raises(ServiceError, match="timezone-aware"):
        policy_kpis("quiet", now.replace(tzinfo=None), now)


@pytest.mark.django_db
def test_reasons_are_counted_per_line_with_the_catalogue_labels():
    publish_policy(CHANNEL, normalise_policy(load_source(EXAMPLE.read_text())[0]), "", "yaml")
    first, second = (
        line("cable", "10.00", 4, ("electronics", "cables")),
        line("mouse", "20.00", 1, ("electronics",)),
    )
    both = order_facts((first, second))
    record_order(both)
    returns.request_return(
        both.order_id,
        [
            LineRequest(first.line_id, 1, reason="wrong_item"),
            LineRequest(second.line_id, 1, reason="damaged_in_transit"),
        ],
        actor=CUSTOMER_ACTOR,
        photo_urls=["https://img.example/1.jpg", "https://img.example/2.jpg"],
    )
    kpis = policy_kpis(CHANNEL, *period())
    assert kpis["reasons"]["return"] == {"damaged_in_transit": 1, "wrong_item": 1}
    assert kpis["reason_labels"]["damaged_in_transit"] == "Damaged in transit"
    assert kpis["defects"]["return"] == 1
