"""The published policy is generated from the rules: it states what the engine decides, in English and Chinese."""

import copy
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from factories import order_line, return_facts

from saleor_aftersales_plugin.domain.facts import ProductFacts
from saleor_aftersales_plugin.publishing import (
    UnsupportedLanguage,
    build_policy_text,
    policy_diff,
    product_summary,
    render_policy_text,
)
from saleor_aftersales_plugin.publishing.language import TEMPLATES, Phrases
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.engine import decide
from saleor_aftersales_plugin.rules.validation import parse_policy
from saleor_aftersales_plugin.rules.variables import VARIABLES

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def example_data(name: str) -> dict:
    return load_source((EXAMPLES / f"{name}.yaml").read_text())[0]


def policy_of(data: dict):
    return parse_policy(data)


ELECTRONICS = example_data("electronics-shop")
CROSS_BORDER = example_data("cross-border-shop")


def rule(data: dict, rule_id: str) -> dict:
    return next(item for item in data["rules"] if item["id"] == rule_id)


@pytest.mark.parametrize("fmt", ["text", "html", "markdown"])
@pytest.mark.parametrize("language", ["en", "zh_Hans"])
@pytest.mark.parametrize("example", ["electronics-shop", "cross-border-shop"])
def test_every_example_renders_in_every_language_and_format(example, language, fmt):
    text = render_policy_text(policy_of(example_data(example)), language, fmt=fmt, version=3)
    assert len(text) > 1000
    assert "None" not in text and "{{" not in text and "Undefined" not in text
    if language == "zh_Hans":
        assert "退货" in text
    else:
        assert "return" in text


def says(text: str, *sentences: str) -> None:
    """``text`` has every one of ``sentences``; the failure lists the missing ones."""
    missing = [sentence for sentence in sentences if sentence not in text]
    assert not missing, f"missing: {missing}"


def test_electronics_text_states_the_rules_in_english():
    text = render_policy_text(policy_of(ELECTRONICS), "en")
    says(
        text,
        "You can return items for any reason within 14 days after delivery.",
        "If the item is faulty: 30 days after delivery.",
        "Items cannot be returned if the item is a gift card. This does not apply if the item is faulty.",
        "marked “final sale” or the product is in the collection “clearance”",
        "If the product is in the category “electronics” and the item is found opened when we inspect it, "
        "a restocking fee of 15% of the price you paid is deducted from your refund.",
        "No fee is charged if the item is faulty.",
        "Example: for an item that cost €200.00, the restocking fee is €30.00 and you get €170.00 back.",
        "If the item is faulty, attach at least 2 photos of the item.",
        "If you paid less than €50.00 per item and you made fewer than 3 other returns in the last 90 days",
        "Repairs and warranty claims: a first answer within 48 working hours and a resolution within 10 working days.",
        "Repairs under warranty are free for 24 months after delivery.",
        "Working days are Monday to Friday, except public holidays in Germany (Berlin) and on December 24, 2026 "
        "and December 31, 2026; working hours are 09:00–17:00 (Europe/Berlin).",
        "you get 5% extra: a refund of €200.00 becomes €210.00 of store credit",
    )


def test_electronics_text_states_the_rules_in_chinese():
    text = render_policy_text(policy_of(ELECTRONICS), "zh_Hans")
    says(
        text,
        "签收后 14 个自然日内，您可以无理由退货。",
        "如果商品存在质量问题：签收后 30 个自然日内。",
        "如果商品是礼品卡，商品不支持退货。",
        "重新上架费（实付金额的 15%）",
        "示例：一件 €200.00 的商品，重新上架费为 €30.00，您将收到 €170.00 退款。",
        "签收后 24 个月内，保修范围内的维修免费。",
        "维修与保修：48 个工作小时内首次答复，10 个工作日内处理完毕。",
        "工作日为周一至周五，德国（Berlin）法定节假日除外",
    )


