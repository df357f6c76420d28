"""Statutory minimums: the table with its sources, the countries a policy serves, and what `check` warns about."""

import copy
from pathlib import Path

import pytest
import yaml

from saleor_aftersales_plugin.config import (
    SettingInvalid,
    StatutoryMode,
    parse_statutory_mode,
    refusal_message,
    statutory_refusal,
)
from saleor_aftersales_plugin.rules import statutory
from saleor_aftersales_plugin.rules.validation import parse_policy

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EU_27 = "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()


def base(country: str = "DE", **defaults) -> dict:
    return {
        "schema_version": 1.1,
        "name": "Test shop",
        "defaults": {"currency": "EUR", "country": country, "time_zone": "Europe/Berlin", **defaults},
        "rules": [],
    }


def rule(id: str, countries: list[str], *actions: dict, priority: int = 10) -> dict:
    condition = (
        {"name": "shipping_country", "operator": "equal_to", "value": countries[0]}
        if len(countries) == 1
        else {"name": "shipping_country", "operator": "matches_regex", "value": f"^({'|'.join(countries)})$"}
    )
    return {"id": id, "priority": priority, "conditions": {"all": [condition]}, "actions": list(actions)}


def window(days: int, **params) -> dict:
    return {"name": "set_window", "params": {"days": days, **params}}


def warnings(data: dict) -> list[str]:
    return [str(item) for item in statutory.shortfalls(parse_policy(data))]


def test_the_table_covers_the_eu_eea_uk_and_china_with_sources():
    assert {
        country: statutory.regime_for(country).days for country in [*EU_27, "IS", "LI", "NO"]
    } == dict.fromkeys([*EU_27, "IS", "LI", "NO"], 14)
    eu, uk, china = statutory.regime_for("fr"), statutory.regime_for("GB"), statutory.regime_for("CN")
    assert eu.source["en"].startswith("Directive 2011/83/EU on consumer rights, Article 9")
    assert eu.url == "https://eur-lex.europa.eu/eli/dir/2011/83/oj" and eu.starts == "possession"
    assert uk.days == 14 and "regulations 29 and 30" in uk.source["en"]
    assert uk.url == "https://www.legislation.gov.uk/uksi/2013/3134"
    assert china.days == 7 and china.starts == "receipt"
    assert china.source["zh_Hans"].startswith("《中华人民共和国消费者权益保护法》第二十五条")
    assert [item.code for item in china.exceptions] == [
        "custom_made",
        "perishable",
        "digital_opened",
        "periodicals",
        "confirmed_unsuitable",
    ]
    assert china.exceptions[1].text == {"en": "fresh, live and perishable goods", "zh_Hans": "鲜活易腐的商品"}
    assert [item.source for item in eu.exceptions] == [
        f"Directive 2011/83/EU, Article 16({point})" for point in "cdeij"
    ]
    assert [item.source for item in china.exceptions] == [
        "Consumer Rights Protection Law, Article 25(1)(i)",
        "Consumer Rights Protection Law, Article 25(1)(ii)",
        "Consumer Rights Protection Law, Article 25(1)(iii)",
        "Consumer Rights Protection Law, Article 25(1)(iv)",
        "Consumer Rights Protection Law, Article 25(2)",
    ]
    assert all(
        item.source.startswith("Consumer Contracts Regulations 2013, regulation 28(")
        for item in uk.exceptions
    )
    assert (
        statutory.regime_for("US") is None
        and statutory.regime_for("HK") is None
        and statutory.regime_for("") is None
    )


def test_the_data_file_is_shipped_with_the_package_and_reads_norway_as_a_country():
    setup = (Path(__file__).resolve().parents[2] / "setup.cfg").read_text()
    assert "rules/*.yaml" in setup
    raw = yaml.safe_load(statutory.DATA_FILE.read_text())
    assert "NO" in raw["regimes"]["eu"]["countries"]


def test_served_countries_are_the_default_and_those_the_rules_name():
    policy = parse_policy((EXAMPLES / "cross-border-shop.yaml").read_text())
    served = statutory.served_countries(policy)
    assert (
        served[:3] == ("CN", "US", "AT") and set(EU_27) <= set(served) and served[-3:] == ("JP", "KR", "SG")
    )
    assert [(regime.code, len(countries)) for regime, countries in statutory.served_regimes(policy)] == [
        ("eu", 27),
        ("cn", 1),
    ]


