"""Front-end fixes of the Dashboard app, each checked as the user sees it (headless Chromium against the sandbox)."""

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from factories import order_facts, order_line
from playwright.sync_api import expect
from test_dashboard_app_browser import (  # noqa: F401
    BERLIN,
    CHANNEL,
    CUSTOMER,
    STAFF,
    _page,
    _policy_editor,
    browser,
    sandbox_url,
)

from saleor_aftersales_plugin.domain.actors import actor_for
from saleor_aftersales_plugin.domain.facts import LineRequest, ProductFacts
from saleor_aftersales_plugin.models import PolicyVersion
from saleor_aftersales_plugin.sandbox import tokens
from saleor_aftersales_plugin.services import returns
from saleor_aftersales_plugin.services.orders import record_order


def _lamp_requested(name="Desk lamp"):
    """A delivered desk lamp and the customer's return request for it."""
    delivered = datetime.now(BERLIN) - timedelta(days=2)
    line = order_line(
        ProductFacts(sku="LAMP-1", product_name=name, category_path=("electronics",)),
        unit_price=Decimal("19.90"),
        delivered_at=delivered,
        fulfilled_at=delivered - timedelta(days=1),
    )
    facts = order_facts(
        (line,), channel=CHANNEL, number="6666", customer_id=CUSTOMER.id, customer_email=CUSTOMER.email
    )
    record_order(facts)
    case, _ = returns.request_return(
        facts.order_id,
        [LineRequest(facts.lines[0].line_id, 1)],
        actor=actor_for(CUSTOMER),
        reason="changed_mind",
    )
    return case


def _lamp_received():
    """A delivered desk lamp whose return staff approved and received: the case awaits its inspection."""
    case = _lamp_requested()
    if case.status == "requested":
        returns.approve(case.pk, actor=actor_for(STAFF))
    returns.mark_received(case.pk, actor=actor_for(STAFF))
    return case


def _open_case(browser, sandbox_url, case, errors):  # noqa: F811
    page = _page(browser, sandbox_url, errors)
    page.goto(f"{sandbox_url}/app/queue?token={tokens.staff_token('staff-1', 'staff@volt.example')}")
    page.get_by_test_id("queue-row").filter(has_text=f"#{case.number}").get_by_role(
        "link", name=f"#{case.number}"
    ).click()
    expect(page.get_by_test_id("case-status")).to_be_visible(timeout=20_000)
    return page


def _restocking(page):
    return page.locator('[data-testid="rule-card"][aria-label$=": opened-electronics-restocking"]')


def test_a_decimal_percentage_fee_is_written_as_a_number_and_publishes(sandbox_url, browser):  # noqa: F811
    errors: list[str] = []
    page = _policy_editor(browser, sandbox_url, errors)
    amount = _restocking(page).get_by_label("amount *", exact=True)
    expect(amount).to_have_attribute("type", "number")
    amount.fill("12.5")
    expect(page.get_by_test_id("draft-changes")).to_be_visible(timeout=10_000)
    expect(page.get_by_text("needs a number")).to_have_count(0)
    expect(page.get_by_test_id("policy-errors")).to_have_count(0)
    expect(page.get_by_text("The policy is valid.")).to_be_visible(timeout=10_000)
    page.get_by_test_id("publish").click()
    expect(page.get_by_text("Published version 2.")).to_be_visible(timeout=15_000)
    document = PolicyVersion.objects.get(channel=CHANNEL, version=2).document
    rule = next(r for r in document["rules"] if r["id"] == "opened-electronics-restocking")
    assert str(rule["actions"][0]["params"]["amount"]) == "12.5"  # the stored document keeps decimals as text
    assert not errors, errors


