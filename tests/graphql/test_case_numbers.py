"""Case numbers from per-channel sequences: creates do not wait for each other, yet never over-return a line,
never lose an idempotent repeat, and number every case of a channel distinctly and in creation order."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections
from graphql_client import published_order, record, return_one_unit, tv_line

from saleor_aftersales_plugin.domain.actors import Actor
from saleor_aftersales_plugin.models import Case, OrderLineRecord
from saleor_aftersales_plugin.services import cases
from saleor_aftersales_plugin.services.cases import next_case_number, number_sequence

REQUESTS = 200
WORKERS = 40  # 200 connections at once would exceed PostgreSQL's default max_connections (100)


def _in_parallel(calls: list, workers: int = WORKERS) -> list:
    """Run ``calls`` on ``workers`` threads (own connections), all started together; results in order."""
    barrier = threading.Barrier(workers)

    def run(index: int):
        if index < workers:
            barrier.wait(60)
        try:
            return calls[index]()
        except BaseException as error:
            return error
        finally:
            connections.close_all()

    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(run, range(len(calls))))


@pytest.mark.django_db(transaction=True)
def test_two_hundred_parallel_requests_on_a_ten_unit_line_return_exactly_ten():
    order = published_order((tv_line(quantity=10),))
    results = _in_parallel([lambda: return_one_unit(order)] * REQUESTS)
    crashed = [result for result in results if isinstance(result, BaseException)]
    assert not crashed, crashed[:3]
    won = [result for result in results if result["case"]]
    lost = [result for result in results if not result["case"]]
    assert (len(won), len(lost)) == (10, 190)
    for result in lost:
        (error,) = result["errors"]
        assert (error["code"], error["field"]) == ("NOT_ELIGIBLE", "lines.0")
        assert "Units of this item are already in an open after-sales case." in error["message"]
    assert OrderLineRecord.objects.get(order__order_id=order.order_id).quantity_returned == 10
    numbers = sorted(result["case"]["number"] for result in won)
    assert len(set(numbers)) == 10
    assert sorted(Case.objects.values_list("number", flat=True)) == numbers


@pytest.mark.django_db(transaction=True)
def test_parallel_repeats_of_keys_make_one_case_per_key():
    order = published_order((tv_line(quantity=10),))
    keys = [f"checkout-{index % 5}" for index in range(60)]
    results = _in_parallel([lambda key=key: return_one_unit(order, key) for key in keys], workers=30)
    crashed = [result for result in results if isinstance(result, BaseException)]
    assert not crashed, crashed[:3]
    assert all(result["errors"] == [] for result in results), [r for r in results if r["errors"]][:3]
    by_key: dict[str, set[str]] = {}
    for key, result in zip(keys, results, strict=True):
        by_key.setdefault(key, set()).add(result["case"]["id"])
    assert all(len(ids) == 1 for ids in by_key.values()), by_key
    assert len({next(iter(ids)) for ids in by_key.values()}) == 5
    assert Case.objects.count() == 5
    assert OrderLineRecord.objects.get(order__order_id=order.order_id).quantity_returned == 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_in_one_channel_get_distinct_increasing_numbers():
    order = record(channel="eu")
    results = _in_parallel(
        [lambda: cases.create_case(order.order_id, "complaint", actor=Actor("customer"))] * 30, workers=15
    )
    assert not [result for result in results if isinstance(result, BaseException)]
    numbers = [case.number for case, _created in results]
    assert len(set(numbers)) == 30
    by_creation = list(
        Case.objects.filter(channel="eu").order_by("created_at").values_list("number", flat=True)
    )
    assert sorted(by_creation) == sorted(numbers)
    later, _ = cases.create_case(order.order_id, "complaint", actor=Actor("customer"))
    assert later.number > max(numbers)


@pytest.mark.django_db
def test_a_channel_sequence_starts_after_the_numbers_already_used():
    order = record(channel="legacy")
    first, _ = cases.create_case(order.order_id, "complaint", actor=Actor("customer"))
    # A channel numbered before sequences existed (or whose sequence was dropped) continues after its highest number.
    Case.objects.filter(pk=first.pk).update(number=41)
    with connection.cursor() as cursor:
        cursor.execute(f'DROP SEQUENCE "{number_sequence("legacy")}"')
    assert next_case_number("legacy") == 42
    assert cases.create_case(order.order_id, "complaint", actor=Actor("customer"))[0].number == 43
    assert number_sequence("legacy") != number_sequence("legacy-2")
    assert len(number_sequence("x" * 255)) <= 63
