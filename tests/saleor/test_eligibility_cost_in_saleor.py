"""returnEligibility inside Saleor costs a fixed, small number of queries: the same for an order of one line and one
of fifty, whoever asks, with Saleor as the ledger (its fulfilments and its payment records)."""

import copy
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from saleor.order.models import FulfillmentLine, OrderLine
from saleor_steps import Shop, gid, payload_of, place_paid_fulfilled_order, plugin_call

from saleor_aftersales_plugin.config import DEFAULT_POLICY
from saleor_aftersales_plugin.domain.actors import MANAGE_ORDERS, Principal
from saleor_aftersales_plugin.graphql.api import execute
from saleor_aftersales_plugin.graphql.core.context import RequestContext
from saleor_aftersales_plugin.saleor.events import apply_order_event, ensure_order_recorded
from saleor_aftersales_plugin.saleor.facts import customer_global_id
from saleor_aftersales_plugin.saleor.host import SaleorHost

pytestmark = pytest.mark.django_db

ELIGIBILITY = """query ($order: ID!) {
  returnEligibility(order: $order, reason: "changed_mind", resolution: REFUND) {
    eligible refundEstimate { amount currency } lines { lineId eligible windowEndsAt fees { code } } } }"""

VERSIONED = """query ($order: ID!) {
  returnEligibility(order: $order, reason: "changed_mind", resolution: REFUND) { eligible policyVersion } }"""


def _with_lines(order: Any, count: int) -> Any:
    """The placed ``order`` cut or grown to ``count`` lines, each delivered in its one fulfilment (copies of its
    first line), and recorded again by the plugin as its worker would after a fulfilment."""
    first = order.lines.order_by("created_at").first()
    fulfilment = order.fulfillments.get()
    template = fulfilment.lines.get(order_line=first)
    OrderLine.objects.filter(order=order).exclude(pk=first.pk).delete()
    for _ in range(count - 1):
        line = copy.copy(first)
        line.pk = uuid.uuid4()
        line.save(force_insert=True)
        fline = copy.copy(template)
        fline.pk = None
        fline.order_line = line
        fline.save(force_insert=True)
    assert FulfillmentLine.objects.filter(fulfillment=fulfilment).count() == count
    assert apply_order_event(str(order.pk), "fulfilled", timezone.now().isoformat())
    return order


def _queries(context: RequestContext, order: Any) -> tuple[int, dict[str, Any]]:
    with CaptureQueriesContext(connection) as captured:
        status, answer = execute(
            {"query": ELIGIBILITY, "variables": {"order": gid("Order", order.pk)}}, context
        )
    assert status == 200 and "errors" not in answer, answer
    return len(captured.captured_queries), answer["data"]["returnEligibility"]


@pytest.mark.parametrize("who", ["customer", "staff"])
def test_return_eligibility_in_saleor_costs_the_same_for_1_and_50_lines(who: str, shop: Shop) -> None:
    shop.enable()
    placed = place_paid_fulfilled_order(shop.staff, shop.draft_order, shop.warehouse)
    user = shop.customer.user if who == "customer" else shop.staff.user
    principal = (
        Principal("customer", customer_global_id(user.pk) or "", user.email)
        if who == "customer"
        else Principal("staff", customer_global_id(user.pk) or "", user.email, frozenset({MANAGE_ORDERS}))
    )
    context = RequestContext(shop.slug, principal, SaleorHost(user=user), load_order=ensure_order_recorded)
    one = _with_lines(placed, 1)
    _queries(context, one)  # the policy is read and compiled once per process
    counts, answers = [], []
    for size in (1, 50):
        count, answer = _queries(context, _with_lines(placed, size))
        counts.append(count)
        answers.append(answer)
    assert [len(answer["lines"]) for answer in answers] == [1, 50]
    assert all(line["eligible"] for answer in answers for line in answer["lines"])
    # The order with the policy pinned on it; its lines with the units cases hold (read once: asked about, decided
    # and named); the version in force now; Saleor's order with what its payments moved, which other records it
    # has, and its lines with the units delivered and returned. (A policy whose conditions read the customer's
    # earlier returns adds the query of those.)
    assert counts[0] == counts[1] == 4, counts


@pytest.mark.parametrize("who", ["customer", "staff"])
def test_return_eligibility_over_the_plugins_route_costs_saleors_share_and_ours(who: str, shop: Shop) -> None:
    """The whole request, through Saleor's URL: Saleor's plugin routing and its reading of the token, then the
    plugin's queries; the same for 1 and 50 lines."""
    shop.enable()
    placed = place_paid_fulfilled_order(shop.staff, shop.draft_order, shop.warehouse)
    client = shop.customer if who == "customer" else shop.staff

    def queries(call: Any) -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            call()
        return [query["sql"] for query in captured.captured_queries]

    def eligibility() -> None:
        payload_of(
            plugin_call(client, shop.slug, ELIGIBILITY, {"order": gid("Order", placed.pk)}),
            "returnEligibility",
        )

    eligibility()  # the policy is read and compiled once per process
    counts = []
    for size in (1, 50):
        _with_lines(placed, size)
        counts.append(len(queries(eligibility)))
    assert counts[0] == counts[1], counts
    # Saleor's: its routing to the plugin (the channel, its plugin configurations, the channel again, the global
    # ones) and its reading of the token (the user, the site, its settings). The plugin's: the staff member's
    # permissions and channels in one query (none for a customer), the channel's policy versions (which the
    # decision reuses for the version in force now), and returnEligibility's order, lines and Saleor's ledger.
    saleors = 4 + 3
    assert counts[0] == saleors + (1 if who == "staff" else 0) + 1 + 3, counts


def test_a_policy_published_takes_effect_on_the_next_request(shop: Shop) -> None:
    """The channel's versions are read once per request (the decision reuses them): a version published meanwhile,
    here through the configuration as another process would, decides the very next request."""
    shop.enable()
    placed = place_paid_fulfilled_order(shop.staff, shop.draft_order, shop.warehouse)
    # Delivered 10 days ago: past the default policy's 7-day window.
    placed.fulfillments.update(created_at=timezone.now() - timedelta(days=10))
    assert apply_order_event(str(placed.pk), "fulfilled", timezone.now().isoformat())

    def answer() -> dict[str, Any]:
        return payload_of(
            plugin_call(shop.customer, shop.slug, VERSIONED, {"order": gid("Order", placed.pk)}),
            "returnEligibility",
        )

    before = answer()
    assert before["eligible"] is False and before["policyVersion"] == 1, before
    generous = DEFAULT_POLICY.replace("window: {days: 7,", "window: {days: 30,").replace(
        "defaults:\n", "defaults:\n  customer_favourable: true\n", 1
    )
    assert generous != DEFAULT_POLICY
    assert shop.enable(policy=generous)["errors"] == []

    after = answer()
    assert after["eligible"] is True and after["policyVersion"] == 2, after