def test_inspection_offers_only_accepted_conditions_and_requires_a_choice(sandbox_url, browser):  # noqa: F811
    case = _lamp_received()
    errors: list[str] = []
    page = _open_case(browser, sandbox_url, case, errors)
    select = page.get_by_label("Condition Desk lamp")
    offered = select.locator("option:not([disabled])").all_inner_texts()
    assert offered == ["UNOPENED", "OPENED", "USED", "DAMAGED", "DEFECTIVE", "MISSING_PARTS"], offered
    expect(select).to_have_value("")  # nothing valid-looking preselected
    status = page.get_by_test_id("case-status")
    page.get_by_role("button", name="Save inspection").click()
    expect(
        page.get_by_text("Choose the condition of every line before saving the inspection.")
    ).to_be_visible()
    expect(page.get_by_text("Unknown condition")).to_have_count(0)
    expect(status).not_to_have_text("INSPECTED")
    select.select_option("OPENED")
    page.get_by_role("button", name="Save inspection").click()
    expect(status).to_have_text("INSPECTED", timeout=10_000)
    expect(page.get_by_text("Choose the condition of every line")).to_have_count(0)
    assert not errors, errors


def test_order_start_says_a_refused_line_on_its_own_row(sandbox_url, browser):  # noqa: F811
    from graphene import Node
    from test_dashboard_app_browser import _tall_order

    facts = _tall_order()
    xxl = facts.lines[
        1
    ]  # its one unit is already in an open case: the API refuses it as "lines.0" (the one sent)
    returns.request_return(facts.order_id, [LineRequest(xxl.line_id, 1)], actor=actor_for(CUSTOMER))
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)
    order = Node.to_global_id("Order", facts.order_id)
    page.goto(
        f"{sandbox_url}/app/order-start?orderId={order}&token={tokens.staff_token('staff-2', 'desk@volt.example')}"
    )
    rows = page.locator("table.grid tbody tr")
    expect(rows).to_have_count(8, timeout=20_000)
    tee_xxl = rows.filter(has_text="TEE-XXL")
    tee_xxl.locator("input[type=number]").fill("1")
    page.get_by_label("Reason").fill("changed_mind")
    page.get_by_role("button", name="Create the case").click()
    expect(tee_xxl.get_by_test_id("field-error")).to_contain_text(
        "Monospace Tee cannot be returned", timeout=10_000
    )
    expect(page.get_by_test_id("field-error")).to_have_count(1)  # on that row only, not on the first row
    expect(rows.first.get_by_test_id("field-error")).to_have_count(0)
    expect(page.get_by_role("status")).to_have_count(0)  # no case created
    assert not errors, errors


def test_a_comma_decimal_override_is_refused_in_words_on_the_amount_field(sandbox_url, browser):  # noqa: F811
    case = _lamp_received()
    errors: list[str] = []
    page = _open_case(browser, sandbox_url, case, errors)
    page.get_by_label("Condition Desk lamp").select_option("UNOPENED")
    page.get_by_role("button", name="Save inspection").click()
    status = page.get_by_test_id("case-status")
    expect(status).to_have_text("INSPECTED", timeout=10_000)
    page.get_by_label("Amount").fill("12,50")
    page.get_by_label("Override reason", exact=False).fill("goodwill")
    page.get_by_test_id("resolve").click()
    expect(
        page.get_by_text("Write the amount as a number with a dot for decimals, e.g. 12.50.")
    ).to_be_visible()
    expect(page.get_by_text("got invalid value")).to_have_count(0)
    expect(status).to_have_text("INSPECTED")
    page.get_by_label("Amount").fill("12.50")
    page.get_by_test_id("resolve").click()
    expect(status).not_to_have_text("INSPECTED", timeout=10_000)
    expect(page.get_by_text("Write the amount as a number")).to_have_count(0)
    assert not errors, errors


def test_a_second_language_can_be_typed_in_defaults(sandbox_url, browser):  # noqa: F811
    errors: list[str] = []
    page = _policy_editor(browser, sandbox_url, errors)
    languages = page.locator("#defaults-languages")
    expect(languages).to_have_value("en, zh_Hans")
    languages.fill("")
    languages.press_sequentially("en, zh_Hans, de", delay=20)
    expect(languages).to_have_value("en, zh_Hans, de")
    page.get_by_role("tab", name="YAML / JSON").click()
    expect(page.get_by_test_id("policy-code")).to_contain_text("- de")
    assert not errors, errors


