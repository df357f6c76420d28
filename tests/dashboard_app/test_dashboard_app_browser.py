"""The Dashboard app in a real headless Chromium against the sandbox (signed in with sandbox staff tokens).

A merchant builds a rule without typing YAML, sees the preview change, tests it on past orders, publishes it and the
public policy page shows it; a merchant edits the calendar, service targets and escalation paths through their forms;
staff take a case from the queue to a refund; the order widget lists the case and names its products; the KPI page
shows its headline numbers for a channel without cases and for one with cases.

Screenshots land in test-artifacts/ (those named dashboard-sandbox-*.png are the ones in docs/screenshots/).
"""

import re
import urllib.request
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from browser import ARTIFACTS, chromium, sandbox_server
from factories import order_facts, order_line
from graphene import Node
from playwright.sync_api import expect

from saleor_aftersales_plugin.dashboard_app import STATIC_DIR
from saleor_aftersales_plugin.domain.actors import Principal, actor_for
from saleor_aftersales_plugin.domain.facts import LineRequest, ProductFacts
from saleor_aftersales_plugin.graphql.api import RequestContext, execute
from saleor_aftersales_plugin.models import Case, OrderLineRecord, PolicyVersion
from saleor_aftersales_plugin.sandbox import tokens
from saleor_aftersales_plugin.sandbox.commands import EXAMPLE_ORDERS, EXAMPLE_POLICY
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.sandbox.orders import import_orders, publish_policy_file
from saleor_aftersales_plugin.services import returns
from saleor_aftersales_plugin.services.orders import get_order, record_order

CHANNEL = "default-channel"
HEADPHONES_ORDER = "0a5a1e50-0000-4000-8000-000000001002"
HEADPHONES_LINE = "0a5a1e50-0000-4000-9000-000010020001"
PHONE_ORDER = "0a5a1e50-0000-4000-8000-000000001004"  # delivered the day before the import's "now": inside the 7-day window
TV_ORDER = "0a5a1e50-0000-4000-8000-000000001001"  # delivered 3 days ago
TV_LINE = "0a5a1e50-0000-4000-9000-000010010001"
EMPTY_CHANNEL = "outlet-channel"
CUSTOMER = Principal("customer", "user-anna", "anna@example.com")
STAFF = Principal("staff", "staff-1", "staff@volt.example")
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def sandbox_url(transactional_db):
    if not (STATIC_DIR / "index.html").is_file():
        pytest.fail("The Dashboard app is not built: run `make dashboard`.")
    publish_policy_file(CHANNEL, EXAMPLE_POLICY)
    import_orders([EXAMPLE_ORDERS])
    with sandbox_server() as url:
        yield url


@pytest.fixture
def browser(tmp_path, monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own database checks stay synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # The shop's own time zone: a date read naively from windowEndsAt would show the day after the last one.
    with chromium(tmp_path / "profile", timezone_id="Europe/Berlin") as context:
        yield context


def _page(browser, sandbox_url, errors):
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request", lambda r: None if r.url.startswith(sandbox_url) else errors.append(f"outside: {r.url}")
    )
    return page


def _faulty_headphones_returned(sandbox_url):
    """The customer's return of the faulty headphones, with two photos served by the sandbox."""
    photos = tuple(f"{sandbox_url}/static/vendor/graphiql/photo-{n}.png" for n in (1, 2))
    reason = "defective"
    line = LineRequest(HEADPHONES_LINE, 1, reason=reason)
    return returns.request_return(
        HEADPHONES_ORDER, [line], actor=actor_for(CUSTOMER), reason=reason, photo_urls=photos
    )[0]


def _policy_editor(browser, sandbox_url, errors):
    """The policy editor opened by the merchant, once it has checked the published policy."""
    token = tokens.staff_token("merchant-1", "owner@volt.example", merchant=True)
    page = _page(browser, sandbox_url, errors)
    page.goto(f"{sandbox_url}/app/policy?token={token}")
    expect(page.get_by_text("The policy is valid.")).to_be_visible(timeout=20_000)
    return page


