"""Messages: rendering in English and Simplified Chinese, HTML escaping, the sandbox, overrides and their validation."""

from datetime import UTC, datetime

import pytest
from jinja2.exceptions import SecurityError

from saleor_aftersales_plugin.i18n import format_instant, format_money
from saleor_aftersales_plugin.notifications.events import EVENTS, SAMPLE_CONTEXT
from saleor_aftersales_plugin.notifications.formatting import available_languages, match_language
from saleor_aftersales_plugin.notifications.rendering import render, validate_overrides
from saleor_aftersales_plugin.sandbox.host import SandboxHost


def payload(**changes):
    return {**SAMPLE_CONTEXT, **changes}


def test_money_and_dates_follow_the_language_and_the_shop_zone():
    assert format_money("424.15", "EUR", "en") == "€424.15"
    assert format_money("199", "CNY", "zh_Hans") == "¥199.00"
    assert format_money("1234.5", "USD", "en") == "$1,234.50"
    instant = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)
    assert format_instant(instant, "en", "Europe/Berlin").startswith("December 1, 2026, 17:30")
    # 16:30 UTC is already the next day in Shanghai.
    assert format_instant(instant, "zh_Hans", "Asia/Shanghai").startswith("2026年12月2日 ")
    assert "00:30" in format_instant(instant, "zh_Hans", "Asia/Shanghai")


def test_languages_are_matched_from_tags_and_fall_back():
    assert set(available_languages()) >= {"en", "zh_Hans"}
    assert match_language("zh-CN") == "zh_Hans"
    assert match_language("zh-Hans") == "zh_Hans"
    assert match_language("en_GB") == "en"
    assert match_language("de", ("zh_Hans",)) == "zh_Hans"
    assert match_language(None) == "en"


@pytest.mark.parametrize(
    ("language", "amount", "time_zone", "subject", "sentence", "html", "shown"),
    [
        (
            "en",
            {"amount": "424.15", "currency": "EUR"},
            "Europe/Berlin",
            "Your refund of €424.15 is on its way",
            "we issued a refund of €424.15 for case #42 (order 1001)",
            '<html lang="en">',
            "<strong>€424.15</strong>",
        ),
        (
            "zh_Hans",
            {"amount": "199", "currency": "CNY"},
            "Asia/Shanghai",
            "您的退款 ¥199.00 已发出",
            "我们已为售后单 42（订单 1001）退款 ¥199.00。",
            '<html lang="zh-Hans">',
            "<strong>¥199.00</strong>",
        ),
    ],
)
def test_refund_message_has_the_amount_in_every_part_in_the_readers_language(
    language, amount, time_zone, subject, sentence, html, shown
):
    message = render("refund_issued", language, payload(amount=amount), time_zone=time_zone)
    assert message.subject == subject
    assert sentence in message.text
    assert message.html.startswith(f"<!DOCTYPE html>\n{html}\n") and shown in message.html


def test_items_are_listed_in_each_languages_word_order_escaped_in_html_only():
    items = [{"name": "<b>Mug</b> & Co", "quantity": 2}]
    english = render("item_received", "en", payload(items=items))
    assert "<li>2 × &lt;b&gt;Mug&lt;/b&gt; &amp; Co</li>" in english.html
    assert "\n- 2 × <b>Mug</b> & Co\n" in english.text
    chinese = render("item_received", "zh-CN", payload(items=items))
    assert "<li>&lt;b&gt;Mug&lt;/b&gt; &amp; Co × 2</li>" in chinese.html
    assert "\n- <b>Mug</b> & Co × 2\n" in chinese.text


def test_deadline_is_shown_in_the_shop_time_zone_in_both_languages():
    due = {"instant": "2026-12-01T16:30:00+00:00"}
    english = render(
        "complaint_acknowledged", "en", payload(first_response_due=due), time_zone="Asia/Shanghai"
    )
    assert "will reply by December 2, 2026, 00:30" in english.text
    assert "(delivery)" in english.text  # the category, translated
    chinese = render(
        "complaint_acknowledged", "zh_Hans", payload(first_response_due=due), time_zone="Asia/Shanghai"
    )
    assert "最迟将于 2026年12月2日 " in chinese.text and "00:30 前答复您" in chinese.text
    assert "类别：物流配送" in chinese.text


def test_statuses_conditions_and_kinds_are_translated():
    chinese = render("inspection_result", "zh_Hans", payload(), time_zone="Europe/Berlin")
    assert "Noise-cancelling headphones × 1：已拆封" in chinese.text
    assert "应退金额：€424.15（已扣除费用 €74.85）。" in chinese.text
    status = render("repair_status", "zh_Hans", payload(status="shipped_back", case_kind="repair"))
    assert status.subject == "维修进度更新（售后单 42）：已寄回"
    english = render("repair_status", "en", payload(status="shipped_back"))
    assert english.subject == "Repair #42: shipped back to you"