def test_kpis_to_date_includes_the_cases_of_that_day(sandbox_url, browser):  # noqa: F811
    from datetime import UTC

    _lamp_received()  # a case opened today
    today = datetime.now(UTC).date()
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)
    token = tokens.staff_token("merchant-1", "owner@volt.example", merchant=True)
    page.goto(f"{sandbox_url}/app/kpis?channel={CHANNEL}&token={token}")
    kpis = page.get_by_test_id("kpis")
    expect(kpis).to_have_attribute("aria-busy", "false", timeout=20_000)
    to = page.get_by_role("textbox", name="To (inclusive)", exact=True)
    expect(to).to_have_value(today.isoformat())  # the default period ends with today, included
    expect(page.get_by_test_id("kpi-cases").locator(".big")).to_have_text("1")
    to.fill(today.isoformat())
    page.get_by_role("button", name="Refresh").click()
    expect(kpis).to_have_attribute("aria-busy", "false", timeout=20_000)
    expect(page.get_by_test_id("kpi-cases").locator(".big")).to_have_text("1")
    to.fill((today - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Refresh").click()
    expect(page.get_by_test_id("kpi-cases").locator(".big")).to_have_text("0", timeout=20_000)
    assert not errors, errors


def test_queue_selection_is_cleared_when_paging(sandbox_url, browser):  # noqa: F811
    for n in range(21):
        _lamp_requested(f"Lamp {n}")
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)
    page.goto(f"{sandbox_url}/app/queue?token={tokens.staff_token('staff-1', 'staff@volt.example')}")
    rows = page.get_by_test_id("queue-row")
    expect(rows).to_have_count(20, timeout=20_000)
    page.get_by_label("Select all").check()
    bulk = page.get_by_role("button", name="Approve selected", exact=False)
    checked = rows.locator("input[type=checkbox]:checked")
    expect(checked).not_to_have_count(0)
    expect(bulk).to_have_text(f"Approve selected ({checked.count()})")
    page.get_by_role("button", name="Next").click()
    expect(rows).to_have_count(1)
    # Nothing is checked on this page, and the bulk action no longer counts the 20 cases left behind.
    expect(rows.locator("input[type=checkbox]:checked")).to_have_count(0)
    expect(bulk).to_have_text("Approve selected (0)")
    page.get_by_role("button", name="Previous").click()
    expect(rows).to_have_count(20)
    expect(rows.locator("input[type=checkbox]:checked")).to_have_count(0)
    assert not errors, errors


def test_a_published_policy_with_many_yaml_aliases_opens_in_the_editor(sandbox_url, browser, tmp_path):  # noqa: F811
    import yaml

    from saleor_aftersales_plugin.sandbox.commands import EXAMPLE_POLICY
    from saleor_aftersales_plugin.sandbox.orders import publish_policy_file

    data = yaml.safe_load(EXAMPLE_POLICY.read_text())
    template = next(r for r in data["rules"] if r["id"] == "opened-electronics-restocking")
    for n in range(120):  # the rules share their conditions and actions: PyYAML writes &id001 / *id001
        data["rules"].append({**template, "id": f"bulk-{n}", "priority": 1})
    big = tmp_path / "big.yaml"
    big.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    assert big.read_text().count("*id") > 100
    version, created = publish_policy_file(CHANNEL, big)  # the server accepts it
    assert created
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)
    page.goto(
        f"{sandbox_url}/app/policy?token={tokens.staff_token('m', 'owner@volt.example', merchant=True)}"
    )
    expect(page.get_by_test_id("rule-card")).to_have_count(len(data["rules"]), timeout=30_000)
    expect(page.get_by_text("Excessive alias count")).to_have_count(0)
    expect(page.get_by_text("The policy is valid.")).to_be_visible(timeout=30_000)
    assert not errors, errors


def test_a_comma_decimal_fixed_fee_is_refused_on_its_money_control(sandbox_url, browser):  # noqa: F811
    errors: list[str] = []
    page = _policy_editor(browser, sandbox_url, errors)
    restocking = _restocking(page)
    restocking.get_by_label("kind *").select_option("fixed")
    restocking.get_by_label("amount *: Amount").fill("4,95")
    restocking.get_by_label("amount *: Currency").fill("EUR")
    money = restocking.get_by_role("group", name="amount *")
    expect(money.get_by_test_id("field-error")).to_be_visible(timeout=10_000)
    expect(money).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("publish")).to_be_disabled()
    restocking.get_by_label("amount *: Amount").fill("4.95")
    expect(money.get_by_test_id("field-error")).to_have_count(0, timeout=10_000)
    expect(page.get_by_text("The policy is valid.")).to_be_visible(timeout=10_000)