def _shot(target, name):
    """A screenshot of the page (whole) or of one element."""
    ARTIFACTS.mkdir(exist_ok=True)
    if hasattr(target, "goto"):
        target.screenshot(path=str(ARTIFACTS / name), full_page=True)
    else:
        target.screenshot(path=str(ARTIFACTS / name))


def _until(ends_at) -> str:
    """How the app words a window whose first refused instant is ``ends_at``: its last minute, Berlin time."""
    ends = datetime.fromisoformat(ends_at) if isinstance(ends_at, str) else ends_at
    refused_from = ends.astimezone(BERLIN)
    assert (refused_from.hour, refused_from.minute) == (0, 0)  # the window ends at local midnight
    last = (refused_from - timedelta(minutes=1)).date()
    return f"until {last:%B} {last.day}, {last.year}, 23:59 Berlin time"


def test_staff_take_a_case_from_the_queue_to_a_refund_and_the_order_widget_lists_it(sandbox_url, browser):

    case = _faulty_headphones_returned(sandbox_url)
    token = tokens.staff_token("staff-1", "staff@volt.example")
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)
    page.goto(f"{sandbox_url}/app/queue?token={token}")
    row = page.get_by_test_id("queue-row").filter(has_text=f"#{case.number}")
    expect(row).to_contain_text("anna@example.com")
    expect(row).to_contain_text("REQUESTED")
    # The reason as the catalogue labels it in the reader's language, as the KPI page shows it, not its code.
    expect(row.get_by_test_id("queue-reason")).to_have_text("Faulty or does not work")
    page.locator("header").get_by_label("Language").select_option("zh-Hans")
    expect(row.get_by_test_id("queue-reason")).to_have_text("商品存在质量问题")
    page.locator("header").get_by_label("语言").select_option("en")
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
    # The decision quotes the policy's own text for the line's reason, not the rule's code.
    decision = page.get_by_test_id("decision-text")
    expect(decision).to_contain_text(
        "Noise-cancelling headphones: We are sorry the item is faulty: you can return it within 30 days of delivery"
    )
    expect(decision).not_to_contain_text("defect_claim")
    # The window's last day at 23:59 shop time (not the day after, which windowEndsAt's date would show).
    window = case.lines.get().decision["window"]["ends_at"]
    expect(page.get_by_test_id("line-window")).to_have_text(_until(window))
    # The money per line: what the customer paid, what was refunded before (nothing yet).
    expect(page.get_by_test_id("line-paid")).to_have_text("249.00 EUR")
    expect(page.get_by_test_id("line-already-refunded")).to_have_text("0.00 EUR")
    # The one-text actions: a note stays internal, a reply reaches the customer, an escalation without its reason
    # is refused on the reason's control.
    page.get_by_label("Internal note").fill("Serial number checked by phone.")
    page.get_by_role("button", name="Add note").click()
    timeline = page.locator("ol.timeline")
    expect(timeline.locator("li.internal")).to_contain_text("Serial number checked by phone.")
    page.get_by_label("Reply to the customer").fill("Thank you, please send the headphones back.")
    page.get_by_role("button", name="Send").click()
    expect(timeline).to_contain_text("Thank you, please send the headphones back.")
    page.get_by_role("button", name="Escalate").click()
    expect(page.get_by_text("Say why the case is escalated.")).to_be_visible()
    assert [event.type for event in case.events.order_by("at")][-2:] == ["note", "reply"]
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
    # Who acted, in words: the staff member known only by an id reads as "Staff", never as that id.
    expect(timeline).to_contain_text("· Staff")
    expect(timeline).not_to_contain_text("staff-1")
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