def test_every_event_renders_in_every_language_with_its_own_words():
    for language in ("en", "zh_Hans"):
        for name in EVENTS:
            message = render(name, language, payload(), time_zone="Europe/Berlin")
            assert message.subject and "\n" not in message.subject
            assert "None" not in message.text, (language, name, message.text)
            if language == "zh_Hans":
                assert any("\u4e00" <= char <= "\u9fff" for char in message.subject), (name, message.subject)


def test_missing_optional_values_render_without_gaps():
    message = render("request_received", "en", {"case_number": 7, "order_number": "1", "case_kind": "return"})
    assert "We will get back to you soon." in message.text and "None" not in message.text


def test_html_is_escaped_and_text_is_not():
    hostile = '<script>alert("x")</script> & more'
    message = render("reply", "en", payload(message=hostile))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; more" in message.html
    assert "<script>" not in message.html
    assert hostile in message.text


def test_channel_overrides_replace_builtin_templates(settings):
    settings.AFTERSALES_TEMPLATE_OVERRIDES = {
        "volt": {"en/refund_issued.subject": "Money back: {{ amount }} for case {{ case_number }}"}
    }
    data = payload(amount={"amount": "424.15", "currency": "EUR"})
    host = SandboxHost()
    volt, other = (host.template_overrides(channel) for channel in ("volt", "other"))
    assert render("refund_issued", "en", data, overrides=volt).subject == "Money back: €424.15 for case 42"
    assert (
        render("refund_issued", "en", data, overrides=other).subject == "Your refund of €424.15 is on its way"
    )


def test_overrides_run_in_the_sandbox():
    with pytest.raises(SecurityError):
        render(
            "reply",
            "en",
            payload(),
            overrides={"en/reply.txt": "{{ message.__class__.__mro__[1].__subclasses__() }}"},
        )


def test_valid_overrides_pass_validation():
    assert validate_overrides({}) == []
    assert validate_overrides(None) == []
    overrides = {
        "en/approved.subject": "Approved: {{ case_kind }} {{ case_number }}",
        "zh_Hans/reply.html": '{% extends "zh_Hans/_layout.html" %}{% block body %}<p>{{ message }}</p>{% endblock %}',
        "en/_layout.html": "<html><body>{% block body %}{% endblock %}<p>{{ shop_name }}</p></body></html>",
    }
    assert validate_overrides(overrides) == []
    # The plugin configuration holds text: JSON (or YAML) of the same mapping.
    assert validate_overrides('{"en/approved.subject": "Approved {{ case_number }}"}') == []


def test_syntax_error_names_template_and_line():
    errors = validate_overrides({"en/declined.txt": "Hello\n\n{% if reason %}{{ reason }}\n"})
    assert len(errors) == 1
    assert errors[0].startswith("en/declined.txt, line 3: syntax error:")
    assert "endif" in errors[0]


def test_unknown_variable_names_template_line_and_the_known_ones():
    errors = validate_overrides({"en/approved.txt": "Hi\n{{ case_number }}\nRefund: {{ refund_amout }}"})
    assert errors == [
        "en/approved.txt, line 3: unknown variable 'refund_amout'; this template may use: case_kind, case_number, "
        "customer_email, items, language, message, order_number, refund_amount, return_instructions, "
        "return_required, shop_name, status, time_zone."
    ]


def test_unknown_attribute_is_caught_by_the_test_render():
    errors = validate_overrides(
        {"en/item_received.txt": "Items:\n{% for item in items %}{{ item.nmae }}{% endfor %}"}
    )
    assert len(errors) == 1 and errors[0].startswith("en/item_received.txt, line 2:")
    assert "nmae" in errors[0]


def test_bad_names_languages_and_events_are_refused():
    errors = validate_overrides(
        {
            "approved.subject": "x",
            "fr/approved.subject": "x",
            "en/approve.subject": "x",
            "en/approved.pdf": "x",
        }
    )
    assert len(errors) == 4
    assert "'approved.subject' is not a template name" in errors[0]
    assert "no built-in templates for language 'fr'; available: en, zh_Hans" in errors[1]
    assert "unknown event 'approve'" in errors[2]
    assert "'en/approved.pdf' is not a template name" in errors[3]
    assert validate_overrides("[1, 2]")[0].startswith("Template overrides must be a mapping")
    assert validate_overrides("{unclosed")[0].startswith("Template overrides are not valid JSON or YAML")


def test_nested_overrides_from_the_plugin_configuration_are_understood():
    nested = {"approved": {"zh_Hans": {"subject": "审核通过：{{ case_number }}", "text": "{{ case_numbr }}"}}}
    assert validate_overrides(nested) == [
        "zh_Hans/approved.txt, line 1: unknown variable 'case_numbr'; this template may use: case_kind, "
        "case_number, customer_email, items, language, message, order_number, refund_amount, "
        "return_instructions, return_required, shop_name, status, time_zone."
    ]
    message = render(
        "approved",
        "zh-CN",
        payload(),
        overrides={"approved": {"zh_Hans": {"subject": "通过 {{ case_number }}"}}},
    )
    assert message.subject == "通过 42"
