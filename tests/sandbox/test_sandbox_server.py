"""The sandbox's threaded server under many concurrent clients: its database connections stay capped."""

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from saleor_aftersales_plugin.sandbox.commands import EXAMPLE_POLICY
from saleor_aftersales_plugin.sandbox.orders import publish_policy_file
from saleor_aftersales_plugin.sandbox.server import make_server

CLIENTS = 120
CAP = 6


def _connections_to_test_db() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_clients_are_all_answered_with_at_most_the_cap_of_connections():
    publish_policy_file("default-channel", EXAMPLE_POLICY)
    connections.close_all()  # from here on only the server's threads (and the watcher, not counted) connect
    server = make_server("127.0.0.1", 0, quiet=True, max_concurrent_requests=CAP)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    host, port = server.server_address[:2]
    body = json.dumps({"query": "{ afterSalesPolicy { version name } }"}).encode()

    def ask(_: int) -> tuple[int, dict]:
        request = urllib.request.Request(
            f"http://{host}:{port}/graphql/", body, {"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())

    peak = 0
    stop = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _connections_to_test_db())
        connections.close_all()

    watcher = threading.Thread(target=watch)
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            watcher.start()
            answers = list(pool.map(ask, range(CLIENTS)))
    finally:
        stop.set()
        if watcher.is_alive():
            watcher.join()
        server.shutdown()
        server.server_close()
    assert [status for status, _ in answers] == [200] * CLIENTS
    assert {answer["data"]["afterSalesPolicy"]["version"] for _, answer in answers} == {1}
    # PostgreSQL lists a backend until it has finished exiting, a moment after its thread closed it and freed its
    # slot: one such straggler may overlap the next request's connection. Without the cap the peak is ~CLIENTS.
    assert 1 <= peak <= CAP + 1