# The Saleor Dashboard's widget frame: 200 px until the app reports its height with the App Bridge action
# `widgetResize`, then that height (src/extensions/hooks/widgetIframeResize.ts: the same check, the same cap).
DASHBOARD_FRAME = """<!doctype html><html><body style="margin:0;background:#f3f4f6;font-family:sans-serif">
<div style="width:560px;margin:16px;background:#fff;border:1px solid #d1d5db;border-radius:8px">
<div style="padding:8px 12px;font-weight:bold;border-bottom:1px solid #e5e7eb">After-sales</div>
<iframe id="widget" title="After-sales" src="WIDGET_URL" style="display:block;width:100%;height:200px;border:0"></iframe>
</div><script>
const frame = document.getElementById("widget");
window.reported = [];
window.addEventListener("message", (event) => {
  const action = event.data, payload = (action && action.payload) || {};
  if (event.source !== frame.contentWindow || action.type !== "widgetResize" || typeof payload.actionId !== "string"
      || !(Number.isFinite(payload.height) && payload.height > 0)) return;
  window.reported.push(payload.height);
  frame.style.height = Math.min(Math.ceil(payload.height), 5000) + "px";
});
</script></body></html>"""
TEE = "Monospace Tee"


def _tall_order():
    """An order of eight lines delivered two days ago; the Tee in two sizes (two SKUs of one product)."""
    delivered = datetime.now(BERLIN) - timedelta(days=2)
    goods = [
        (TEE, "TEE-M", "29.00"),
        (TEE, "TEE-XXL", "29.00"),
        ("Saleor Mug", "MUG-1", "12.00"),
        ("USB-C charger 65 W", "CHG-65", "39.00"),
        ("Noise-cancelling earbuds", "EB-2", "89.00"),
        ("HDMI cable 2 m", "HDMI-2", "19.90"),
        ("Laptop sleeve 14 inch", "SLV-14", "24.50"),
        ("Wireless mouse", "MS-3", "34.00"),
    ]
    lines = tuple(
        order_line(
            ProductFacts(sku=sku, product_name=name, category_path=("electronics",)),
            unit_price=Decimal(price),
            delivered_at=delivered,
            fulfilled_at=delivered - timedelta(days=1),
        )
        for name, sku, price in goods
    )
    facts = order_facts(
        lines, channel=CHANNEL, number="2001", customer_id=CUSTOMER.id, customer_email=CUSTOMER.email
    )
    record_order(facts)
    return facts


def test_the_order_widget_of_a_tall_order_fits_its_frame_and_reads_each_line_plainly(sandbox_url, browser):

    facts = _tall_order()
    xxl = facts.lines[1]
    held, _ = returns.request_return(facts.order_id, [LineRequest(xxl.line_id, 1)], actor=actor_for(CUSTOMER))
    order_gid = Node.to_global_id("Order", facts.order_id)
    _, answer = execute(
        {
            "query": "query($o: ID!) { returnEligibility(order: $o) { lines { windowEndsAt } } }",
            "variables": {"o": order_gid},
        },
        RequestContext(
            CHANNEL, Principal("staff", "staff-1", permissions=frozenset({"MANAGE_ORDERS"})), SandboxHost()
        ),
    )
    window_ends = answer["data"]["returnEligibility"]["lines"][0]["windowEndsAt"]

    token = tokens.staff_token("staff-1", "staff@volt.example")
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)
    widget_url = f"/app/order-widget?orderId={order_gid}&token={token}"
    page.route(
        f"{sandbox_url}/dashboard-frame",
        lambda route: route.fulfill(
            content_type="text/html", body=DASHBOARD_FRAME.replace("WIDGET_URL", widget_url)
        ),
    )
    page.goto(f"{sandbox_url}/dashboard-frame")
    widget = page.frame_locator("#widget")
    lines = widget.get_by_test_id("widget-line")
    expect(lines).to_have_count(8, timeout=20_000)

    # The widget told the frame its height: the frame grew from 200 px to the whole widget, the last line in view.
    page.wait_for_function(
        "() => parseFloat(document.getElementById('widget').style.height) > 200 && window.reported.length > 0"
    )
    content = widget.locator(".app").evaluate("element => Math.ceil(element.getBoundingClientRect().height)")
    page.wait_for_function(f"() => document.getElementById('widget').style.height === '{content}px'")
    expect(lines.last).to_be_in_viewport()
    expect(lines.last).to_contain_text("Wireless mouse")

    # The line whose only unit is in the open case says so and names the case; no over-request error, no 0.00.
    in_case = lines.filter(has_text="TEE-XXL")
    expect(in_case).to_contain_text(
        f"{TEE} · SKU TEE-XXL · Units of this item are already in open case #{held.number}."
    )
    expect(in_case).not_to_contain_text("More units were requested")
    expect(in_case).not_to_contain_text("0.00")
    # A returnable line: units, refund and the window's last day on the shop's clock.
    medium = lines.filter(has_text="TEE-M ")
    expect(medium).to_contain_text(
        f"1 × {TEE} · SKU TEE-M · 29.00 EUR · Return window: {_until(window_ends)}"
    )
    _shot(page, "dashboard-sandbox-order-widget.png")
    assert not errors, errors