def test_the_examples_meet_every_minimum_and_seven_days_in_germany_is_a_shortfall():
    for example in ("cross-border-shop.yaml", "electronics-shop.yaml"):
        assert statutory.shortfalls(parse_policy((EXAMPLES / example).read_text())) == [], example
    seven_days = yaml.safe_load((EXAMPLES / "electronics-shop.yaml").read_text())
    seven_days["defaults"]["window"]["days"] = 7
    (warning,) = warnings(seven_days)
    assert warning == (
        "$.defaults.window: [below_statutory_minimum] warning: For orders delivered to DE, a return without a "
        "reason gets 7 calendar days from delivery, but the law gives consumers 14 days, counted from the day "
        "after they receive the goods [source: Directive 2011/83/EU on consumer rights, Article 9; in the EEA through "
        "Annex XIX to the EEA Agreement]. Offer at least 14 calendar days from delivery for these countries."
    )


def test_a_rule_that_shortens_the_window_is_named_by_its_path_with_every_country_it_affects():
    data = base(window={"days": 30})
    data["rules"] = [
        rule("uk", ["GB"], window(14)),
        rule("benelux", ["BE", "NL", "LU"], window(10)),
        rule("china", ["CN"], window(7)),
    ]
    assert [line.split(" warning: ")[0] for line in warnings(data)] == [
        "$.rules[1]: [below_statutory_minimum]"
    ]
    assert (
        "delivered to BE, NL, LU, a return without a reason gets 10 calendar days from delivery"
        in warnings(data)[0]
    )


def test_fourteen_days_counted_from_the_order_or_shipping_is_less_than_from_receipt():
    for anchor, words in (
        ("order", "14 calendar days from order"),
        ("fulfilment", "14 calendar days from fulfilment"),
    ):
        (warning,) = warnings(base("FR", window={"days": 14, "anchor": anchor}))
        assert f"delivered to FR, a return without a reason gets {words}" in warning
    assert warnings(base("FR", window={"days": 14, "anchor": "delivery"})) == []


def test_business_days_are_judged_from_every_weekday_of_delivery():
    (warning,) = warnings(base("DE", window={"days": 10, "day_kind": "business"}))
    assert "gets 10 business days from delivery" in warning
    assert warnings(base("DE", window={"days": 11, "day_kind": "business"})) == []


def test_refusing_a_no_reason_return_or_offering_no_refund_is_below_the_minimum():
    refusing = base("CN", currency="CNY", time_zone="Asia/Shanghai", window={"days": 7})
    refusing["rules"] = [
        {
            "id": "no-reason-refused",
            "conditions": {"all": [{"name": "reason", "operator": "equal_to", "value": "no_reason"}]},
            "actions": [{"name": "deny", "params": {"reason": "no_change_of_mind"}}],
        }
    ]
    (warning,) = warnings(refusing)
    assert warning.startswith(
        "$.rules[0]: [below_statutory_minimum] warning: For orders delivered to CN, a return without a reason of "
        "an ordinary item is refused (reason: no_change_of_mind), but the law gives consumers 7 days"
    )
    assert "《中华人民共和国消费者权益保护法》" not in warning and "Article 25" in warning
    exchange_only = base(
        "GB", currency="GBP", time_zone="Europe/London", window={"days": 14}, resolutions=["exchange"]
    )
    (warning,) = warnings(exchange_only)
    assert warning.startswith(
        "$.defaults.resolutions: [below_statutory_minimum] warning: For orders delivered to GB"
    )
    assert "cannot end in a refund (resolutions: exchange)" in warning and "regulations 29 and 30" in warning


def test_excluding_the_goods_the_law_excludes_is_not_a_shortfall():
    data = base("CN", currency="CNY", time_zone="Asia/Shanghai", window={"days": 7})
    data["rules"] = [
        {
            "id": "perishable",
            "conditions": {
                "all": [
                    {"name": "category", "operator": "shares_at_least_one_element_with", "value": ["fresh"]}
                ]
            },
            "actions": [{"name": "deny", "params": {"reason": "perishable"}}],
        }
    ]
    assert warnings(data) == []


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        (None, StatutoryMode.WARN),
        ("", StatutoryMode.WARN),
        ("warn", StatutoryMode.WARN),
        (" Refuse ", StatutoryMode.REFUSE),
    ],
)
def test_the_channel_setting_parses_warn_and_refuse(value, mode):
    assert parse_statutory_mode(value) is mode


