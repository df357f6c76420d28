"""The Dashboard app in a real headless Chromium against the sandbox (signed in with sandbox staff tokens).

A merchant builds a rule without typing YAML, sees the preview change, tests it on past orders, publishes it and the
public policy page shows it; a merchant edits the calendar, service targets and escalation paths through their forms;
staff take a case from the queue to a refund; the order widget lists the case and names its products; the KPI page
shows its headline numbers for a channel without cases and for one with cases.

Screenshots land in test-artifacts/ (those named dashboard-sandbox-*.png are the ones in docs/screenshots/).
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
TV_ORDER = "0a5a1e50-0000-4000-8000-000000001001"  # delivered 3 days ago
TV_LINE = "0a5a1e50-0000-4000-9000-000010010001"
EMPTY_CHANNEL = "outlet-channel"
CUSTOMER = Principal("customer", "user-anna", "anna@example.com")
STAFF = Principal("staff", "staff-1", "staff@volt.example")


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


def _shot(target, name):
    """A screenshot of the page (whole) or of one element."""
    ARTIFACTS.mkdir(exist_ok=True)
    if hasattr(target, "goto"):
        target.screenshot(path=str(ARTIFACTS / name), full_page=True)
    else:
        target.screenshot(path=str(ARTIFACTS / name))


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
    # Each line by its product (and SKU), not by a fragment of its id.
    line = widget.get_by_test_id("widget-line")
    expect(line).to_have_count(1)
    expect(line.locator("strong")).to_have_text("Noise-cancelling headphones")
    expect(line).to_contain_text("SKU HP-NC700")
    expect(line).not_to_contain_text(HEADPHONES_LINE[-8:])
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


def test_merchant_edits_calendar_service_targets_and_escalation_through_forms(sandbox_url, browser):
    from playwright.sync_api import expect

    token = tokens.staff_token("merchant-1", "owner@volt.example", merchant=True)
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)
    page.goto(f"{sandbox_url}/app/policy?token={token}")
    expect(page.get_by_text("The policy is valid.")).to_be_visible(timeout=20_000)

    calendar = page.get_by_role("region", name="Calendar")
    expect(calendar.get_by_label("Fri")).to_be_checked()
    calendar.get_by_label("Sat").check()
    calendar.get_by_role("button", name="Remove 2026-12-24").click()
    calendar.get_by_role("button", name="Add a day to “The shop's own closing days”").click()
    expect(calendar.get_by_label("The shop's own closing days 2")).to_have_value("2027-01-01")
    calendar.get_by_label("The shop's own closing days 2").fill("2027-01-02")
    calendar.get_by_label("Closes").fill("18:00")

    sla = page.get_by_role("region", name="Service targets (SLA)")
    hours = sla.get_by_label("Return: First response (hours)")
    expect(hours).to_have_value("24")
    assert (hours.get_attribute("min"), hours.get_attribute("max")) == ("0", "8760")
    # Out of range: the validator's problem appears on that control, and publishing waits.
    hours.fill("9000")
    expect(sla.get_by_test_id("field-error")).to_contain_text("between 0 and 8760", timeout=10_000)
    expect(page.get_by_test_id("publish")).to_be_disabled()
    hours.fill("12")
    sla.get_by_label("Return: Counted in").select_option("calendar")
    sla.get_by_label("Complaint: Resolution (working days)").fill("3")

    escalation = page.get_by_role("region", name="Escalation paths")
    escalation.get_by_role("button", name="Add tier to “default”").click()
    expect(escalation.get_by_label("default 3: Reached after (hours)")).to_have_value("72")
    escalation.get_by_label("default 3: Tier").fill("manager")
    escalation.get_by_label("default 3: Notify (emails or group:<name>, comma separated)").fill(
        "group:managers"
    )
    escalation.get_by_role("button", name="Remove tier supervisor of “complaints”").click()

    # A fixed fee is money: the amount it had is kept and waits for its currency, which the validator asks for.
    restocking = page.locator('[data-testid="rule-card"][aria-label$=": opened-electronics-restocking"]')
    restocking.get_by_label("kind *").select_option("fixed")
    expect(restocking.get_by_label("amount *: Amount")).to_have_value("15")
    expect(restocking.get_by_label("amount *: Currency")).to_have_value("")
    expect(restocking.get_by_test_id("field-error")).to_contain_text("currency", timeout=10_000)
    restocking.get_by_label("amount *: Amount").fill("4.95")
    restocking.get_by_label("amount *: Currency").fill("EUR")

    expect(page.get_by_text("The policy is valid.")).to_be_visible(timeout=10_000)
    expect(sla.get_by_test_id("field-error")).to_have_count(0)
    page.get_by_role("tab", name="YAML / JSON").click()
    code = page.get_by_test_id("policy-code")
    expect(code).to_contain_text("- sat")
    expect(code).to_contain_text("2027-01-02")
    page.get_by_role("tab", name="Visual").click()
    for region, name in ((calendar, "calendar"), (sla, "sla"), (escalation, "escalation")):
        _shot(region, f"dashboard-sandbox-policy-{name}.png")
    _shot(restocking, "dashboard-sandbox-policy-fixed-fee.png")

    page.get_by_test_id("publish").click()
    expect(page.get_by_text("Published version 2.")).to_be_visible(timeout=15_000)
    document = PolicyVersion.objects.get(channel=CHANNEL, version=2).document
    assert document["calendar"]["working_days"] == ["mon", "tue", "wed", "thu", "fri", "sat"]
    assert [str(day) for day in document["calendar"]["extra_holidays"]] == ["2026-12-31", "2027-01-02"]
    assert document["calendar"]["working_hours"] == {"start": "09:00", "end": "18:00"}
    assert document["calendar"]["holidays_country"] == "DE"
    assert document["sla"]["return"] == {
        "first_response": {"hours": 12, "clock": "calendar"},
        "resolution_working_days": 5,
    }
    assert document["sla"]["complaint"]["resolution_working_days"] == 3
    assert document["escalation"]["default"][2] == {
        "name": "manager",
        "after_hours": 72,
        "notify": ["group:managers"],
    }
    assert [tier["name"] for tier in document["escalation"]["complaints"]] == ["agent", "manager"]
    restocking_rule = next(
        rule for rule in document["rules"] if rule["id"] == "opened-electronics-restocking"
    )
    assert restocking_rule["actions"][0]["params"]["kind"] == "fixed"
    assert restocking_rule["actions"][0]["params"]["amount"] == {"EUR": "4.95"}

    # The same forms in Simplified Chinese.
    page.locator("header").get_by_label("Language").select_option("zh-Hans")
    calendar = page.get_by_role("region", name="工作日历")
    expect(calendar.get_by_label("周六")).to_be_checked()
    expect(
        page.get_by_role("region", name="服务时限（SLA）").get_by_label("退货: 首次响应（小时）")
    ).to_have_value("12")
    expect(page.get_by_role("region", name="升级路径").get_by_label("default 3: 级别")).to_have_value(
        "manager"
    )
    for name, region in (("calendar", "工作日历"), ("sla", "服务时限（SLA）"), ("escalation", "升级路径")):
        _shot(page.get_by_role("region", name=region), f"dashboard-sandbox-policy-{name}-zh.png")
    assert not errors, errors


def _headline(page):
    return {
        name: page.get_by_test_id(f"kpi-{name}").locator(".big").inner_text()
        for name in ("cases", "first-response", "resolution")
    }


def test_kpi_page_shows_the_headline_numbers_of_an_empty_channel_and_of_one_with_cases(sandbox_url, browser):
    from playwright.sync_api import expect

    publish_policy_file(EMPTY_CHANNEL, EXAMPLE_POLICY)
    photos = tuple(f"{sandbox_url}/static/graphiql/photo-{n}.png" for n in (1, 2))
    answered, _ = returns.request_return(
        HEADPHONES_ORDER,
        [LineRequest(HEADPHONES_LINE, 1, reason="defective")],
        actor=actor_for(CUSTOMER),
        reason="defective",
        photo_urls=photos,
    )
    returns.approve(answered.pk, actor=actor_for(STAFF))  # the first response, within its target
    # A case without a reason, not answered yet (its first response is not due yet).
    returns.request_return(TV_ORDER, [LineRequest(TV_LINE, 1)], actor=actor_for(CUSTOMER))
    token = tokens.staff_token("merchant-1", "owner@volt.example", merchant=True)
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)

    page.goto(f"{sandbox_url}/app/kpis?channel={EMPTY_CHANNEL}&token={token}")
    expect(page.get_by_role("heading", name=f"Service KPIs · {EMPTY_CHANNEL}")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("kpis")).to_have_attribute("aria-busy", "false", timeout=20_000)
    expect(page.get_by_role("alert")).to_have_count(0)
    assert _headline(page) == {"cases": "0", "first-response": "—", "resolution": "—"}
    expect(page.get_by_test_id("kpi-first-response")).to_contain_text("— within target (0 of 0)")
    expect(page.get_by_text("No data for this period.")).to_have_count(6)

    page.goto(f"{sandbox_url}/app/kpis?channel={CHANNEL}")
    expect(page.get_by_role("heading", name=f"Service KPIs · {CHANNEL}")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("kpis")).to_have_attribute("aria-busy", "false", timeout=20_000)
    expect(page.get_by_role("alert")).to_have_count(0)
    assert _headline(page) == {"cases": "2", "first-response": "100 %", "resolution": "—"}
    expect(page.get_by_test_id("kpi-first-response")).to_contain_text("100 % within target (1 of 1)")
    expect(page.get_by_test_id("kpi-first-response")).to_contain_text("median 0.0 h · 90th percentile 0.0 h")
    reasons = page.get_by_role("region", name="Reasons")
    # The catalogue's label of "defective" (SVG wraps it over two lines) and the case without a reason.
    expect(reasons).to_contain_text("return: Faulty or")
    expect(reasons).to_contain_text("return: —")
    expect(page.get_by_role("region", name="Refunds and fees")).to_contain_text("No data for this period.")
    _shot(page, "dashboard-sandbox-kpis.png")
    page.locator("header").get_by_label("Language").select_option("zh-Hans")
    expect(page.get_by_test_id("kpi-first-response")).to_contain_text("100 % 达标（1 个中 1 个）")
    _shot(page, "dashboard-sandbox-kpis-zh.png")
    assert not errors, errors