def test_staff_start_a_return_for_the_customer_from_the_order_action(sandbox_url, browser):

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
    errors: list[str] = []
    page = _policy_editor(browser, sandbox_url, errors)
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
    errors: list[str] = []
    page = _policy_editor(browser, sandbox_url, errors)

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


def test_the_policy_editor_warns_of_a_money_threshold_without_the_channels_currency(sandbox_url, browser):
    errors: list[str] = []
    page = _policy_editor(browser, sandbox_url, errors)
    expect(page.get_by_test_id("policy-warnings")).to_have_count(0)
    small_items = page.locator('[data-testid="rule-card"][aria-label$=": small-items-auto-approve"]')
    threshold = small_items.get_by_test_id("money-input")
    expect(threshold.get_by_label(re.compile(r": Currency$"))).to_have_value("EUR")
    threshold.get_by_label(re.compile(r": Currency$")).fill("USD")
    warnings = page.get_by_test_id("policy-warnings")
    expect(warnings).to_contain_text(
        "line_unit_price less_than gives a threshold in USD but not in EUR, the currency of defaults.currency",
        timeout=10_000,
    )
    expect(warnings).to_contain_text("$.rules[")
    # A warning, not an error: the policy stays publishable.
    expect(page.get_by_text("The policy is valid.")).to_be_visible()
    expect(page.get_by_test_id("publish")).to_be_enabled()
    assert not errors, errors


def _open_kpis(page, url, channel):
    """The KPI page of ``channel`` at ``url``, once its figures have loaded without an error."""
    page.goto(url)
    expect(page.get_by_role("heading", name=f"Service KPIs · {channel}")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("kpis")).to_have_attribute("aria-busy", "false", timeout=20_000)
    expect(page.get_by_role("alert")).to_have_count(0)


def _headline(page):
    return {
        name: page.get_by_test_id(f"kpi-{name}").locator(".big").inner_text()
        for name in ("cases", "first-response", "resolution")
    }


