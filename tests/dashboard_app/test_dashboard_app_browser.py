"""The Dashboard app in a real headless Chromium against the sandbox (signed in with sandbox staff tokens).

A merchant builds a rule without typing YAML, sees the preview change, tests it on past orders, publishes it and the
public policy page shows it; staff take a case from the queue to a refund; the order widget lists the case.
"""

import threading
import urllib.request
from pathlib import Path

import pytest
from graphene import Node

from saleor_aftersales_plugin.dashboard_app import STATIC_DIR
from saleor_aftersales_plugin.domain.actors import Principal, actor_for
from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.models import Case, PolicyVersion
from saleor_aftersales_plugin.sandbox import tokens
from saleor_aftersales_plugin.sandbox.commands import EXAMPLE_ORDERS, EXAMPLE_POLICY
from saleor_aftersales_plugin.sandbox.orders import import_orders, publish_policy_file
from saleor_aftersales_plugin.sandbox.server import make_server
from saleor_aftersales_plugin.services import returns

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHANNEL = "default-channel"
HEADPHONES_ORDER = "0a5a1e50-0000-4000-8000-000000001002"
HEADPHONES_LINE = "0a5a1e50-0000-4000-9000-000010020001"
PHONE_ORDER = "0a5a1e50-0000-4000-8000-000000001004"  # delivered the day before the import's "now": inside the 7-day window
CUSTOMER = Principal("customer", "user-anna", "anna@example.com")


@pytest.fixture
def sandbox_url(transactional_db):
    if not (STATIC_DIR / "index.html").is_file():
        pytest.fail("The Dashboard app is not built: run `make dashboard`.")
    publish_policy_file(CHANNEL, EXAMPLE_POLICY)
    import_orders([EXAMPLE_ORDERS])
    server = make_server("127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def browser(tmp_path, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own database checks stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install -y chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        try:
            yield context
        finally:
            context.close()


def _page(browser, sandbox_url, errors):
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request", lambda r: None if r.url.startswith(sandbox_url) else errors.append(f"outside: {r.url}")
    )
    return page


def _shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


def test_staff_take_a_case_from_the_queue_to_a_refund_and_the_order_widget_lists_it(sandbox_url, browser):
    from playwright.sync_api import expect

    photos = tuple(f"{sandbox_url}/static/graphiql/photo-{n}.png" for n in (1, 2))
    case, _ = returns.request_return(
        HEADPHONES_ORDER,
        [LineRequest(HEADPHONES_LINE, 1, reason="defective")],
        actor=actor_for(CUSTOMER),
        reason="defective",
        photo_urls=photos,
    )
    token = tokens.staff_token("staff-1", "staff@volt.example")
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)
    page.goto(f"{sandbox_url}/app/queue?token={token}")
    row = page.get_by_test_id("queue-row").filter(has_text=f"#{case.number}")
    expect(row).to_contain_text("anna@example.com")
    expect(row).to_contain_text("REQUESTED")
    # Search by the order number finds it; an unknown email finds nothing.
    page.get_by_test_id("queue-search").fill("1002")
    expect(page.get_by_test_id("queue-row")).to_have_count(1)
    page.get_by_test_id("queue-search").fill("nobody@example.com")
    expect(page.get_by_test_id("queue-row")).to_have_count(0)
    page.get_by_test_id("queue-search").fill("")
    _shot(page, "dashboard-queue.png")
    row = page.get_by_test_id("queue-row").filter(has_text=f"#{case.number}")
    row.get_by_role("link", name=f"#{case.number}").click()

    status = page.get_by_test_id("case-status")
    expect(status).to_have_text("REQUESTED")
    # The money per line: what the customer paid, what was refunded before (nothing yet).
    expect(page.get_by_test_id("line-paid")).to_have_text("249.00 EUR")
    expect(page.get_by_test_id("line-already-refunded")).to_have_text("0.00 EUR")
    page.get_by_role("button", name="Approve").click()
    expect(status).to_have_text("AWAITING_RETURN")
    page.get_by_role("button", name="Mark received").click()
    expect(status).to_have_text("RECEIVED")
    page.get_by_label("Condition Noise-cancelling headphones").select_option("DEFECTIVE")
    page.get_by_role("button", name="Save inspection").click()
    expect(status).to_have_text("INSPECTED")
    # An override amount without a reason is refused on the reason's control; nothing is resolved.
    page.get_by_label("Amount").fill("300")
    page.get_by_test_id("resolve").click()
    expect(page.get_by_text("Give a reason for changing the amount.")).to_be_visible()
    expect(status).to_have_text("INSPECTED")
    page.get_by_label("Amount").fill("")
    page.get_by_test_id("resolve").click()
    expect(status).to_have_text("RESOLVED")
    expect(page.get_by_test_id("case-refund")).to_have_text("249.00 EUR")
    expect(page.get_by_test_id("line-already-refunded")).to_have_text("249.00 EUR")
    _shot(page, "dashboard-case.png")
    case.refresh_from_db()
    assert case.status == "resolved"
    assert case.events.filter(actor_type="staff", actor_id="staff-1").exists()

    order_gid = Node.to_global_id("Order", HEADPHONES_ORDER)
    page.goto(f"{sandbox_url}/app/order-widget?orderId={order_gid}")
    widget = page.get_by_test_id("order-widget")
    expect(widget.get_by_test_id("widget-case")).to_contain_text(f"#{case.number}")
    expect(widget.get_by_test_id("widget-case")).to_contain_text("RESOLVED")
    assert not errors, errors