def test_cross_border_text_describes_country_windows_and_the_return_label():
    english = render_policy_text(policy_of(CROSS_BORDER), "en")
    says(
        english,
        "If the order is delivered to China: 7 days after delivery.",
        "If the order is delivered to the United States: 30 days after delivery.",
        "If the order is delivered to Japan, South Korea, or Singapore: 10 business days after delivery.",
        "Austria, Belgium, Bulgaria",
        "Slovakia: 14 days after delivery.",
        "If the order is delivered to China, the item is faulty, and more than 7 days have passed since delivery: "
        "15 days after delivery.",
        "where more than one fits, the first one listed applies",
        "If the order is delivered outside China, a return shipping fee (the return label) of CN¥80.00",
        "Complaints: a first answer within 12 hours around the clock (weekends and holidays included) and a "
        "resolution within 3 working days.",
        "Returns: a first answer within 24 working hours and a resolution within 5 working days.",
        "Working days are Monday to Friday, except public holidays in China, plus the weekend days officially "
        "declared working days in China (make-up days); working hours are 09:00–18:00 (Asia/Shanghai).",
    )
    chinese = render_policy_text(policy_of(CROSS_BORDER), "zh_Hans")
    says(
        chinese,
        "如果收货地为日本、韩国或新加坡：签收后 10 个工作日内。",
        "如果收货地为中国，且商品存在质量问题，且签收后超过 7 个自然日：签收后 15 个自然日内。",
        "如果收货地不在中国，将从退款中扣除每次申请退货运费（退货面单） ¥80.00。",
        "投诉：12 小时内（按自然时间连续计算，含周末和节假日）首次答复，3 个工作日内处理完毕。",
        "退货：24 个工作小时内首次答复，5 个工作日内处理完毕。",
        "工作日为周一至周五，中国法定节假日除外；中国官方调休上班的周末也是工作日；",
    )
    ignoring = copy.deepcopy(CROSS_BORDER)
    ignoring["calendar"]["follow_official_calendar"] = False
    assert (
        "weekend days officially declared working days in China (make-up days) are not working days for us"
        in render_policy_text(policy_of(ignoring), "en")
    )
    assert "中国官方调休上班的周末不计为我们的工作日" in render_policy_text(policy_of(ignoring), "zh_Hans")


def test_changing_a_rule_changes_the_text():
    changed = copy.deepcopy(ELECTRONICS)
    restocking = rule(changed, "opened-electronics-restocking")
    restocking["actions"][0]["params"]["amount"] = 20
    changed["defaults"]["window"]["days"] = 21
    rule(changed, "defects-30-days")["actions"][1]["params"]["days"] = 45
    changed["sla"]["return"]["first_response"] = {"hours": 8, "clock": "calendar"}
    changed["defaults"]["warranty_months"] = 36
    before = render_policy_text(policy_of(ELECTRONICS), "en")
    after = render_policy_text(policy_of(changed), "en")
    assert "15%" in before and "15%" not in after
    assert "restocking fee of 20% of the price you paid" in after
    assert "the restocking fee is €40.00 and you get €160.00 back" in after
    assert "within 21 days after delivery" in after and "within 14 days after delivery" not in after
    assert "If the item is faulty: 45 days after delivery." in after
    assert "Returns: a first answer within 8 hours around the clock (weekends and holidays included)" in after
    assert "free for 36 months" in after
    chinese = render_policy_text(policy_of(changed), "zh_Hans")
    assert "实付金额的 20%" in chinese and "签收后 21 个自然日内" in chinese


def test_worked_fee_example_matches_the_engine():
    """The example in the text is what the engine refunds for an opened TV at the example price."""
    policy = policy_of(ELECTRONICS)
    text = render_policy_text(policy, "en")
    price, fee, net = re.search(
        r"item that cost €([\d.]+), the restocking fee is €([\d.]+) and you get €([\d.]+) back", text
    ).groups()
    delivered = datetime(2026, 3, 2, 12, tzinfo=UTC)
    tv = order_line(
        ProductFacts(sku="TV", category_path=("electronics",)),
        line_id="1",
        unit_price=price,
        delivered_at=delivered,
    )
    facts = return_facts(
        "EUR",
        (tv,),
        delivered_at=delivered,
        asked_after=timedelta(days=2),
        reason="changed_mind",
        condition="opened",
    )
    decision = decide(policy, facts)
    assert (decision.settlement.fees_total, decision.settlement.net) == (Decimal(fee), Decimal(net))


def test_uncommon_conditions_use_the_generic_phrasing_from_the_variable_labels():
    data = copy.deepcopy(ELECTRONICS)
    data["rules"].append(
        {
            "id": "vip",
            "priority": 200,
            "conditions": {
                "any": [
                    {"name": "customer_email", "operator": "ends_with", "value": "@vip.example"},
                    {
                        "all": [
                            {"name": "order_total", "operator": "greater_than_or_equal_to", "value": 1000},
                            {"name": "sku", "operator": "starts_with", "value": "TV-"},
                        ]
                    },
                ]
            },
            "actions": [{"name": "set_window", "params": {"days": 60, "anchor": "order"}}],
        }
    )
    english = render_policy_text(policy_of(data), "en")
    assert (
        "If your email address ends with “@vip.example” or (the order total is at least €1,000.00 and the item's "
        "SKU starts with “TV-”): 60 days after the order." in english
    )
    chinese = render_policy_text(policy_of(data), "zh_Hans")
    assert (
        "如果您的邮箱以此结尾：“@vip.example”，或（订单总额至少 €1,000.00，且商品 SKU以此开头：“TV-”）：下单后 60 个自然日内。"
        in chinese
    )


