"""Saleor tier set-up: the few lines of Saleor's own root conftest.py, which cannot be imported from here.

Run with Saleor's source root on ``sys.path`` and ``--ds=saleor.tests.settings`` (``make test-saleor`` does both).
"""

import sys
from pathlib import Path

import django.test
import pytest
from django.conf import settings
from saleor.tests.utils import prepare_test_db_connections

TEST_DATABASES = {settings.DATABASE_CONNECTION_DEFAULT_NAME, settings.DATABASE_CONNECTION_REPLICA_NAME}
django.test.TransactionTestCase.databases = TEST_DATABASES
django.test.TestCase.databases = TEST_DATABASES

prepare_test_db_connections()

# The money machine (tests/services/ledger_machine.py) is shared with the sandbox's tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services"))

pytest_plugins = [
    "saleor.tests.fixtures",
    "saleor.app.tests.fixtures",
    "saleor.plugins.tests.fixtures",
    "saleor.graphql.tests.fixtures",
    "saleor.webhook.tests.fixtures",
    "saleor.tax.tests.fixtures",
    "saleor.channel.tests.fixtures",
    "saleor.page.tests.fixtures",
    "saleor.menu.tests.fixtures",
    "saleor.warehouse.tests.fixtures",
    "saleor.thumbnail.tests.fixtures",
    "saleor.order.tests.fixtures",
    "saleor.product.tests.fixtures",
    "saleor.site.tests.fixtures",
    "saleor.shipping.tests.fixtures",
    "saleor.permission.tests.fixtures",
    "saleor.giftcard.tests.fixtures",
    "saleor.discount.tests.fixtures",
    "saleor.checkout.tests.fixtures",
    "saleor.attribute.tests.fixtures",
    "saleor.account.tests.fixtures",
    "saleor.graphql.account.tests.fixtures",
    "saleor.payment.tests.fixtures",
    "saleor.webhook.tests.circuit_breaker.fixtures",
]

PLUGIN = "saleor_aftersales_plugin.plugin.AfterSalesPlugin"


@pytest.fixture
def aftersales_enabled(settings):  # noqa: ANN001, ANN201 - pytest-django's settings fixture
    settings.PLUGINS = [PLUGIN]
    return settings