def test_kpi_page_shows_the_headline_numbers_of_an_empty_channel_and_of_one_with_cases(sandbox_url, browser):

    publish_policy_file(EMPTY_CHANNEL, EXAMPLE_POLICY)
    answered = _faulty_headphones_returned(sandbox_url)
    returns.approve(answered.pk, actor=actor_for(STAFF))  # the first response, within its target
    # A phone settled with store credit, no refund: money went out all the same.
    phone_line = str(get_order(PHONE_ORDER).lines.get().line_id)
    credited, _ = returns.request_return(PHONE_ORDER, [LineRequest(phone_line, 1)], actor=actor_for(CUSTOMER))
    if credited.status == "requested":
        returns.approve(credited.pk, actor=actor_for(STAFF))
    returns.mark_received(credited.pk, actor=actor_for(STAFF))
    returns.inspect(credited.pk, {phone_line: "unopened"}, actor=actor_for(STAFF), host=SandboxHost())
    credited = returns.resolve(credited.pk, "store_credit", actor=actor_for(STAFF), host=SandboxHost())
    assert (credited.status, credited.resolution) == ("resolved", "store_credit")
    assert credited.store_credit_amount > 0
    # A case without a reason, not answered yet (its first response is not due yet).
    returns.request_return(TV_ORDER, [LineRequest(TV_LINE, 1)], actor=actor_for(CUSTOMER))
    token = tokens.staff_token("merchant-1", "owner@volt.example", merchant=True)
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)

    _open_kpis(page, f"{sandbox_url}/app/kpis?channel={EMPTY_CHANNEL}&token={token}", EMPTY_CHANNEL)
    assert _headline(page) == {"cases": "0", "first-response": "—", "resolution": "—"}
    expect(page.get_by_test_id("kpi-first-response")).to_contain_text("— within target (0 of 0)")
    expect(page.get_by_text("No data for this period.")).to_have_count(6)

    _open_kpis(page, f"{sandbox_url}/app/kpis?channel={CHANNEL}", CHANNEL)
    assert _headline(page) == {"cases": "3", "first-response": "100 %", "resolution": "0.0 h"}
    expect(page.get_by_test_id("kpi-first-response")).to_contain_text("100 % within target (2 of 2)")
    expect(page.get_by_test_id("kpi-first-response")).to_contain_text("median 0.0 h · 90th percentile 0.0 h")
    reasons = page.get_by_role("region", name="Reasons")
    # The catalogue's label of "defective" (SVG wraps it over two lines) and the case without a reason.
    expect(reasons).to_contain_text("Return: Faulty or")
    expect(reasons).to_contain_text("Return: —")
    # Store credit is plotted with refunds and fees: the chart has data although nothing was refunded.
    money_out = page.get_by_role("region", name="Money out: refunds, store credit and fees")
    expect(money_out).not_to_contain_text("No data for this period.")
    expect(money_out.locator(".recharts-legend-wrapper")).to_contain_text("Store credit")
    money_out.locator(".recharts-bar-rectangle").last.hover()
    expect(money_out.locator(".recharts-tooltip-wrapper")).to_contain_text(
        f"Store credit : {credited.store_credit_amount.normalize():f}"
    )
    # One bar per product, each labelled with its name (a long one cut, whole in its tooltip).
    products = page.get_by_role("region", name="Return rate per product")
    sold = {line.product_name for line in OrderLineRecord.objects.filter(order__channel=CHANNEL)}
    names = products.locator("text.axis-name")
    expect(names).to_have_count(len(sold))
    assert set(names.all_text_contents()) == {name if len(name) <= 22 else name[:21] + "…" for name in sold}
    expect(products).to_contain_text("Noise-cancelling head…")
    expect(products.locator("title", has_text="Noise-cancelling headphones")).to_have_count(1)
    # The first-response share: a bar with its value, not a lone dot.
    expect(page.get_by_role("region", name="First response within target")).to_contain_text("100\u00a0%")
    page.mouse.move(0, 0)  # no tooltip in the screenshot
    _shot(page, "dashboard-sandbox-kpis.png")
    page.locator("header").get_by_label("Language").select_option("zh-Hans")
    expect(page.get_by_test_id("kpi-first-response")).to_contain_text("100 % 达标（2 个中 2 个）")
    # The reasons in the reader's language, as the queue shows them.
    expect(page.get_by_role("region", name="原因")).to_contain_text("商品存在质量问题")
    _shot(page, "dashboard-sandbox-kpis-zh.png")
    assert not errors, errors
