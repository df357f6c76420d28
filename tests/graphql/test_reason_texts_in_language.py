"""Reason texts and labels in the API follow the reader's language (the field's ``language``, else the policy's
default language), by the one language rule of the i18n module: the policy's own texts first, then the built-in
catalogue (English, Simplified Chinese)."""

import copy

import pytest
from graphql_client import (
    CUSTOMER,
    GUEST,
    call,
    example_document,
    ok,
    order_gid,
    published_order,
    tv_line,
)

from saleor_aftersales_plugin.domain.facts import ProductFacts
from saleor_aftersales_plugin.rules.validation import normalise_policy
from saleor_aftersales_plugin.services import policies

pytestmark = pytest.mark.django_db

ELIGIBILITY = """query($order: ID!, $language: String) {
  returnEligibility(order: $order, language: $language) { lines { reasons { code text } } } }"""
PRODUCT = """query($language: String) {
  afterSalesPolicyForProduct(attributes: [{slug: "final-sale", values: ["true"]}], language: $language) {
    eligible reasons { code text } } }"""
REASONS = """query($language: String) { afterSalesReturnReasons(language: $language) { code label } }"""


def reasons_of(order_language: str | None, order: object) -> list[dict[str, str]]:
    answer = ok(
        call(ELIGIBILITY, {"order": order_gid(order), "language": order_language}, CUSTOMER),
        "returnEligibility",
    )
    return answer["lines"][0]["reasons"]


def publish_example_in(channel: str, languages: list[str]) -> None:
    """The example policy on ``channel`` in ``languages``, with its texts in those languages."""
    _source, document, _format = example_document()
    document = copy.deepcopy(document)
    document["defaults"]["languages"] = languages
    document["texts"] = {language: document["texts"][language] for language in languages}
    policies.publish_policy(channel, normalise_policy(document), "", "json")


def test_a_reason_the_policy_has_no_text_for_comes_from_the_catalogue_in_the_readers_language():
    not_shipped = published_order((tv_line(quantity_fulfilled=0, fulfilled_at=None, delivered_at=None),))
    assert reasons_of("zh_Hans", not_shipped) == [{"code": "not_fulfilled", "text": "该商品尚未发货。"}]
    assert reasons_of("zh-CN", not_shipped) == [{"code": "not_fulfilled", "text": "该商品尚未发货。"}]
    assert reasons_of(None, not_shipped) == [
        {"code": "not_fulfilled", "text": "This item has not been shipped yet."}
    ]


def test_the_policys_own_text_comes_first_in_the_language_that_serves_the_reader():
    final_sale = published_order(
        (tv_line(product=ProductFacts(sku="X", attributes={"final-sale": ("true",)})),)
    )
    chinese = [{"code": "final_sale", "text": "清仓商品除质量问题外不支持退货。"}]
    assert reasons_of("zh_Hans", final_sale) == chinese
    assert reasons_of("zh-Hans-CN", final_sale) == chinese
    assert reasons_of("en-GB", final_sale) == [
        {"code": "final_sale", "text": "Final-sale items cannot be returned unless they are faulty."}
    ]
    product = ok(call(PRODUCT, {"language": "zh-CN"}, GUEST), "afterSalesPolicyForProduct")
    assert product == {"eligible": False, "reasons": chinese}


def test_without_a_language_texts_are_in_the_policys_default_language():
    publish_example_in("cn", ["zh_Hans", "en"])
    product = ok(call(PRODUCT, {}, GUEST, channel="cn"), "afterSalesPolicyForProduct")
    assert product["reasons"] == [{"code": "final_sale", "text": "清仓商品除质量问题外不支持退货。"}]
    german = ok(call(PRODUCT, {"language": "de"}, GUEST, channel="cn"), "afterSalesPolicyForProduct")
    assert german["reasons"] == product["reasons"]
    reasons = ok(call(REASONS, {}, GUEST, channel="cn"), "afterSalesReturnReasons")
    assert reasons[0] == {"code": "no_reason", "label": "无理由退货"}


def test_return_reason_labels_follow_the_reader_even_beyond_the_policys_languages():
    publish_example_in("en-only", ["en"])
    for language in ("zh_Hans", "zh-CN"):
        labels = ok(
            call(REASONS, {"language": language}, GUEST, channel="en-only"), "afterSalesReturnReasons"
        )
        assert labels[:2] == [
            {"code": "no_reason", "label": "无理由退货"},
            {"code": "defective", "label": "商品存在质量问题"},
        ]
    english = ok(call(REASONS, {}, GUEST, channel="en-only"), "afterSalesReturnReasons")
    assert english[0] == {"code": "no_reason", "label": "No reason (changed my mind)"}
