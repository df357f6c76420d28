"""The channel configuration without Saleor: what each field parses to, and the exact message a bad value gets on its
field (the text the Dashboard shows under it)."""

import configparser
import fnmatch
from pathlib import Path

import pytest

from saleor_aftersales_plugin.config import (
    DEFAULT_CONFIGURATION,
    DEFAULT_POLICY,
    ChannelInfo,
    StatutoryMode,
    complete_policy,
    configuration_errors,
    delivery_status,
    parse_configuration,
    read_policy,
)
from saleor_aftersales_plugin.domain.host import ChannelContacts

ROOT = Path(__file__).resolve().parents[1]
EU = ChannelInfo("eu", "EUR", "DE")


def configured(**values) -> list[dict]:
    """Saleor's configuration list holding ``values``."""
    return [{"name": name, "value": value} for name, value in values.items()]


def errors_of(channel: ChannelInfo | None = EU, **values) -> dict[str, list[str]]:
    return configuration_errors(parse_configuration(configured(**values)), channel)


def test_an_unsaved_configuration_is_the_default_one_and_can_be_saved():
    config = parse_configuration([])
    assert config.policy == DEFAULT_POLICY
    assert config.languages == ("en",)
    assert config.statutory_minimums is StatutoryMode.WARN
    assert (config.customer_favourable, config.template_overrides, config.errors) == (False, {}, {})
    assert config.contacts == ChannelContacts()
    assert configuration_errors(config, EU) == {}
    assert [item["name"] for item in DEFAULT_CONFIGURATION][:2] == ["policy", "languages"]


def test_languages_are_read_in_the_form_the_policy_uses():
    config = parse_configuration(configured(languages="zh-Hans, EN-gb, de"))
    assert config.languages == ("zh_Hans", "en_GB", "de")
    errors = errors_of(languages="zh-Hans, EN-gb, de")
    assert "languages" not in errors
    # The default policy has English texts only: the languages reach it in their canonical form.
    assert "add texts.zh_Hans.defect_claim" in errors["policy"][0]


def test_every_setting_is_parsed_to_its_value():
    config = parse_configuration(
        configured(
            languages=" de, en ,, zh_Hans",
            staffNotificationEmails="desk@volt.example, lead@volt.example",
            senderName=" Volt Care ",
            senderAddress=" care@volt.example ",
            escalationContacts="boss@volt.example, group:supervisors",
            customerFavourable="true",
            statutoryMinimums=" Refuse ",
            refundReasonReference=" refund-reasons ",
            templateOverrides='{"en/approved.subject": "Return {{ case_number }} approved"}',
        )
    )
    assert config.languages == ("de", "en", "zh_Hans")
    assert config.contacts == ChannelContacts(
        "Volt Care <care@volt.example>",
        ("desk@volt.example", "lead@volt.example"),
        ("boss@volt.example", "group:supervisors"),
    )
    assert config.customer_favourable is True
    assert config.statutory_minimums is StatutoryMode.REFUSE
    assert config.refund_reason_reference == "refund-reasons"
    assert config.template_overrides == {"en/approved.subject": "Return {{ case_number }} approved"}
    assert config.errors == {}


@pytest.mark.parametrize(
    ("name", "address", "sender"),
    [("", "care@volt.example", "care@volt.example"), ("Volt", "", ""), ("", "", "")],
)
def test_the_sender_needs_an_address_and_carries_the_name_when_there_is_one(name, address, sender):
    assert parse_configuration(configured(senderName=name, senderAddress=address)).sender == sender


@pytest.mark.parametrize(("stored", "on"), [(True, True), ("True", True), ("false", False), (False, False)])
def test_saleor_stores_the_switch_as_a_boolean_or_as_text(stored, on):
    assert parse_configuration(configured(customerFavourable=stored)).customer_favourable is on


def test_each_bad_setting_gets_its_message_on_its_field():
    errors = errors_of(
        policy=DEFAULT_POLICY.replace("defaults:\n", "defaults:\n  languages: [en]\n"),
        languages="en, klingon",
        staffNotificationEmails="desk@volt.example, desk",
        escalationContacts="group:supervisors, boss@",
        senderAddress="care at volt",
        statutoryMinimums="strict",
    )
    assert errors == {
        "statutoryMinimums": [
            "'strict' is not a choice: write 'warn' (publish and warn) or 'refuse' (refuse a policy that offers "
            "less than the law's minimum withdrawal period in a country it serves)."
        ],
        "languages": [
            "'klingon' is not a known language tag: use a BCP 47 or CLDR language tag such as 'en', 'en-GB', "
            "'zh-Hans' or 'zh_Hans'."
        ],
        "staffNotificationEmails": ["'desk' is not an email address (name@example.com)."],
        "escalationContacts": ["'boss@' is not an email address (name@example.com)."],
        "senderAddress": ["'care at volt' is not an email address (shop@example.com)."],
    }


