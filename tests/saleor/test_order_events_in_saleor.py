"""record_saleor_orders / apply_order_events with hostile or odd messages (one message per Saleor request)."""

from typing import Any

import pytest
from saleor.plugins.models import PluginConfiguration

from saleor_aftersales_plugin.constants import PLUGIN_ID
from saleor_aftersales_plugin.models import OrderRecord
from saleor_aftersales_plugin.saleor.tasks import record_saleor_orders

T = "2024-05-01T10:00:00+00:00"


def _plugin_on(settings: Any, channel: Any) -> None:
    settings.PLUGINS = ["saleor_aftersales_plugin.plugin.AfterSalesPlugin"]
    PluginConfiguration.objects.create(identifier=PLUGIN_ID, channel=channel, active=True, configuration=[])


def _run(events: list) -> Any:
    return record_saleor_orders.apply(args=[events])


def _invariants(order_id: Any) -> None:
    record = OrderRecord.objects.get(order_id=order_id)
    for line in record.lines.all():
        assert line.refunded_amount <= line.paid_total, (line.line_id, line.refunded_amount, line.paid_total)
        assert line.quantity_returned <= line.quantity_fulfilled, line.line_id


@pytest.mark.django_db
def test_a_non_uuid_order_id_does_not_lose_the_other_orders_events(settings, fulfilled_order, channel_USD):
    _plugin_on(settings, channel_USD)
    good = str(fulfilled_order.pk)
    result = _run([["not-a-uuid", "created", T], [good, "created", T]])
    assert OrderRecord.objects.filter(order_id=good).exists(), f"good order lost; task: {result.result!r}"


@pytest.mark.django_db
def test_an_unknown_order_is_no_failure(settings, channel_USD):
    _plugin_on(settings, channel_USD)
    result = _run([["3f0e4f6c-0000-0000-0000-000000000000", "created", T]])
    assert result.successful(), result.result


@pytest.mark.django_db
def test_one_failing_order_leaves_the_other_recorded(settings, fulfilled_order, order_list, channel_USD):
    _plugin_on(settings, channel_USD)
    good = str(fulfilled_order.pk)
    bad = str(order_list[0].pk)
    assert bad != good
    result = _run([[bad, "bogus", T], [good, "created", T], [good, "fulfilled", T]])
    assert not result.successful()
    assert OrderRecord.objects.filter(order_id=good).exists()
    assert not OrderRecord.objects.filter(order_id=bad).exists()


@pytest.mark.django_db
def test_events_out_of_order_keep_the_invariants(settings, fulfilled_order, channel_USD):
    _plugin_on(settings, channel_USD)
    oid = str(fulfilled_order.pk)
    result = _run(
        [
            [oid, "refunded", T],
            [oid, "cancelled", T],
            [oid, "paid", T],
            [oid, "fulfilled", T],
            [oid, "refunded", T],
            [oid, "created", T],
            [oid, "created", T],
        ]
    )
    assert result.successful(), result.result
    _invariants(oid)
    record = OrderRecord.objects.get(order_id=oid)
    assert record.policy_version is not None


@pytest.mark.django_db
def test_an_order_of_a_channel_where_the_plugin_is_inactive(
    settings, fulfilled_order, channel_USD, channel_PLN
):
    _plugin_on(settings, channel_USD)
    PluginConfiguration.objects.create(
        identifier=PLUGIN_ID, channel=channel_PLN, active=False, configuration=[]
    )
    type(fulfilled_order).objects.filter(pk=fulfilled_order.pk).update(channel=channel_PLN)
    result = _run([[str(fulfilled_order.pk), "created", T]])
    # Saleor sends no such event (hooks run for active plugins only); one replayed is recorded without a policy,
    # which the channel's policy in force decides for once it has one.
    assert result.successful(), result.result
    assert OrderRecord.objects.get(order_id=fulfilled_order.pk).policy_version is None
