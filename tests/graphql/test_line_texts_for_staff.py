"""What the Dashboard app reads about lines: each eligibility line names its product and SKU; a line whose units an
open case holds names that case (not "more units than delivered"); a case line's window end reads as its last day on
the shop's clock; a case line's reasons come with the policy's own texts; policy warnings reach the editor."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from graphql_client import (
    CUSTOMER,
    STAFF,
    cable_line,
    call,
    case_gid,
    example_document,
    ok,
    order_gid,
    published_order,
    repair_one_unit,
    return_one_unit,
    tv_line,
)

from saleor_aftersales_plugin.domain.actors import Principal, actor_for
from saleor_aftersales_plugin.domain.facts import LineRequest
from saleor_aftersales_plugin.sandbox.host import SandboxHost
from saleor_aftersales_plugin.services import returns

pytestmark = pytest.mark.django_db

MERCHANT = Principal("staff", "staff-4", "owner@volt.example", frozenset({"MANAGE_ORDERS", "MANAGE_PLUGINS"}))
ELIGIBILITY = """query($order: ID!, $language: String) {
  returnEligibility(order: $order, language: $language) {
    lines { productName sku quantity eligible reasons { code text } } } }"""
CASE_LINES = """query($id: ID!, $language: String) { afterSalesCase(id: $id) { lines {
  windowEndsAt windowEndsAtLocal { date time timeZone } windowEndsText(language: $language)
  reasons reasonTexts(language: $language) { code text } } } }"""
BERLIN = ZoneInfo("Europe/Berlin")


def _eligibility(order, language=None, principal=STAFF):
    answer = call(ELIGIBILITY, {"order": order_gid(order), "language": language}, principal)
    return ok(answer, "returnEligibility")["lines"]


def test_each_eligibility_line_names_its_product_and_sku():
    order = published_order((tv_line(quantity=1), cable_line()))
    lines = _eligibility(order)
    assert [(line["productName"], line["sku"]) for line in lines] == [
        ("55-inch TV", "TV-55"),
        ("HDMI cable", "HDMI-2"),
    ]


def _one_tv_held_by_a_case(opens):
    """An order of one TV whose unit the case ``opens(order)`` holds: staff read that the line is in that case."""
    order = published_order((tv_line(quantity=1),))
    number = opens(order)["case"]["number"]
    (line,) = _eligibility(order)
    assert line["eligible"] is False
    assert line["reasons"] == [
        {"code": "in_open_case", "text": f"Units of this item are already in open case #{number}."}
    ]
    return order, number


def test_a_line_whose_units_are_all_in_an_open_case_says_so_and_names_the_case():
    order, number = _one_tv_held_by_a_case(return_one_unit)
    (line,) = _eligibility(order, "zh-Hans", CUSTOMER)
    assert line["reasons"] == [{"code": "in_open_case", "text": f"该商品已在处理中的售后单 #{number} 中。"}]


def test_asking_for_units_an_open_case_holds_is_refused_naming_that_case_not_the_delivery():
    order = published_order((tv_line(quantity=1),))
    return_one_unit(order)
    refused = return_one_unit(order)
    (error,) = refused["errors"]
    assert error["message"] == (
        "55-inch TV cannot be returned: Units of this item are already in an open after-sales case."
    )


def _case(order, reason="no_reason"):
    line_id = str(order.lines.order_by("id")[0].line_id)
    photos = ("https://img.example/1.jpg", "https://img.example/2.jpg")
    case, _ = returns.request_return(
        order.order_id,
        [LineRequest(line_id, 1, reason=reason)],
        actor=actor_for(CUSTOMER),
        reason=reason,
        photo_urls=photos,
        host=SandboxHost(),
    )
    return case_gid(case)


def test_a_case_lines_window_ends_on_its_last_day_at_23_59_shop_time_not_on_the_next_day():
    order = published_order((tv_line(quantity=1),))
    (line,) = ok(call(CASE_LINES, {"id": _case(order), "language": "en"}), "afterSalesCase")["lines"]
    refused_from = datetime.fromisoformat(line["windowEndsAt"]).astimezone(BERLIN)
    assert (refused_from.hour, refused_from.minute) == (0, 0)  # the first instant refused: local midnight
    last_day = (refused_from - timedelta(minutes=1)).date()
    assert line["windowEndsAtLocal"] == {
        "date": last_day.isoformat(),
        "time": "23:59",
        "timeZone": "Europe/Berlin",
    }
    assert line["windowEndsText"] == f"until {last_day:%B} {last_day.day}, {last_day.year}, 23:59 Berlin time"


def test_a_case_lines_reasons_come_with_the_policys_own_text_in_the_readers_language():
    order = published_order((tv_line(quantity=1),))
    case_id = _case(order, reason="defective")
    (line,) = ok(call(CASE_LINES, {"id": case_id, "language": "en"}), "afterSalesCase")["lines"]
    assert line["reasons"] == ["defect_claim"]
    texts = example_document()[1]["texts"]
    assert line["reasonTexts"] == [{"code": "defect_claim", "text": texts["en"]["defect_claim"]}]
    (line,) = ok(call(CASE_LINES, {"id": case_id, "language": "zh-Hans"}), "afterSalesCase")["lines"]
    assert line["reasonTexts"] == [{"code": "defect_claim", "text": texts["zh_Hans"]["defect_claim"]}]


USD_ONLY = '{amount: "50.00", currency: USD}'
WARNING = (
    "line_unit_price less_than gives a threshold in USD but not in EUR, the currency of defaults.currency that this "
    "channel's orders are in; amounts are never converted, so for those orders this condition never matches. Add a "
    "EUR amount if it should."
)


def test_validation_and_the_editors_draft_warn_of_a_money_threshold_without_the_channels_currency():
    source = example_document()[0]
    assert '{amount: "50.00", currency: EUR}' in source
    usd_only = source.replace('{amount: "50.00", currency: EUR}', USD_ONLY)
    validate = (
        "mutation($p: String!) { policyValidate(policy: $p) { valid policyWarnings { path code message } } }"
    )
    checked = ok(call(validate, {"p": usd_only}, MERCHANT), "policyValidate")
    assert checked["valid"] is True
    assert [(w["code"], w["message"]) for w in checked["policyWarnings"]] == [
        ("no_threshold_in_currency", WARNING)
    ]
    assert checked["policyWarnings"][0]["path"].startswith("$.rules[")
    draft = (
        "query($p: String!) { afterSalesPolicyDraft(policy: $p) { valid policyWarnings { code message } } }"
    )
    drafted = ok(call(draft, {"p": usd_only}, MERCHANT), "afterSalesPolicyDraft")
    assert drafted == {
        "valid": True,
        "policyWarnings": [{"code": "no_threshold_in_currency", "message": WARNING}],
    }
    clean = ok(call(draft, {"p": source}, MERCHANT), "afterSalesPolicyDraft")
    assert clean["policyWarnings"] == []


def test_a_unit_in_an_open_repair_is_not_offered_for_return_and_the_repair_is_named():
    order, _number = _one_tv_held_by_a_case(repair_one_unit)
    (error,) = return_one_unit(order)["errors"]
    assert error["message"] == (
        "55-inch TV cannot be returned: Units of this item are already in an open after-sales case."
    )
    second = repair_one_unit(order)
    assert second["case"] is None and [e["code"] for e in second["errors"]] == ["NOT_ELIGIBLE"]
    assert second["errors"][0]["message"] == (
        "55-inch TV cannot be sent in for repair: Units of this item are already in an open after-sales case."
    )


@pytest.mark.parametrize("opens", [return_one_unit, repair_one_unit], ids=["return", "repair"])
def test_beside_a_unit_in_an_open_case_the_eligibility_offers_the_units_left(opens):
    order = published_order((tv_line(quantity=3),))
    opens(order)
    (line,) = _eligibility(order)
    assert (line["eligible"], line["quantity"], line["reasons"]) == (True, 2, [])
