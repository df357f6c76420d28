"""Front-end fixes of the Dashboard app, each checked as the user sees it (headless Chromium against the sandbox)."""

from playwright.sync_api import expect
from test_dashboard_app_browser import _policy_editor, browser, sandbox_url  # noqa: F401

from saleor_aftersales_plugin.models import PolicyVersion

CHANNEL = "default-channel"


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
