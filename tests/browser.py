"""The browser tests' real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) and the sandbox they
browse, served by its own threaded server. ``make test`` installs chromium when it is missing; screenshots go to
test-artifacts/ (git-ignored) for people to look at."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, sync_playwright

from saleor_aftersales_plugin.sandbox.server import make_server

CHROMIUM = Path("/usr/bin/chromium")
# Fully offline: no background traffic of the browser's own.
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@contextmanager
def sandbox_server() -> Iterator[str]:
    """The sandbox's threaded server on a free local port, for as long as the block runs; gives its base URL."""
    server = make_server("127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def chromium(profile: Path, **options: Any) -> Iterator[BrowserContext]:
    """A headless Chromium with its own profile directory (``options``: Playwright's, e.g. ``viewport``); fails the
    test when Chromium is not installed."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install -y chromium).")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(CHROMIUM), args=ARGS, headless=True, **options
        )
        try:
            yield context
        finally:
            context.close()
