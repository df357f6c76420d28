"""Versions and fairness: an order is judged by its pinned version unless customer-favourable mode is on; then the
more generous of the pinned and the current version decides, and the decision says which one did."""

import copy
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from saleor_aftersales_plugin.domain.actors import CUSTOMER, Actor
from saleor_aftersales_plugin.domain.facts import (
    CaseKind,
    LineRequest,
    OrderFacts,
    OrderLineFacts,
    ProductFacts,
)
from saleor_aftersales_plugin.models import PolicyVersion
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.services import ServiceError, returns
from saleor_aftersales_plugin.services.eligibility import customer_favourable_default, evaluate
from saleor_aftersales_plugin.services.orders import get_order, record_order
from saleor_aftersales_plugin.services.policies import publish_policy

pytestmark = pytest.mark.django_db
CHANNEL = "volt"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "electronics-shop.yaml"


def with_window(days: int) -> dict:
    data = copy.deepcopy(load_source(EXAMPLE.read_text())[0])
    data["defaults"]["window"]["days"] = days
    return normalise_policy(data)


@pytest.fixture
def order_pinned_to_v1():
    """An order placed under v1 (7 days), delivered 10 days ago; v2 (30 days) is current."""
    placed = timezone.now() - timedelta(days=20)
    v1, _ = publish_policy(CHANNEL, with_window(7), "", "yaml")
    PolicyVersion.objects.filter(pk=v1.pk).update(effective_from=placed - timedelta(days=1))
    tv = OrderLineFacts(
        line_id=str(uuid.uuid4()),
        product=ProductFacts(sku="TV", category_path=("electronics",)),
        quantity=1,
        unit_price=Decimal("500.00"),
        paid_total=Decimal("500.00"),
        quantity_fulfilled=1,
        delivered_at=timezone.now() - timedelta(days=10),
    )
    facts = OrderFacts(
        order_id=str(uuid.uuid4()),
        channel=CHANNEL,
        currency="EUR",
        created_at=placed,
        lines=(tv,),
        total=Decimal("500.00"),
        customer_id="c1",
        shipping_country="DE",
    )
    record_order(facts)
    publish_policy(CHANNEL, with_window(30), "", "yaml")
    return facts, [LineRequest(tv.line_id, 1, reason="changed_mind")]


def test_pinned_version_decides_by_default(order_pinned_to_v1):
    facts, requests = order_pinned_to_v1
    decision, version = evaluate(
        get_order(facts.order_id), CaseKind.RETURN, requests, customer_favourable=False
    )
    assert version.version == 1 and not decision.eligible
    assert decision.lines[0].reasons == ("window_expired",)
    data = decision.to_dict()
    assert data["decided_by_version"] == 1 == data["policy_version"]
    assert data["version_choice"] == {"mode": "pinned", "pinned_version": 1, "compared_with_version": None}


def test_customer_favourable_mode_takes_the_more_generous_current_version(order_pinned_to_v1):
    facts, requests = order_pinned_to_v1
    decision, version = evaluate(
        get_order(facts.order_id), CaseKind.RETURN, requests, customer_favourable=True
    )
    assert version.version == 2 and decision.eligible
    data = decision.to_dict()
    assert data["decided_by_version"] == 2
    assert data["version_choice"] == {
        "mode": "customer_favourable",
        "pinned_version": 1,
        "compared_with_version": 2,
    }
    assert "version 2 (current) decided" in data["notes"][-1]


def test_customer_favourable_mode_keeps_the_pinned_version_when_the_current_is_stricter(order_pinned_to_v1):
    facts, requests = order_pinned_to_v1
    publish_policy(CHANNEL, with_window(3), "", "yaml")
    order = get_order(facts.order_id)
    # Asked 2 days after delivery: both allow it, the pinned 7-day window ends later than the current 3-day one.
    now = timezone.now() - timedelta(days=8)
    decision, version = evaluate(order, CaseKind.RETURN, requests, now=now, customer_favourable=True)
    assert version.version == 1 and decision.eligible
    assert (
        decision.to_dict()["version_choice"]["compared_with_version"] == 1
    )  # later versions were not in force then
    decision, version = evaluate(order, CaseKind.RETURN, requests, customer_favourable=True)
    assert version.version == 1 and not decision.eligible
    assert "the current version 3 is not more generous" in decision.notes[-1]


def test_the_setting_turns_the_mode_on_for_request_return(order_pinned_to_v1, settings, monkeypatch):
    facts, requests = order_pinned_to_v1
    actor = Actor(CUSTOMER, "c1")
    settings.AFTERSALES_CUSTOMER_FAVOURABLE = False
    with pytest.raises(ServiceError, match="The return window for this item has ended"):
        returns.request_return(facts.order_id, requests, actor=actor)
    settings.AFTERSALES_CUSTOMER_FAVOURABLE = ["other-channel"]
    assert not customer_favourable_default(CHANNEL)
    settings.AFTERSALES_CUSTOMER_FAVOURABLE = [CHANNEL]
    assert customer_favourable_default(CHANNEL)
    del settings.AFTERSALES_CUSTOMER_FAVOURABLE
    monkeypatch.setenv("AFTERSALES_CUSTOMER_FAVOURABLE", "eu, volt")
    assert customer_favourable_default(CHANNEL) and not customer_favourable_default("us")
    case, created = returns.request_return(facts.order_id, requests, actor=actor)
    assert created and case.decision["decided_by_version"] == 2
    assert case.decision["version_choice"]["pinned_version"] == 1


def test_the_current_policy_can_turn_the_mode_on_itself(order_pinned_to_v1):
    facts, requests = order_pinned_to_v1
    assert not evaluate(get_order(facts.order_id), CaseKind.RETURN, requests)[0].eligible
    generous = with_window(30)
    generous["defaults"]["customer_favourable"] = True
    publish_policy(CHANNEL, generous, "", "yaml")
    decision, version = evaluate(get_order(facts.order_id), CaseKind.RETURN, requests)
    assert decision.eligible and version.version == 3
    assert decision.to_dict()["version_choice"]["pinned_version"] == 1
