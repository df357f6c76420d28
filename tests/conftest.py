"""Shared test setup. pytest-django provides the database (settings: see [tool:pytest] in setup.cfg); without
DATABASE_URL the sandbox settings start an embedded PostgreSQL under .aftersales-state/.

Keep this file small and general; fixtures for one area belong in that area's test module.
"""

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from django.db import connections


def _run_concurrently(calls: Sequence[Callable[[], Any]], timeout: float = 60) -> list[Any]:
    """Run each call in its own thread and database connection, all released at once.

    Returns one item per call, in order: its result, or the exception it raised. Needs
    ``@pytest.mark.django_db(transaction=True)`` so that the threads see committed data.
    """
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def worker(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            results[index] = call()
        except BaseException as error:  # handed back to the test as its result
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a concurrent call did not finish (deadlock?)"
    return results


@pytest.fixture
def concurrently() -> Callable[..., list[Any]]:
    """``concurrently([call, ...])`` runs the calls in parallel threads with real connections (see above)."""
    return _run_concurrently


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """One test database per pytest process (test_<name>_<pid>), so parallel runs on one server never collide."""
    from pytest_django.fixtures import _set_suffix_to_test_databases

    _set_suffix_to_test_databases(suffix=str(os.getpid()))


@pytest.fixture(autouse=True)
def _fresh_case_numbers(request: pytest.FixtureRequest) -> Any:
    """After a transactional test, drop the channels' case-number sequences it committed.

    Sequences are outside transactions and the flush that empties the tables keeps them, so without this a later test
    would see its channel's numbers continue from an earlier test's.
    """
    yield
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    with request.getfixturevalue("django_db_blocker").unblock(), connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT format('DROP SEQUENCE IF EXISTS %I', sequencename) FROM pg_sequences "
            "WHERE sequencename LIKE 'aftersales\\_case\\_no\\_%'"
        )
        for (statement,) in cursor.fetchall():
            cursor.execute(statement)