def test_a_bad_setting_reads_as_its_default_at_run_time():
    config = parse_configuration(configured(statutoryMinimums="strict", templateOverrides="[1]"))
    assert config.statutory_minimums is StatutoryMode.WARN and config.template_overrides == {}
    assert set(config.errors) == {"statutoryMinimums", "templateOverrides"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{nope", "Template overrides must be JSON: Expecting property name enclosed in double quotes: line 1 "
                  "column 2 (char 1)."),
        ('["en/approved.subject"]', 'Template overrides must be a JSON object such as {"en/approved.subject": '
                                    '"Return {{ case_number }} approved"}.'),
        ('{"en/nope.subject": "x"}', "en/nope.subject: unknown event 'nope'; known events: request_received, "
                                     "approved, declined, item_received, inspection_result, refund_issued, "
                                     "store_credit_issued, exchange_shipped, repair_quote, repair_status, "
                                     "complaint_acknowledged, complaint_resolved, reply, policy_reminder, "
                                     "staff_new_case, staff_sla_warning, staff_resolution_failed, staff_escalation, staff_escalated."),
        ('{"en/approved.subject": "{{ nope }}"}', "en/approved.subject, line 1: unknown variable 'nope'; this "
                                                  "template may use: case_kind, case_number, customer_email, "
                                                  "items, language, message, order_number, refund_amount, "
                                                  "return_instructions, return_required, shop_name, status, "
                                                  "time_zone."),
    ],
)  # fmt: skip
def test_template_overrides_are_read_and_test_rendered(text, message):
    assert errors_of(templateOverrides=text) == {"templateOverrides": [message]}


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        pytest.param("  ", "Enter a policy; the default one is a good start.", id="empty"),
        pytest.param(None, "Enter a policy; the default one is a good start.", id="none"),
        pytest.param(
            "a: [1",
            "Invalid YAML: did not find expected ',' or ']'. (line 2, column 1)",
            id="not parsed, says where",
        ),
        pytest.param(
            "schema_version: 1.1\nname: x\ndefaults: {window: {days: -3}}\nrules: []\n",
            "The policy has 1 error(s):\n"
            "$.defaults.window.days: defaults.window.days is -3; it must be between 0 and 3650.",
            id="every error with its path",
        ),
        pytest.param(
            DEFAULT_POLICY.replace("defaults:\n", "defaults:\n  currency: jpy\n"),
            "The policy has 1 error(s):\n$.defaults.currency: defaults.currency is JPY, but channel 'eu' sells in "
            "EUR: set currency: EUR (or leave it out to use the channel's) and give every fixed amount a EUR value.",
            id="another currency than the channel's",
        ),
    ],
)
def test_a_refused_policy_gets_its_message_on_the_policy_field(policy, message):
    assert errors_of(policy=policy) == {"policy": [message]}


def test_refuse_mode_refuses_a_policy_below_the_statutory_minimum():
    policy = DEFAULT_POLICY.replace("window: {days: 7,", "window: {days: 10,")
    assert errors_of(policy=policy) == {}
    (message,) = errors_of(policy=policy, statutoryMinimums="refuse")["policy"]
    assert message.startswith(
        "The channel refuses policies below the statutory minimums (statutoryMinimums: refuse); 1 problem(s):\n"
    )
    assert "14" in message


def test_the_policy_is_completed_from_the_channel_and_the_settings():
    config = parse_configuration(configured(languages="en", customerFavourable=True))
    data, source_format = read_policy(config, EU)
    assert source_format == "yaml"
    defaults = data["defaults"]
    assert (defaults["currency"], defaults["country"], defaults["time_zone"]) == ("EUR", "DE", "UTC")
    assert defaults["languages"] == ["en"] and defaults["customer_favourable"] is True
    kept = complete_policy(
        {"defaults": {"currency": "EUR", "languages": ["fr"], "time_zone": "Europe/Paris"}}, config, EU
    )
    assert kept["defaults"] == {
        "currency": "EUR",
        "languages": ["fr"],
        "time_zone": "Europe/Paris",
        "customer_favourable": True,
        "country": "DE",
    }
    assert complete_policy({"defaults": "odd"}, config, EU) == {"defaults": "odd"}


def test_the_delivery_status_says_ok_or_what_stops_emails():
    assert delivery_status([]) == "OK: e-mails are delivered through Saleor's mail backend."
    assert (
        delivery_status(["No mail backend.", "Set EMAIL_URL."]) == "Warning: No mail backend. Set EMAIL_URL."
    )


def test_the_default_policy_ships_with_the_package():
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    patterns = [part.strip() for part in setup["options.package_data"]["saleor_aftersales_plugin"].split(",")]
    assert any(fnmatch.fnmatch("default_policy.yaml", pattern) for pattern in patterns)
    assert DEFAULT_POLICY == (ROOT / "saleor_aftersales_plugin" / "default_policy.yaml").read_text()
