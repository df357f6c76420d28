"""Languages and values for people: negotiation, tag normalisation, money, instants, lists and reason texts."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from saleor_aftersales_plugin.i18n import (
    accepted_languages,
    format_date,
    format_instant,
    format_list,
    format_money,
    format_number,
    html_lang,
    humanise,
    match_language,
    negotiate_language,
    normalise_language,
    reason_text,
)
from saleor_aftersales_plugin.rules.document import load_source
from saleor_aftersales_plugin.rules.validation import parse_policy

SHOP = ("en", "zh_Hans")
CROSS_BORDER = parse_policy(
    load_source((Path(__file__).resolve().parents[2] / "examples" / "cross-border-shop.yaml").read_text())[0]
)

# --- negotiation --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("fr;q=0.1, zh-CN;q=0.9, en;q=0.5", "zh_Hans"),
        ("fr;q=0.1, zh-CN;q=0.4, en;q=0.5", "en"),
        ("de-DE, de;q=0.9, zh;q=0.8, en;q=0.7", "zh_Hans"),
        ("zh-TW, en-GB;q=0.3", "en"),
        ("zh-SG", "zh_Hans"),
        ("ZH-hans-cn", "zh_Hans"),
        ("en-GB;q=1.000, zh-Hans;q=1", "en"),
        ("de, *;q=0.1", "en"),
        ("en;q=0, *", "zh_Hans"),
        ("*", "en"),
        ("de, fr", "en"),
        ("", "en"),
    ],
)
def test_accept_language_is_read_by_q_value_and_order(header, chosen):
    assert negotiate_language(header, SHOP) == chosen


@pytest.mark.parametrize(
    "header",
    [
        ";;;,,q=,",
        "zh-CN;q=abc, zh-Hans;q=2",
        "zh-CN;q=-1",
        "zh-CN;q=0.0001",
        "i-klingon, x-private, 12, en__GB, -",
        "\x00\u4e2d\u6587, \ud800",
        "zh-CN" * 500,
    ],
)
def test_a_malformed_header_gives_the_shops_default_never_an_exception(header):
    assert negotiate_language(header, SHOP) == "en"
    assert negotiate_language(header, SHOP, default="zh_Hans") == "zh_Hans"


def test_the_header_is_ordered_most_preferred_first_without_refused_or_malformed_entries():
    header = "fr;q=0.1, zh-CN;q=0.9, en;q=0.5, de;q=0, it;q=1.5, *;q=0.01, ja"
    assert accepted_languages(header) == ["ja", "zh-CN", "en", "fr", "*"]
    assert accepted_languages(None) == []


def test_tags_in_order_are_tried_in_turn_and_the_fallback_is_the_default():
    assert negotiate_language(["de", None, "", "zh_CN", "en"], SHOP) == "zh_Hans"
    assert negotiate_language(["de"], ("zh_Hans", "en")) == "zh_Hans"
    assert negotiate_language(None, SHOP, default="en") == "en"
    with pytest.raises(ValueError, match="at least one available language"):
        negotiate_language("en", ())


def test_a_tag_is_served_by_the_same_language_and_script_nearest_region_first():
    assert match_language("zh-CN", SHOP) == "zh_Hans"
    assert match_language("zh", SHOP) == "zh_Hans"
    assert match_language("zh-HK", SHOP) is None
    assert match_language("zh-Hant", ("zh_Hans", "zh_Hant")) == "zh_Hant"
    assert match_language("en-GB", ("en_US", "en", "en_GB")) == "en_GB"
    assert match_language("en-AU", ("en_US", "en")) == "en"
    assert match_language("en-AU", ("en_US",)) == "en_US"
    assert match_language("sr-Latn", ("sr",)) is None
    assert match_language("not a tag", SHOP) is None


# --- normalisation ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [
        ("zh-Hans", "zh_Hans"),
        ("zh_hans", "zh_Hans"),
        ("ZH-hans", "zh_Hans"),
        (" zh_Hans ", "zh_Hans"),
        ("zh-CN", "zh_CN"),
        ("en-gb", "en_GB"),
        ("EN", "en"),
        ("sr-latn-rs", "sr_Latn_RS"),
        ("es-419", "es_419"),
    ],
)
def test_language_tags_are_normalised_to_one_form(tag, canonical):
    assert normalise_language(tag) == canonical


@pytest.mark.parametrize("tag", ["klingon", "", "  ", "und", "en_XX", "zh-Hans-", "en__GB", "*", None, 7])
def test_an_unknown_language_tag_is_refused_by_name_with_the_accepted_forms(tag):
    with pytest.raises(ValueError) as error:
        normalise_language(tag)
    assert str(error.value) == (
        f"{tag!r} is not a known language tag: use a BCP 47 or CLDR language tag such as 'en', 'en-GB', "
        "'zh-Hans' or 'zh_Hans'."
    )


def test_html_lang_is_the_bcp_47_form():
    assert html_lang("zh_hans") == "zh-Hans"
    assert html_lang("en_GB") == "en-GB"


# --- values -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "english", "chinese", "german"),
    [
        ("1234.5", "JPY", "¥1,235", "JP¥1,235", "1.235\xa0¥"),
        (Decimal("1234.4"), "JPY", "¥1,234", "JP¥1,234", "1.234\xa0¥"),
        ("1234.565", "EUR", "€1,234.57", "€1,234.57", "1.234,57\xa0€"),
        ("0.005", "EUR", "€0.01", "€0.01", "0,01\xa0€"),
        ("1234.5675", "KWD", "KWD1,234.568", "KWD1,234.568", "1.234,568\xa0KWD"),
        (2, "KWD", "KWD2.000", "KWD2.000", "2,000\xa0KWD"),
        ("199", "CNY", "CN¥199.00", "¥199.00", "199,00\xa0CN¥"),
    ],
)
def test_money_has_the_currencys_decimals_rounded_half_up(amount, currency, english, chinese, german):
    assert format_money(amount, currency, "en") == english
    assert format_money(amount, currency, "zh-Hans") == chinese
    assert format_money(amount, currency, "de_DE") == german


@pytest.mark.parametrize(
    ("time_zone", "language", "text"),
    [
        ("Asia/Shanghai", "en", "December 2, 2026, 00:30 Shanghai Time"),
        ("Asia/Shanghai", "zh_Hans", "2026年12月2日 上海时间 00:30"),
        ("America/New_York", "en", "December 1, 2026, 11:30 New York Time"),
        ("America/New_York", "zh-CN", "2026年12月1日 纽约时间 11:30"),
        ("UTC", "en", "December 1, 2026, 16:30 UTC"),
    ],
)
def test_an_instant_reads_as_the_wall_clock_of_the_zone(time_zone, language, text):
    assert format_instant(datetime(2026, 12, 1, 16, 30, tzinfo=UTC), language, time_zone) == text


def test_an_instant_follows_the_zones_daylight_saving_time():
    # New York moves its clocks forward at 02:00 local time (07:00 UTC) on 8 March 2026.
    before, after = datetime(2026, 3, 8, 6, 59, tzinfo=UTC), datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert format_instant(before, "en", "America/New_York") == "March 8, 2026, 01:59 New York Time"
    assert format_instant(after, "en", "America/New_York") == "March 8, 2026, 03:30 New York Time"


def test_an_instant_needs_a_zone_and_a_known_time_zone():
    with pytest.raises(ValueError, match="has no time zone"):
        format_instant(datetime(2026, 12, 1, 16, 30), "en", "UTC")
    with pytest.raises(ValueError, match="'Shanghai' is not an IANA time zone name"):
        format_instant(datetime(2026, 12, 1, 16, 30, tzinfo=UTC), "en", "Shanghai")


def test_dates_numbers_lists_and_codes():
    assert format_date(date(2026, 11, 16), "en") == "November 16, 2026"
    assert format_date(date(2026, 11, 16), "zh-CN") == "2026年11月16日"
    assert format_number(Decimal("1234.5678"), "en") == "1,234.568"
    assert format_number(Decimal("1234.56780"), "de", exact=True) == "1.234,5678"
    assert (
        format_list(["a refund", "", "an exchange", "a repair"], "en")
        == "a refund, an exchange, and a repair"
    )
    assert format_list(["退款", "换货", "维修"], "zh_Hans", style="or") == "退款、换货或维修"
    assert format_list([], "en") == ""
    assert humanise("final-sale") == "final sale"
    assert humanise("awaiting_return") == "awaiting return"


# --- reason texts -------------------------------------------------------------------------------------------------


def test_the_policys_own_text_comes_first_in_the_readers_language():
    texts = CROSS_BORDER.texts
    assert reason_text("window_expired", "zh-CN", texts) == "该商品已超过退货期限。"
    assert reason_text("final_sale", "zh_Hans", texts) == "清仓商品不支持退货。"
    assert reason_text("final_sale", "en-GB", texts) == texts["en"]["final_sale"]


def test_without_a_policy_text_the_built_in_catalogue_speaks_the_readers_language():
    assert reason_text("not_fulfilled", "zh-Hans") == "该商品尚未发货。"
    assert reason_text("not_fulfilled", "en") == "This item has not been shipped yet."
    assert reason_text("not_fulfilled", "zh_Hans", CROSS_BORDER.texts) == "该商品尚未发货。"


def test_a_reader_in_another_language_gets_the_shops_default_then_english_then_the_code():
    texts = {"zh_Hans": {"final_sale": "清仓商品不支持退货。"}, "en": {"final_sale": "Final sale."}}
    assert reason_text("final_sale", "de", texts, default_language="zh_Hans") == "清仓商品不支持退货。"
    assert reason_text("final_sale", "de", texts, default_language="en") == "Final sale."
    assert reason_text("window_expired", "de", texts) == "The return window for this item has ended."
    assert reason_text("window_expired", None) == "The return window for this item has ended."
    assert reason_text("arrived_late", "zh_Hans", texts) == "Arrived late."
