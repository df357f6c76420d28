"""The plugin's hooks on Saleor's request path: one publish of the recording task, no query, no transaction."""

import pytest
from celery import current_app
from django.db import connection
from django.test.utils import CaptureQueriesContext
from saleor.plugins.manager import get_plugins_manager
from saleor.plugins.models import PluginConfiguration
from saleor_steps import take_queued

from saleor_aftersales_plugin.constants import PLUGIN_ID, RECORD_SALEOR_ORDER
from saleor_aftersales_plugin.models import OrderRecord, PolicyVersion
from saleor_aftersales_plugin.plugin import AfterSalesPlugin
from saleor_aftersales_plugin.saleor.tasks import record_saleor_order

pytestmark = pytest.mark.django_db


def test_a_hook_publishes_one_task_and_runs_no_query_and_no_transaction(settings, order, channel_USD):
    settings.PLUGINS = ["saleor_aftersales_plugin.plugin.AfterSalesPlugin"]
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as deployed: a broker between Saleor and the worker
    PluginConfiguration.objects.create(
        identifier=PLUGIN_ID, channel=channel_USD, active=True, configuration=[]
    )
    plugin = get_plugins_manager(allow_replica=False).get_plugin(PLUGIN_ID, channel_slug=channel_USD.slug)
    assert isinstance(plugin, AfterSalesPlugin)
    app = current_app._get_current_object()  # the app the plugin's shared tasks resolve to
    eager, broker = app.conf.task_always_eager, app.conf.broker_url
    app.conf.task_always_eager, app.conf.broker_url = False, "memory://"
    try:
        take_queued(app)
        with CaptureQueriesContext(connection) as captured:
            assert plugin.order_created(order, previous_value="unchanged") == "unchanged"
        (message,) = take_queued(app)
    finally:
        app.conf.task_always_eager, app.conf.broker_url = eager, broker
    assert [query["sql"] for query in captured.captured_queries] == []
    assert message.headers["task"] == RECORD_SALEOR_ORDER
    args, _kwargs, _embed = message.decode()
    assert args[:2] == [str(order.pk), "created"]
    assert not PolicyVersion.objects.filter(channel=channel_USD.slug).exists()  # the worker publishes it

    # The worker publishes the configured (here: default) policy before recording, so the order has one pinned.
    record_saleor_order.apply(args=args)
    version = PolicyVersion.objects.get(channel=channel_USD.slug)
    assert OrderRecord.objects.get(order_id=order.pk).policy_version == version