def test_staff_start_a_return_for_the_customer_from_the_order_action(sandbox_url, browser):
    from playwright.sync_api import expect

    token = tokens.staff_token("staff-2", "desk@volt.example")
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)
    order_gid = Node.to_global_id("Order", PHONE_ORDER)
    page.goto(f"{sandbox_url}/app/order-start?orderId={order_gid}&token={token}")
    page.get_by_label("Qty", exact=False).first.fill("1")
    page.get_by_label("Reason").fill("changed_mind")
    page.get_by_role("button", name="Create the case").click()
    expect(page.get_by_role("status")).to_contain_text("created")
    case = Case.objects.get(order__order_id=PHONE_ORDER)
    created = case.events.order_by("at").first()
    assert (created.actor_type, created.actor_id) == ("staff", "staff-2")
    assert not errors, errors


def test_merchant_builds_a_rule_previews_tests_and_publishes_it(sandbox_url, browser):
    from playwright.sync_api import expect

    token = tokens.staff_token("merchant-1", "owner@volt.example", merchant=True)
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)
    page.goto(f"{sandbox_url}/app/policy?token={token}")
    expect(page.get_by_text("The policy is valid.")).to_be_visible(timeout=20_000)
    preview = page.get_by_test_id("preview-en")
    expect(preview).not_to_contain_text("Headphones")
    # Opening the policy keeps the merchant's text as written, comments included.
    page.get_by_role("tab", name="YAML / JSON").click()
    expect(page.get_by_test_id("policy-code")).to_contain_text("# An electronics shop in Germany")
    page.get_by_role("tab", name="Visual").click()

    page.get_by_role("button", name="Add rule").click()
    card = page.get_by_test_id("rule-card").last
    card.get_by_label("Rule id").fill("no-headphones")
    card.get_by_label("Description").fill("Headphones cannot be returned for hygiene reasons.")
    card.get_by_label("Priority").fill("95")
    card.get_by_role("button", name="+ condition").click()
    card.locator("select.rule-fields").select_option("sku")
    card.locator("select.rule-operators").select_option("starts_with")
    card.get_by_label("SKU value").fill("HP-")
    card.get_by_role("button", name="Add action").click()
    card.get_by_label("Action").select_option("deny")
    # The deny action without its reason is an error on that parameter's control.
    expect(card.get_by_test_id("field-error").first).to_be_visible(timeout=10_000)
    card.get_by_label("reason *").fill("hygiene")
    # A new reason needs its text in every language of the policy: the merchant adds them in the texts section.
    expect(page.get_by_test_id("policy-errors")).to_contain_text("texts.en.hygiene", timeout=10_000)
    for language, wording in (
        ("en", "Opened headphones cannot be returned."),
        ("zh_Hans", "已拆封的耳机不退货。"),
    ):
        page.locator(f"#text-{language}-new-key").fill("hygiene")
        page.get_by_role("button", name=f"Add text in {language}").click()
        page.locator(f"#text-{language}-hygiene").fill(wording)
    expect(page.get_by_text("The policy is valid.")).to_be_visible(timeout=10_000)
    expect(page.get_by_test_id("draft-changes")).to_contain_text("HP-", timeout=10_000)
    expect(preview).to_contain_text("HP-")
    page.get_by_role("tab", name="YAML / JSON").click()
    code = page.get_by_test_id("policy-code")
    code.click()
    code.press("Control+End")  # CodeMirror renders the lines in view: the new rule is at the end
    expect(code).to_contain_text("id: no-headphones")
    page.get_by_role("tab", name="Visual").click()

    page.get_by_role("button", name="Test on past orders").click()
    expect(page.get_by_test_id("simulation")).to_contain_text("1002", timeout=20_000)
    _shot(page, "dashboard-policy-editor.png")
    page.get_by_test_id("publish").click()
    expect(page.get_by_text("Published version 2.")).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("versions")).to_contain_text("owner@volt.example")
    latest = PolicyVersion.objects.filter(channel=CHANNEL).order_by("-version").first()
    assert latest.version == 2 and latest.created_by == "owner@volt.example"
    assert any(rule["id"] == "no-headphones" for rule in latest.document["rules"])
    assert latest.document["texts"]["en"]["hygiene"] == "Opened headphones cannot be returned."
    assert latest.document["texts"]["zh_Hans"]["hygiene"] == "已拆封的耳机不退货。"
    with urllib.request.urlopen(f"{sandbox_url}/policy/{CHANNEL}/") as response:
        page_text = response.read().decode("utf-8")
    assert "HP-" in page_text
    assert not errors, errors