def test_the_channel_setting_rejects_other_values_with_the_choices():
    with pytest.raises(SettingInvalid) as raised:
        parse_statutory_mode("strict")
    assert str(raised.value).startswith(
        "'strict' is not a choice: write 'warn' (publish and warn) or 'refuse'"
    )


def test_refuse_mode_refuses_with_every_shortfall_and_warn_mode_publishes():
    policy = parse_policy(copy.deepcopy(base("IT", window={"days": 7})))
    assert statutory_refusal(policy, StatutoryMode.WARN) == []
    refused = statutory_refusal(policy, StatutoryMode.REFUSE)
    assert [item.countries for item in refused] == [("IT",)]
    assert refusal_message(refused).startswith(
        "The channel refuses policies below the statutory minimums (statutoryMinimums: refuse); 1 problem(s):\n"
        "$.defaults.window: [below_statutory_minimum] For orders delivered to IT"
    )
    assert statutory_refusal(parse_policy(base("IT", window={"days": 14})), StatutoryMode.REFUSE) == []


def published(data: dict, language: str, fmt: str = "text") -> str:
    from saleor_aftersales_plugin.publishing import render_policy_text

    return render_policy_text(parse_policy(data), language, fmt=fmt)


def test_the_published_text_states_the_right_for_each_region_served_with_its_source():
    cross_border = yaml.safe_load((EXAMPLES / "cross-border-shop.yaml").read_text())
    english = published(cross_border, "en")
    assert "\nYour legal right to withdraw\n----------------------------\n" in english
    assert (
        "- If your order is delivered to the European Union, the law gives you 14 days to withdraw from the purchase "
        "without giving a reason, counted from the day after you (or someone you name, other than the carrier) "
        "receive the goods (Directive 2011/83/EU on consumer rights, Article 9; in the EEA through Annex XIX to the "
        "EEA Agreement). This right applies whatever else this policy says."
    ) in english
    assert (
        "- If your order is delivered to mainland China, the law gives you 7 days to withdraw from the purchase "
        "without giving a reason, counted from the day after you receive the goods (Law of the People's Republic "
        "of China on the Protection of Consumer Rights and Interests, Article 25;"
    ) in english
    assert (
        "The law does not give this right for: goods made to your order; fresh, live and perishable goods; "
        "audio-visual products, software and other digital goods downloaded online or unsealed by you; newspapers "
        "and periodicals delivered; other goods unsuitable for return by their nature, which you confirmed as such "
        "when you bought them."
    ) in english
    chinese = published(cross_border, "zh_Hans")
    assert "\n法定无理由退货权利\n" in chinese
    assert (
        "- 商品寄送至中国大陆的，依法您可以自您签收商品的次日起 7 日内无理由退货（《中华人民共和国消费者权益保护法》第二十五条；"
        "期限依《网络购买商品七日无理由退货暂行办法》第十一条自签收商品的次日起算）。无论本政策其他条款如何规定，此项权利均适用。"
        "依法不适用无理由退货的商品：消费者定作的商品；鲜活易腐的商品；在线下载或者消费者拆封的音像制品、计算机软件等数字化商品；"
        "交付的报纸、期刊；其他根据商品性质并经消费者在购买时确认不宜退货的商品。"
    ) in chinese
    assert (
        "- 商品寄送至欧盟的，依法您可以自您（或您指定的承运人以外的人）签收商品的次日起 14 日内无理由退货"
        in chinese
    )
    html = published(cross_border, "en", "html")
    assert '<li data-key="statutory:eu">If your order is delivered to the European Union' in html
    assert '<li data-key="statutory:cn">If your order is delivered to mainland China' in html
    markdown = published(cross_border, "zh_Hans", "markdown")
    assert "\n## 法定无理由退货权利\n\n- 商品寄送至欧盟的" in markdown


def test_part_of_a_regime_is_named_country_by_country_and_unserved_regions_are_not_mentioned():
    data = base("GB", currency="GBP", time_zone="Europe/London", window={"days": 30})
    data["rules"] = [rule("fr-de", ["FR", "DE"], window(30))]
    english = published(data, "en")
    assert "- If your order is delivered to the United Kingdom, the law gives you 14 days" in english
    assert (
        "(Consumer Contracts (Information, Cancellation and Additional Charges) Regulations 2013, regulations 29"
        in english
    )
    assert "- If your order is delivered to France or Germany, the law gives you 14 days" in english
    assert "mainland China" not in english
    assert "Your legal right to withdraw" not in published(
        base("US", currency="USD", time_zone="America/New_York"), "en"
    )