def test_html_is_escaped_and_structured():
    data = copy.deepcopy(ELECTRONICS)
    data["name"] = "<script>alert(1)</script> Volt"
    html = render_policy_text(policy_of(data), "zh_Hans", fmt="html")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.startswith('<article class="policy" lang="zh-Hans"')
    assert html.count("<section") == html.count("<h2") >= 7
    assert 'data-key="rule:opened-electronics-restocking:fee:restocking"' in html


def test_languages_are_resolved_or_refused_clearly():
    policy = policy_of(ELECTRONICS)
    assert build_policy_text(policy, "zh-CN").language == "zh_Hans"
    assert build_policy_text(policy, "en-GB").language == "en"
    with pytest.raises(UnsupportedLanguage, match="not available in 'fr'.*en, zh_Hans"):
        render_policy_text(policy, "fr")
    with pytest.raises(ValueError, match="Unknown format 'pdf'"):
        render_policy_text(policy, "en", fmt="pdf")


def test_every_language_has_every_phrase_and_variable_label():
    english = Phrases("en")
    names = set(re.findall(r"{% macro (\w+)\(", (TEMPLATES / "en" / "phrases.j2").read_text()))
    for language in ("en", "zh_Hans"):
        phrases = Phrases(language)
        assert names == set(
            re.findall(r"{% macro (\w+)\(", (TEMPLATES / language / "phrases.j2").read_text())
        )
        assert set(VARIABLES) <= set(phrases.table("labels")), language
        for table in ("operators", "reasons", "resolutions", "item_conditions", "kinds_plural", "ui"):
            assert set(english.table(table)) == set(phrases.table(table)), (language, table)


def test_product_summary_is_decided_by_the_engine():
    policy = policy_of(ELECTRONICS)
    tv = ProductFacts(sku="TV", category_path=("electronics",))
    assert product_summary(policy, tv, "en") == (
        "Change of mind: returns within 14 days after delivery (a refund, store credit, or an exchange); "
        "15% restocking fee if opened. Faulty: returns within 30 days after delivery (a refund, an exchange, or a "
        "repair); no fees. Warranty: 24 months."
    )
    final_sale = ProductFacts(sku="X", attributes={"final-sale": ("true",)})
    assert product_summary(policy, final_sale, "en").startswith(
        "Change of mind: no returns (final sale). Faulty:"
    )
    assert "已拆封时收取重新上架费 15%" in product_summary(policy, tv, "zh_Hans")
    cross_border = policy_of(CROSS_BORDER)
    vase = ProductFacts(sku="VASE")
    summary = product_summary(cross_border, vase, "en")
    assert (
        "Faulty: returns within 7 days after delivery (a refund or an exchange); no fees; returns within 15 days"
        in summary
    )
    assert "(an exchange or a repair)" in summary
    abroad = product_summary(cross_border, vase, "en", country="us")
    assert (
        "within 30 days after delivery (a refund, store credit, or an exchange); CN¥80.00 return shipping"
        in abroad
    )


def test_policy_diff_lists_plain_changes():
    changed = copy.deepcopy(ELECTRONICS)
    changed["defaults"]["window"]["days"] = 21
    changed["rules"] = [item for item in changed["rules"] if item["id"] != "gift-cards"]
    changed["rules"].append(
        {
            "id": "no-software",
            "conditions": {
                "all": [
                    {
                        "name": "category",
                        "operator": "shares_at_least_one_element_with",
                        "value": ["software"],
                    }
                ]
            },
            "actions": [{"name": "deny", "params": {"reason": "software"}}],
        }
    )
    changed["texts"]["en"]["software"] = "Software cannot be returned."
    changed["texts"]["zh_Hans"]["software"] = "软件不支持退货。"
    old, new = policy_of(ELECTRONICS), policy_of(changed)
    changes = policy_diff(old, new, "en")
    assert (
        "Changed: You can return items for any reason within 21 days after delivery. "
        "(before: You can return items for any reason within 14 days after delivery.)" in changes
    )
    assert (
        "No longer applies: Items cannot be returned if the item is a gift card. This does not apply if the item is faulty."
        in changes
    )
    # The defects rule outranks the new rule, so the exception is part of the new sentence.
    assert (
        "New: Items cannot be returned if the product is in the category “software”. "
        "This does not apply if the item is faulty." in changes
    )
    assert len(changes) == 3
    assert policy_diff(old, old, "en") == []
    assert "新增：如果商品属于“software”类目，商品不支持退货。但商品存在质量问题时除外。" in policy_diff(
        old, new, "zh_Hans"
    )
