"""policySimulate over the plugin's GraphQL API (real PostgreSQL, sandbox host)."""

import copy
import json
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from saleor_aftersales_plugin.domain.actors import Principal
from saleor_aftersales_plugin.domain.facts import OrderFacts, OrderLineFacts, ProductFacts
from saleor_aftersales_plugin.graphql.api import RequestContext, execute
from saleor_aftersales_plugin.models import PolicyVersion
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services.orders import record_order
from saleor_aftersales_plugin.services.policies import publish_policy

pytestmark = pytest.mark.django_db
CHANNEL = "volt"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "electronics-shop.yaml"
STAFF = Principal("staff", "staff-1", "staff@volt.example", frozenset({"MANAGE_ORDERS"}))
CUSTOMER = Principal("customer", "customer-1", "ada@example.com")
QUERY = """
mutation($draft: String!, $from: DateTime) {
  policySimulate(draft: $draft, from: $from) {
    report { currentVersion draftName newlyEligible newlyIneligible windowLonger evaluated totals changes text }
    policyErrors { path code }
    errors { field code message }
  }
}
"""


def call(variables: dict, principal: Principal = STAFF) -> dict:
    status, response = execute(
        {"query": QUERY, "variables": variables}, RequestContext(CHANNEL, principal, SandboxHost())
    )
    assert status == 200 and not response.get("errors"), response
    return response["data"]["policySimulate"]


@pytest.fixture
def final_sale_order():
    publish_policy(CHANNEL, normalise_policy(load_source(EXAMPLE.read_text())[0]), "", "yaml")
    delivered = timezone.now() - timedelta(days=1)
    jacket = OrderLineFacts(
        line_id=str(uuid.uuid4()),
        product=ProductFacts(sku="JACKET", attributes={"final-sale": ("true",)}),
        quantity=1,
        unit_price=Decimal("80.00"),
        paid_total=Decimal("80.00"),
        quantity_fulfilled=1,
        delivered_at=delivered,
    )
    record_order(
        OrderFacts(
            str(uuid.uuid4()), CHANNEL, "EUR", delivered - timedelta(days=2), (jacket,), Decimal("80.00")
        )
    )


def test_policy_simulate_reports_newly_eligible_lines(final_sale_order):
    draft = load_source(EXAMPLE.read_text())[0]
    draft["rules"] = [rule for rule in draft["rules"] if rule["id"] != "final-sale"]
    payload = call({"draft": json.dumps(draft), "from": (timezone.now() - timedelta(days=7)).isoformat()})
    assert payload["errors"] == [] and payload["policyErrors"] == []
    report = payload["report"]
    assert (report["currentVersion"], report["newlyEligible"], report["newlyIneligible"]) == (1, 1, 0)
    assert report["evaluated"]["orders"] == 1 and report["changes"][0]["sku"] == "JACKET"
    assert "newly eligible: 1" in report["text"]
    assert PolicyVersion.objects.count() == 1


def test_policy_simulate_refuses_invalid_drafts_and_customers(final_sale_order):
    broken = copy.deepcopy(load_source(EXAMPLE.read_text())[0])
    broken["defaults"]["currency"] = "EURO"
    payload = call({"draft": json.dumps(broken)})
    assert payload["report"] is None and payload["errors"][0]["field"] == "draft"
    assert [problem["path"] for problem in payload["policyErrors"]] == ["$.defaults.currency"]
    refused = call({"draft": EXAMPLE.read_text()}, principal=CUSTOMER)
    assert refused["report"] is None and refused["errors"][0]["code"] in ("PERMISSION_DENIED", "NOT_FOUND")
