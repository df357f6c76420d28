"""The command line, run as a real subprocess."""

import json
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from saleor_aftersales_plugin.domain.facts_json import FactsInvalid, case_facts_from_dict, case_facts_to_dict

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
CASES = EXAMPLES / "cases"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "saleor_aftersales_plugin", *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("example", "summary"),
    [
        ("cross-border-shop.yaml", "OK: 丝路优选 Silk Road Select — 8 rules"),
        ("electronics-shop.yaml", "OK: Volt Electronics — 6 rules"),
    ],
)
def test_the_shipped_examples_pass_check_without_warnings(example, summary):
    result = run("policy", "check", str(EXAMPLES / example))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [summary]
    assert "warning" not in result.stdout + result.stderr
    strict = run("policy", "check", "--strict", str(EXAMPLES / example))
    assert strict.returncode == 0 and strict.stdout == result.stdout


def test_check_warns_below_a_statutory_minimum_and_strict_refuses(tmp_path):
    seven_days = tmp_path / "seven-days.yaml"
    seven_days.write_text(
        (EXAMPLES / "electronics-shop.yaml")
        .read_text(encoding="utf-8")
        .replace("window: {days: 14,", "window: {days: 7,"),
        encoding="utf-8",
    )
    result = run("policy", "check", str(seven_days))
    assert result.returncode == 0, result.stdout + result.stderr
    warning, summary = result.stdout.splitlines()
    assert warning.startswith(
        "$.defaults.window: [below_statutory_minimum] warning: For orders delivered to DE, a return without a "
        "reason gets 7 calendar days from delivery, but the law gives consumers 14 days"
    )
    assert "[source: Directive 2011/83/EU on consumer rights, Article 9" in warning
    assert summary == "OK: Volt Electronics — 6 rules, 1 warning"
    strict = run("policy", "check", "--strict", str(seven_days))
    assert strict.returncode == 1
    assert strict.stdout.splitlines() == [warning]
    assert strict.stderr.strip().endswith(
        "seven-days.yaml: refused by --strict: Volt Electronics — 6 rules, 1 warning."
    )


def test_check_warns_about_a_threshold_without_the_shops_currency(tmp_path):
    policy = tmp_path / "usd-threshold.yaml"
    policy.write_text(
        "schema_version: 1.1\n"
        "defaults: {currency: EUR, country: DE, time_zone: Europe/Berlin, window: {days: 14}}\n"
        "rules:\n"
        "  - id: big-orders\n"
        "    conditions: {all: [{name: order_total, operator: greater_than, value: {USD: '500.00'}}]}\n"
        "    actions: [{name: require_review}]\n",
        encoding="utf-8",
    )
    result = run("policy", "check", str(policy))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines() == [
        "$.rules[0].conditions.all[0].value: [no_threshold_in_currency] warning: order_total greater_than gives a "
        "threshold in USD but not in EUR, the currency of defaults.currency that this channel's orders are in; "
        "amounts are never converted, so for those orders this condition never matches. Add a EUR amount if it "
        "should.",
        "OK: usd-threshold.yaml — 1 rule, 1 warning",
    ]
    assert run("policy", "check", "--strict", str(policy)).returncode == 1


def test_check_lists_every_error_with_its_path(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "\n".join(
            [
                "schema_version: 1.1",
                "defaults: {currency: EURO, country: DE, time_zone: Europe/Berlin}",
                "rules:",
                "  - id: defects",
                "    conditions: {all: [{name: days_since_delivry, operator: less_than, value: 30}]}",
                "    actions: [{name: set_window, params: {days: seven}}]",
                "  - id: defects",
                "    conditions: {any: [{name: quantity, operator: starts_with, value: '1'}]}",
                "    actions: [{name: set_store_credit_bonus, params: {percent: -5}}]",
            ]
        ),
        encoding="utf-8",
    )
    result = run("policy", "check", str(broken))
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        "$.defaults.currency: [unknown_currency] 'EURO' is not an ISO 4217 currency code; use a code such as "
        "'EUR', 'USD' or 'CNY'.",
        "$.rules[0].conditions.all[0].name: [unknown_variable] Unknown variable 'days_since_delivry'. "
        "Did you mean 'days_since_delivery'?",
        "$.rules[0].actions[0].params.days: [wrong_type] 'seven' is text but set_window.days needs a number, e.g. 7.",
        "$.rules[1].id: [duplicate_id] Rule id 'defects' is already used by rules[0]; every rule needs its own id.",
        "$.rules[1].conditions.any[0].operator: [unknown_operator] 'starts_with' is an operator for text, but "
        "quantity is a number: use one of equal_to, greater_than, greater_than_or_equal_to, less_than, "
        "less_than_or_equal_to.",
        "$.rules[1].actions[0].params.percent: [out_of_range] set_store_credit_bonus.percent is -5; it must be "
        "between 0 and 100.",
    ]
    assert "6 errors" in result.stderr


