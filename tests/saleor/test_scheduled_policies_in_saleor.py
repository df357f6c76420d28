"""Scheduled policy versions (effective_from in the future) over the plugin's route inside Saleor."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from saleor_steps import Shop, gid, payload_of, place_paid_fulfilled_order, plugin_call

from saleor_aftersales_plugin.config import DEFAULT_POLICY
from saleor_aftersales_plugin.models import OrderRecord, PolicyVersion
from saleor_aftersales_plugin.saleor.events import apply_order_event

pytestmark = pytest.mark.django_db

VERSIONED = """query ($order: ID!) {
  returnEligibility(order: $order, reason: "changed_mind", resolution: REFUND) { eligible policyVersion } }"""

STRICT = DEFAULT_POLICY.replace("window: {days: 7,", "window: {days: 1,")
GENEROUS_FAV = DEFAULT_POLICY.replace("window: {days: 7,", "window: {days: 30,").replace(
    "defaults:\n", "defaults:\n  customer_favourable: true\n", 1
)


def _publish(shop: Shop, text: str, when: Any) -> PolicyVersion:
    """Publish through the configuration (as the Dashboard does), then schedule it at ``when``."""
    channel = shop.slug
    before = set(PolicyVersion.objects.filter(channel=channel).values_list("pk", flat=True))
    answer = shop.enable(policy=text)
    assert answer["errors"] == [], answer
    (version,) = PolicyVersion.objects.filter(channel=channel).exclude(pk__in=before)
    PolicyVersion.objects.filter(pk=version.pk).update(effective_from=when)
    version.refresh_from_db()
    return version


def _fulfilled_ten_days_ago(shop: Shop) -> Any:
    """An order of the shop, paid and fulfilled ten days ago, recorded by the plugin."""
    placed = place_paid_fulfilled_order(shop.staff, shop.draft_order, shop.warehouse)
    placed.fulfillments.update(created_at=timezone.now() - timedelta(days=10))
    assert apply_order_event(str(placed.pk), "fulfilled", timezone.now().isoformat())
    return placed


def _answer(shop: Shop, order: Any) -> dict:
    return payload_of(
        plugin_call(shop.customer, shop.slug, VERSIONED, {"order": gid("Order", order.pk)}),
        "returnEligibility",
    )


def test_a_version_scheduled_for_tomorrow_does_not_decide_today(shop: Shop) -> None:
    shop.enable(customerFavourable=True)
    placed = _fulfilled_ten_days_ago(shop)
    current = PolicyVersion.objects.filter(channel=shop.slug).order_by("-version").first()
    assert OrderRecord.objects.get(order_id=placed.pk).policy_version_id == current.pk

    _publish(shop, GENEROUS_FAV, timezone.now() + timedelta(days=1))
    before = _answer(shop, placed)
    assert before["eligible"] is False and before["policyVersion"] == current.version, before

    # The scheduled version takes effect (its time has come).
    PolicyVersion.objects.filter(channel=shop.slug).exclude(pk=current.pk).update(
        effective_from=timezone.now() - timedelta(seconds=1)
    )
    after = _answer(shop, placed)
    assert after["eligible"] is True, after


def test_an_order_placed_while_a_version_is_scheduled_pins_the_one_in_force(shop: Shop) -> None:
    shop.enable()
    current = PolicyVersion.objects.filter(channel=shop.slug).order_by("-version").first()
    assert current is not None
    future = _publish(shop, STRICT, timezone.now() + timedelta(days=3))
    placed = place_paid_fulfilled_order(shop.staff, shop.draft_order, shop.warehouse)
    record = OrderRecord.objects.get(order_id=placed.pk)
    assert record.policy_version_id == current.pk, (record.policy_version_id, current.pk, future.pk)
    assert _answer(shop, placed)["policyVersion"] == current.version


def test_a_lower_version_scheduled_later_than_a_higher_one_in_force(shop: Shop) -> None:
    """v2 scheduled for next week, v3 published now: today and next week v3 decides (newest version effective)."""
    shop.enable(customerFavourable=True)
    placed = _fulfilled_ten_days_ago(shop)
    _publish(shop, STRICT.replace("Returns and warranty", "v2"), timezone.now() + timedelta(days=7))
    _publish(shop, GENEROUS_FAV, timezone.now() - timedelta(seconds=1))
    answer = _answer(shop, placed)
    assert answer["eligible"] is True, answer
