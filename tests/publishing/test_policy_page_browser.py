"""The policy page in a real headless Chromium (tests/browser.py).

All database work happens before the browser starts: Playwright's sync API runs an event loop in this thread.
"""

import copy
import re
from decimal import Decimal
from pathlib import Path

import pytest
from browser import ARTIFACTS, chromium
from playwright.sync_api import expect

from saleor_aftersales_plugin.rules.actions import to_decimal
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import normalise_policy, parse_policy
from saleor_aftersales_plugin.services.policies import publish_policy

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "electronics-shop.yaml"


@pytest.fixture
def live_url(transactional_db):
    """A live server of the sandbox URLs without the static-files wrapper (the sandbox serves no STATIC_URL)."""
    from django.test.testcases import LiveServerThread

    thread = LiveServerThread("127.0.0.1", static_handler=lambda handler: handler, port=0)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()


@pytest.fixture
def published(transactional_db):
    first = load_source(EXAMPLE.read_text())[0]
    second = copy.deepcopy(first)
    second["defaults"]["window"]["days"] = 21
    for data in (first, second):
        publish_policy("volt", normalise_policy(data), source="", source_format="yaml")
    return parse_policy(second)


def test_policy_page_in_chromium(live_url, published, tmp_path):
    days = published.defaults.window.days
    restocking = next(rule for rule in published.rules if rule.id == "opened-electronics-restocking")
    percent = to_decimal(restocking.actions[0]["params"]["amount"])
    fee = (Decimal(200) * percent / 100).quantize(Decimal("0.01"))
    ARTIFACTS.mkdir(exist_ok=True)
    with chromium(
        tmp_path / "profile", viewport={"width": 412, "height": 915}, device_scale_factor=1
    ) as browser:
        page = browser.new_page()
        page.goto(f"{live_url}/policy/volt/")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.get_by_role("main")).to_be_visible()
        expect(page.get_by_role("navigation", name="Language")).to_be_visible()
        expect(page.locator("h1")).to_have_count(1)
        expect(page.get_by_role("heading", name="Return periods")).to_be_visible()
        body = page.locator("main").inner_text()
        assert f"within {days} days after delivery" in body
        assert f"a restocking fee of {percent}% of the price you paid" in body
        assert f"the restocking fee is €{fee}" in body
        # Mobile-friendly: nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= 412
        page.screenshot(path=str(ARTIFACTS / "policy-page-en-mobile.png"), full_page=True)

        page.get_by_role("link", name="简体中文").click()
        expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
        expect(page.get_by_role("heading", name="退货期限")).to_be_visible()
        body = page.locator("main").inner_text()
        assert f"签收后 {days} 个自然日内，您可以无理由退货。" in body
        assert f"实付金额的 {percent}%" in body and f"重新上架费为 €{fee}" in body
        page.set_viewport_size({"width": 1100, "height": 900})
        page.screenshot(path=str(ARTIFACTS / "policy-page-zh-desktop.png"), full_page=True)

        page.get_by_label("从版本").select_option("1")
        page.get_by_label("到版本").select_option("2")
        page.get_by_role("button", name="显示变更").click()
        changes = page.locator("#changes")
        expect(changes).to_contain_text(f"变更：签收后 {days} 个自然日内，您可以无理由退货。")
        assert re.search(r"[?&]from=1", page.url) and "lang=zh_Hans" in page.url
        changes.screenshot(path=str(ARTIFACTS / "policy-page-zh-changes.png"))
    assert (ARTIFACTS / "policy-page-en-mobile.png").stat().st_size > 10_000