def test_check_syntax_error(tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"schema_version": 1.1,\n "defaults": }', encoding="utf-8")
    result = run("policy", "check", str(broken))
    assert result.returncode == 1
    assert result.stdout.startswith("$: [syntax_error] Invalid JSON")
    assert "line 2" in result.stdout


def test_missing_file_exits_2():
    result = run("policy", "check", "no/such/policy.yaml")
    assert result.returncode == 2
    assert "'no/such/policy.yaml' does not exist" in result.stderr
    assert result.stdout == ""


def test_explain_text():
    result = run(
        "policy",
        "explain",
        str(EXAMPLES / "electronics-shop.yaml"),
        "--case",
        str(CASES / "tv-opened-5-days.json"),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Eligible: yes" in result.stdout
    assert "fee restocking: 194.85" in result.stdout
    assert "opened-electronics-restocking" in result.stdout


def test_explain_json():
    result = run(
        "policy",
        "explain",
        str(EXAMPLES / "electronics-shop.yaml"),
        "--case",
        str(CASES / "tv-defective-20-days.json"),
        "--json",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    decision = json.loads(result.stdout)
    assert decision["eligible"] is True
    assert decision["refund"]["fees"] == []
    [line] = decision["lines"]
    assert line["window"]["days"] == 30
    assert line["decided_by"]["window"] == "defects-30-days"


def test_explain_every_example_case():
    expected = {
        "tv-defective-20-days.json": ("electronics-shop.yaml", True, ["defect_claim"]),
        "tv-opened-5-days.json": ("electronics-shop.yaml", True, []),
        "final-sale-item.json": ("electronics-shop.yaml", False, ["final_sale"]),
        "cn-order-8-days.json": ("cross-border-shop.yaml", False, ["window_expired"]),
    }
    assert sorted(expected) == sorted(path.name for path in CASES.glob("*.json"))
    for case, (policy, eligible, reasons) in expected.items():
        result = run("policy", "explain", str(EXAMPLES / policy), "--case", str(CASES / case), "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        decision = json.loads(result.stdout)
        assert decision["eligible"] is eligible, case
        assert decision["lines"][0]["reasons"] == reasons, case


def test_explain_reports_case_errors_with_paths(tmp_path):
    case = json.loads((CASES / "tv-opened-5-days.json").read_text(encoding="utf-8"))
    case["now"] = "2026-03-08T18:45:00"
    case["lines"][0]["line_id"] = "line-2"
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    result = run("policy", "explain", str(EXAMPLES / "electronics-shop.yaml"), "--case", str(path))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("$.now: ") and "time zone offset" in lines[0]
    assert lines[1].startswith("$.lines[0].line_id: The order has no line 'line-2'.")


def test_explain_missing_case_exits_2():
    result = run("policy", "explain", str(EXAMPLES / "electronics-shop.yaml"), "--case", "missing.json")
    assert result.returncode == 2
    assert "case file 'missing.json' does not exist" in result.stderr


def test_docs_prints_the_reference():
    result = run("docs")
    assert result.returncode == 0
    assert result.stdout == (ROOT / "docs" / "policy.md").read_text(encoding="utf-8")


def test_demo_offers_a_single_walkthrough():
    # The walkthrough itself runs in tests/sandbox/test_demo.py; without --once the demo keeps serving.
    result = run("demo", "--help")
    assert result.returncode == 0
    assert "--once" in result.stdout


def test_usage_errors_exit_2():
    assert run().returncode == 2
    assert run("policy", "explain", str(EXAMPLES / "electronics-shop.yaml")).returncode == 2


# --- the case files the CLI reads (domain/facts_json.py) ---


def test_case_files_round_trip():
    for path in sorted(CASES.glob("*.json")):
        facts = case_facts_from_dict(json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal))
        assert case_facts_from_dict(case_facts_to_dict(facts)) == facts, path.name
        assert facts.now.tzinfo is UTC


def test_case_money_is_exact_and_instants_are_utc():
    data = json.loads((CASES / "tv-opened-5-days.json").read_text(encoding="utf-8"))
    data["order"]["total"] = 1299.1
    data["order"]["lines"][0]["unit_price"] = "0.10"
    data["order"]["lines"][0].pop("paid_total")
    data["order"]["lines"][0].pop("quantity_fulfilled")
    data["order"]["customer_id"] = None
    facts = case_facts_from_dict(data)
    line = facts.order.lines[0]
    assert facts.order.total == Decimal("1299.1")
    assert (line.unit_price, line.paid_total, line.quantity_fulfilled) == (
        Decimal("0.10"),
        Decimal("0.10"),
        1,
    )
    assert facts.order.is_guest
    assert facts.now == datetime(2026, 3, 8, 17, 45, tzinfo=UTC)


def test_case_errors_carry_json_paths():
    data = json.loads((CASES / "tv-opened-5-days.json").read_text(encoding="utf-8"))
    data["kind"] = "refund"
    data["order"]["created_at"] = "2026-03-01 10:15"
    data["order"]["lines"][0]["unit_price"] = "12,50"
    data["order"]["lines"][0]["product"]["is_gift_card"] = "no"
    data["lines"][0]["quantity"] = 0
    data["lines"][0]["conditon"] = "opened"
    with pytest.raises(FactsInvalid) as raised:
        case_facts_from_dict(data)
    assert [path for path, _ in raised.value.errors] == [
        "$.kind",
        "$.order.created_at",
        "$.order.lines[0].unit_price",
        "$.order.lines[0].product.is_gift_card",
        "$.lines[0].conditon",
        "$.lines[0].quantity",
    ]
    assert "Did you mean 'condition'?" in str(raised.value)


def test_preview_prints_the_published_text_in_each_format_and_language():
    text = run("policy", "preview", str(EXAMPLES / "electronics-shop.yaml"))
    assert text.returncode == 0, text.stderr
    assert text.stdout.startswith(
        "Volt Electronics: Returns, repairs and complaints policy\n========================================================\n"
    )
    assert "You can return items for any reason within 14 days after delivery." in text.stdout
    html = run(
        "policy",
        "preview",
        str(EXAMPLES / "electronics-shop.yaml"),
        "--language",
        "zh_Hans",
        "--format",
        "html",
    )
    assert html.returncode == 0 and html.stderr == ""
    assert html.stdout.startswith('<article class="policy" lang="zh-Hans"')
    assert '<h1 id="policy-title">Volt Electronics：退换货、维修与投诉政策</h1>' in html.stdout
    markdown = run("policy", "preview", str(EXAMPLES / "cross-border-shop.yaml"), "--format", "markdown")
    assert markdown.returncode == 0
    assert markdown.stdout.startswith("# 丝路优选 Silk Road Select：退换货、维修与投诉政策\n")
    assert "\n## 退货期限\n" in markdown.stdout


def test_preview_refuses_bad_input_without_a_traceback(tmp_path):
    unsupported = run("policy", "preview", str(EXAMPLES / "electronics-shop.yaml"), "--language", "fr")
    assert unsupported.returncode == 2 and unsupported.stdout == ""
    assert (
        unsupported.stderr
        == "error: the policy text cannot be written in 'fr'; use --language with one of en, zh_Hans.\n"
    )
    wrong_format = run("policy", "preview", str(EXAMPLES / "electronics-shop.yaml"), "--format", "pdf")
    assert wrong_format.returncode == 2 and "invalid choice: 'pdf'" in wrong_format.stderr
    missing = run("policy", "preview", str(tmp_path / "none.yaml"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema_version: 1\ndefaults: {currency: EUR, country: XX, time_zone: Europe/Berlin}\n")
    invalid = run("policy", "preview", str(broken))
    assert invalid.returncode == 1
    assert invalid.stdout.startswith("$.defaults.country: [unknown_country]")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00")
    unreadable = run("policy", "preview", str(binary))
    assert unreadable.returncode == 2 and "is not UTF-8 text" in unreadable.stderr
    for result in (unsupported, wrong_format, missing, invalid, unreadable):
        assert "Traceback" not in result.stderr
    english_only = tmp_path / "en.yaml"
    english_only.write_text(
        "schema_version: 1\ndefaults: {currency: EUR, country: DE, time_zone: Europe/Berlin}\n"
    )
    note = run("policy", "preview", str(english_only), "--language", "zh_Hans")
    assert note.returncode == 0 and note.stdout.startswith("退换货、维修与投诉政策")
    assert note.stderr.startswith("note: zh_Hans is not among the policy's languages (en)")


def test_explain_shows_a_refund_of_zero_after_fees_and_the_policys_outcome(tmp_path):
    policy = tmp_path / "fees.yaml"
    policy.write_text(
        "schema_version: 1.1\n"
        "defaults: {currency: EUR, country: DE, time_zone: Europe/Berlin, window: {days: 14}, review: auto,"
        " zero_refund: refuse}\n"
        "rules:\n"
        "  - id: handling\n"
        "    conditions: {all: [{name: line_unit_price, operator: greater_than, value: 0}]}\n"
        "    actions: [{name: add_fee, params: {code: restocking, kind: fixed, amount: {EUR: '2000.00'}}}]\n"
    )
    result = run("policy", "explain", str(policy), "--case", str(CASES / "tv-opened-5-days.json"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Line line-1 x1: NOT eligible [refund_zero_after_fees]" in result.stdout
    assert result.stdout.rstrip().endswith(
        "Refund 0.00 after fees on line line-1: 1299.00 before fees (restocking 1299.00); zero_refund: refuse"
    )
    as_json = json.loads(
        run("policy", "explain", str(policy), "--case", str(CASES / "tv-opened-5-days.json"), "--json").stdout
    )
    assert as_json["eligible"] is False and as_json["refund"]["net"] == "0.00"
    assert as_json["zero_refunds"] == [
        {
            "line_id": "line-1",
            "refund_before_fees": "1299.00",
            "fees": [{"code": "restocking", "amount": "1299.00"}],
            "outcome": "refuse",
        }
    ]


def test_a_policy_nested_too_deeply_answers_without_a_traceback(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text('{"schema_version": 1, "rules": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = run("policy", "check", str(deep))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "deep" in (result.stdout + result.stderr).lower()
