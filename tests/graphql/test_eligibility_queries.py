"""returnEligibility costs a constant number of SQL queries, whatever the number of lines, and parses no policy."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from graphql_client import CUSTOMER, call, ok, order_gid, publish_example, published_order, record, tv_line

from saleor_aftersales_plugin.rules import document

ELIGIBILITY = """query($order: ID!) {
  returnEligibility(order: $order, reason: "changed_mind", resolution: REFUND) {
    eligible refundEstimate { amount currency } lines { eligible windowEndsAt fees { code } }
  }
}"""
MAX_QUERIES = 6


def _queries_for(lines: int) -> tuple[list[str], dict]:
    order = record(tuple(tv_line(quantity=1) for _ in range(lines)))
    ok(call(ELIGIBILITY, {"order": order_gid(order)}, CUSTOMER), "returnEligibility")  # warm the policy cache
    with CaptureQueriesContext(connection) as captured:
        answer = ok(call(ELIGIBILITY, {"order": order_gid(order)}, CUSTOMER), "returnEligibility")
    return [query["sql"] for query in captured.captured_queries], answer


@pytest.mark.django_db
@pytest.mark.parametrize("lines", [1, 50])
def test_eligibility_runs_at_most_six_queries_for_one_or_fifty_lines(lines):
    publish_example()
    queries, answer = _queries_for(lines)
    assert len(queries) <= MAX_QUERIES, "\n".join(queries)
    assert len(answer["lines"]) == lines and answer["eligible"] is True
    assert answer["refundEstimate"] == {"amount": f"{499 * lines}.00", "currency": "EUR"}


@pytest.mark.django_db
def test_one_line_and_fifty_cost_the_same_queries():
    publish_example()
    assert len(_queries_for(1)[0]) == len(_queries_for(50)[0])


@pytest.mark.django_db
def test_a_warm_eligibility_check_parses_no_policy(monkeypatch):
    order = published_order((tv_line(quantity=1),))
    ok(call(ELIGIBILITY, {"order": order_gid(order)}, CUSTOMER), "returnEligibility")
    parsed = []
    original = document.Policy.from_dict.__func__

    def counting(cls, data):
        parsed.append(data)
        return original(cls, data)

    monkeypatch.setattr(document.Policy, "from_dict", classmethod(counting))
    answer = ok(call(ELIGIBILITY, {"order": order_gid(order)}, CUSTOMER), "returnEligibility")
    assert answer["eligible"] is True and parsed == []
