"""Idempotency and concurrency on real PostgreSQL: parallel requests never return more than was fulfilled."""

import pytest
from graphql_client import published_order, return_one_unit, tv_line

from saleor_aftersales_plugin.models import Case, OrderLineRecord


@pytest.mark.django_db(transaction=True)
def test_fifty_parallel_requests_never_return_more_than_was_fulfilled(concurrently):
    order = published_order((tv_line(quantity=3),))
    results = concurrently([lambda: return_one_unit(order)] * 50)
    crashed = [result for result in results if isinstance(result, BaseException)]
    assert not crashed, crashed[:3]
    won = [result for result in results if result["case"]]
    lost = [result for result in results if not result["case"]]
    assert len(won) == 3 and len(lost) == 47
    for result in lost:
        (error,) = result["errors"]
        assert error["code"] == "NOT_ELIGIBLE" and error["field"] == "lines.0"
        assert "Units of this item are already in an open after-sales case." in error["message"]
    assert Case.objects.count() == 3
    assert OrderLineRecord.objects.get(order__order_id=order.order_id).quantity_returned == 3


@pytest.mark.django_db(transaction=True)
def test_parallel_repeats_of_one_idempotency_key_make_one_case(concurrently):
    order = published_order((tv_line(quantity=3),))
    results = concurrently([lambda: return_one_unit(order, key="checkout-42")] * 20)
    crashed = [result for result in results if isinstance(result, BaseException)]
    assert not crashed, crashed[:3]
    assert all(result["errors"] == [] for result in results), results
    assert len({result["case"]["id"] for result in results}) == 1
    assert Case.objects.count() == 1
    assert OrderLineRecord.objects.get(order__order_id=order.order_id).quantity_returned == 1
    # Later, the same key still answers the same case instead of opening another.
    assert return_one_unit(order, key="checkout-42")["case"]["id"] == results[0]["case"]["id"]
