"""Database queries per request: they do not grow with the number of lines, and no figure is computed twice."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from graphql_client import (
    CASE_FIELDS,
    CHANNEL,
    CUSTOMER,
    STAFF,
    call,
    case_gid,
    gid,
    ok,
    order_gid,
    publish_example,
    record,
    tv_line,
)

from saleor_aftersales_plugin.domain.actors import actor_for
from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.services import returns
from saleor_aftersales_plugin.services.queries import case_counts
from saleor_aftersales_plugin.services.reporting import policy_kpis
from saleor_aftersales_plugin.services.stats import case_stats

ELIGIBILITY = """query($order: ID!) { returnEligibility(order: $order) {
  eligible trace refundEstimate { amount } lines { lineId eligible reasons { code text } windowEndsAt
  fees { code amount { amount } } refundEstimate { amount } allowedResolutions } } }"""
CASE = "query($id: ID!) { afterSalesCase(id: $id) { " + CASE_FIELDS + " } }"


def queries(query: str, variables: dict, principal) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = call(query, variables, principal)
    assert not response.get("errors"), response
    return len(captured.captured_queries)


def order_with(count: int):
    return record(tuple(tv_line(quantity=1) for _ in range(count)))


def case_with(count: int) -> str:
    order = order_with(count)
    requests = [
        LineRequest(str(line.line_id), 1, reason="changed_mind") for line in order.lines.order_by("id")
    ]
    case, _ = returns.request_return(order.order_id, requests, actor=actor_for(CUSTOMER))
    returns.approve(case.pk, actor=actor_for(STAFF))
    return case_gid(case)


@pytest.mark.django_db
@pytest.mark.parametrize("principal", [CUSTOMER, STAFF], ids=["customer", "staff"])
def test_return_eligibility_costs_the_same_for_1_and_50_lines(principal):
    publish_example()
    one, fifty = order_with(1), order_with(50)
    call(ELIGIBILITY, {"order": order_gid(one)}, principal)  # warm the per-process policy cache
    counts = [queries(ELIGIBILITY, {"order": order_gid(order)}, principal) for order in (one, fifty)]
    # The order, its lines, the policy and the customer's history; the lines with the units cases hold; the host's
    # ledger (1 query in the sandbox: the lines with the refunds and returns by anyone).
    assert counts[0] == counts[1] <= 6, counts


@pytest.mark.django_db
@pytest.mark.parametrize("principal", [CUSTOMER, STAFF], ids=["customer", "staff"])
def test_a_case_costs_the_same_for_1_and_50_lines(principal):
    publish_example()
    one, fifty = case_with(1), case_with(50)
    counts = [queries(CASE, {"id": case_id}, principal) for case_id in (one, fifty)]
    assert counts[0] == counts[1] <= 4, counts


RETURN_LINES = """mutation($input: ReturnRequestCreateInput!) { returnRequestCreate(input: $input) {
  errors { field code message } case { id status refund { amount } lines { quantity refund { amount } } } } }"""


@pytest.mark.django_db
def test_a_return_request_costs_the_same_for_1_and_50_lines():
    publish_example()
    case_with(1)  # the channel's first case creates its number sequence; the policy cache is warm
    counts, answers = [], []
    for order in (order_with(1), order_with(50)):
        lines = [
            {"lineId": gid("OrderLine", line.line_id), "quantity": 1} for line in order.lines.order_by("id")
        ]
        variables = {"input": {"order": order_gid(order), "lines": lines, "reason": "changed_mind"}}
        with CaptureQueriesContext(connection) as captured:
            answers.append(ok(call(RETURN_LINES, variables, CUSTOMER), "returnRequestCreate")["case"])
        counts.append(len(captured.captured_queries))
        assert set(order.lines.values_list("quantity_returned", flat=True)) == {1}
    assert [len(case["lines"]) for case in answers] == [1, 50]
    # Each line keeps its refund, 499.00 for one TV unpacked (stored with the case as it is created).
    assert {line["refund"]["amount"] for case in answers for line in case["lines"]} == {"499.00"}
    assert counts[0] == counts[1] <= 18, counts


STATS = "{ afterSalesStats { cases firstResponse { measured } escalations { total } figures csv } }"


@pytest.mark.django_db
def test_stats_compute_every_figure_once_per_request():
    publish_example()
    case_with(2)
    now = timezone.now()
    start, end = now - timedelta(days=30), now + timedelta(seconds=1)
    with CaptureQueriesContext(connection) as figures_once:
        case_counts(CHANNEL, start, end)
        policy_kpis(CHANNEL, start, end)  # its SLA part is case_stats
    with CaptureQueriesContext(connection) as sla_alone:
        case_stats(CHANNEL, start, end)
    # The figures, the SLA fields and the CSV all come from one computation: no query is repeated for them.
    stats = call(STATS, {}, STAFF)
    assert not stats.get("errors"), stats
    assert stats["data"]["afterSalesStats"]["cases"] == 1
    assert queries(STATS, {}, STAFF) == len(figures_once.captured_queries)
    assert len(sla_alone.captured_queries) > 0
