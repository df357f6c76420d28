"""The sandbox's threaded server under many concurrent clients: its database connections stay capped."""

import json
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from django.db.backends.signals import connection_created

from saleor_aftersales_plugin.sandbox.commands import EXAMPLE_POLICY
from saleor_aftersales_plugin.sandbox.orders import publish_policy_file
from saleor_aftersales_plugin.sandbox.server import make_server

CLIENTS = 120
CAP = 6


class OpenConnections:
    """Every database connection Django opens from now on, counted while it is open (in this process: the server's
    request threads). PostgreSQL's own list would also count backends still exiting after their client closed them."""

    def __init__(self) -> None:
        self.opened: list = []
        connection_created.connect(self._record)

    def _record(self, sender, connection, **kwargs) -> None:
        self.opened.append(connection)

    def now(self) -> int:
        return sum(1 for wrapper in list(self.opened) if wrapper.connection is not None)

    def stop(self) -> None:
        connection_created.disconnect(self._record)


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_clients_are_all_answered_with_at_most_the_cap_of_connections():
    publish_policy_file("default-channel", EXAMPLE_POLICY)
    connections.close_all()  # from here on only the server's threads connect
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
    open_connections = OpenConnections()

    def watch() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, open_connections.now())

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
        open_connections.stop()
    assert [status for status, _ in answers] == [200] * CLIENTS
    assert {answer["data"]["afterSalesPolicy"]["version"] for _, answer in answers} == {1}
    # Without the cap the peak is ~CLIENTS; every request opened one connection and closed it.
    assert 1 <= peak <= CAP
    assert len(open_connections.opened) >= CLIENTS // CAP
    assert open_connections.now() == 0