def test_order_start_reads_in_chinese_for_a_chinese_dashboard(sandbox_url, browser):  # noqa: F811
    """The order action is a popup without the app's header: it follows the browser's (the Dashboard's) language."""
    from graphene import Node
    from test_dashboard_app_browser import _tall_order

    facts = _tall_order()
    errors: list[str] = []
    page = _page(browser, sandbox_url, errors)
    page.add_init_script("Object.defineProperty(navigator, 'language', { get: () => 'zh-CN' })")
    order = Node.to_global_id("Order", facts.order_id)
    page.goto(
        f"{sandbox_url}/app/order-start?orderId={order}&token={tokens.staff_token('staff-2', 'desk@volt.example')}"
    )
    expect(page.locator("table.grid tbody tr")).to_have_count(8, timeout=20_000)
    expect(page.get_by_label("备注")).to_be_visible()
    expect(page.get_by_label("原因")).to_be_visible()
    expect(page.get_by_label("Comment")).to_have_count(0)
    assert not errors, errors


DASHBOARD_FRAME_SANDBOX = "allow-same-origin allow-forms allow-scripts allow-downloads allow-popups"
"""How Saleor's Dashboard 3.23 frames an app (AppIFrame.tsx): no allow-modals, so the browser ignores confirm()."""


def _editor_framed_as_by_the_dashboard(browser, sandbox_url):  # noqa: F811
    token = tokens.staff_token("merchant-1", "owner@volt.example", merchant=True)
    page = browser.new_page()
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.goto(
        f"{sandbox_url}/static/vendor/graphiql/photo-1.png"
    )  # a page of the sandbox's origin stands for the Dashboard
    page.set_content(
        f'<iframe name="app" sandbox="{DASHBOARD_FRAME_SANDBOX}" src="{sandbox_url}/app/policy?token={token}" '
        'style="width:1300px;height:900px"></iframe>'
    )
    frame = page.frame_locator('iframe[name="app"]')
    expect(frame.get_by_text("The policy is valid.")).to_be_visible(timeout=20_000)
    return page, frame


@pytest.mark.parametrize("framed", [False, True], ids=["the app's own page", "framed as by the Dashboard"])
def test_leaving_the_editor_with_unpublished_changes_asks_first(sandbox_url, browser, framed):  # noqa: F811
    errors: list[str] = []
    if framed:
        page, app = _editor_framed_as_by_the_dashboard(browser, sandbox_url)
    else:
        page = app = _policy_editor(browser, sandbox_url, errors)
    modals: list[str] = []
    page.on("dialog", lambda dialog: (modals.append(dialog.message), dialog.dismiss()))
    app.get_by_role("region", name="Calendar").get_by_label("Sat").check()
    app.get_by_role("link", name="Queue").click()
    question = app.get_by_role("alertdialog", name="Unpublished changes")
    expect(question).to_contain_text("The policy has changes that are not published. Leave and lose them?")
    question.get_by_role("button", name="Stay").click()
    expect(question).to_have_count(0)
    expect(app.get_by_role("region", name="Calendar").get_by_label("Sat")).to_be_checked()  # the change kept
    app.get_by_role("link", name="Queue").click()
    question.get_by_role("button", name="Leave and lose them").click()
    expect(app.get_by_role("table")).to_be_visible(timeout=20_000)
    # Nothing changed since: no question.
    app.get_by_role("link", name="Policy editor").click()
    expect(app.get_by_text("The policy is valid.")).to_be_visible(timeout=20_000)
    app.get_by_role("link", name="Queue").click()
    expect(app.get_by_role("table")).to_be_visible(timeout=20_000)
    expect(question).to_have_count(0)
    assert modals == []  # asked in the page, never with a browser modal
    assert not errors, errors
