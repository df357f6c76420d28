"""Bounded, total validation: hostile policy text is refused quickly with a clear error, and everything that
`policy check` accepts can be published in every language and evaluated."""

import json
import time
from decimal import Decimal
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_strategies import case_facts, policy_documents

from saleor_aftersales_plugin.publishing import FORMATS, SUPPORTED, render_policy_text
from saleor_aftersales_plugin.rules.engine import CompiledPolicy
from saleor_aftersales_plugin.rules.source import MAX_NESTING
from saleor_aftersales_plugin.rules.validation import PolicyInvalid, parse_policy, validate_policy

HEAD = "schema_version: 1.1\ndefaults: {currency: EUR, country: DE, time_zone: Europe/Berlin}\n"


def refused(text: str) -> list[tuple[str, str, str]]:
    started = time.perf_counter()
    with pytest.raises(PolicyInvalid) as raised:
        parse_policy(text)
    assert time.perf_counter() - started < 2, "refusing took too long"
    return [(e.path, e.code, e.message) for e in raised.value.errors]


def test_duplicate_keys_are_refused_in_json_and_yaml():
    [(path, code, message)] = refused('{"schema_version": 1.1, "rules": [], "rules": []}')
    assert (path, code) == ("$", "syntax_error")
    assert "'rules'" in message or '"rules"' in message
    assert "appears twice" in message and "line 1" in message
    [(path, code, message)] = refused(HEAD + "rules: []\nrules: []\n")
    assert code == "syntax_error" and "appears twice" in message and "line 4" in message


def test_yaml_merge_keys_may_still_be_overridden():
    text = HEAD.replace("defaults: {", "base: &base {days: 7}\ndefaults: {window: {<<: *base, days: 30}, ")
    # 'base' is no policy key: the alias is read (not refused) and the unknown key reported.
    errors = refused(text)
    assert [(p, c) for p, c, _ in errors] == [("$.base", "unknown_key")]


def test_alias_bomb_is_refused_before_it_expands():
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for index, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[index]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    bomb = "\n".join(lines) + "\n"
    assert len(bomb.encode()) < 1_000
    [(path, code, message)] = refused(bomb)
    assert code == "syntax_error" and "aliases" in message and "expand" in message


def test_deep_nesting_gives_a_clear_error_not_a_recursion_error():
    [(_, code, message)] = refused("[" * 5_000 + "]" * 5_000)
    assert code == "syntax_error" and f"more than {MAX_NESTING} levels" in message
    [(_, code, message)] = refused("rules: " + "[" * 1_000 + "]" * 1_000 + "\n")
    assert code == "syntax_error" and "nest" in message and "line 1" in message
    node: Any = {"name": "quantity", "operator": "greater_than", "value": 0}
    for _ in range(900):
        node = {"all": [node]}
    document = yaml.safe_load(HEAD)
    document["rules"] = [{"id": "deep", "conditions": node, "actions": [{"name": "auto_approve"}]}]
    [error] = validate_policy(document)
    assert error.code == "too_deep" and "more than 8 levels" in error.message


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("NaN", "wrong_type"),
        ("Infinity", "wrong_type"),
        ("1e400", "out_of_range"),
        ("1e50000000", "out_of_range"),
        ("9" * 5_000, "out_of_range"),
        ("0.00001", "out_of_range"),
    ],
)
def test_non_finite_huge_and_over_precise_numbers_are_refused(value, code):
    text = (
        '{"schema_version": 1.1, "defaults": {"currency": "EUR", "country": "DE", "time_zone": "Europe/Berlin"},'
        f' "sla": {{"return": {{"first_response_hours": {value}}}}}}}'
    )
    [(path, found, message)] = refused(text)
    assert (path, found) == ("$.sla.return.first_response_hours", code)
    assert len(message) < 300


def test_huge_yaml_integer_is_out_of_range():
    [(path, code, _)] = refused(
        HEAD + "name: x\nsla: {return: {first_response_hours: " + "9" * 5_000 + "}}\n"
    )
    assert (path, code) == ("$.sla.return.first_response_hours", "out_of_range")


def test_unpaired_surrogates_and_control_characters_are_refused():
    text = (
        '{"schema_version": 1.1, "name": "Shop \\ud800", '
        '"defaults": {"currency": "EUR", "country": "DE", "time_zone": "Europe/Berlin"}}'
    )
    [(path, code, message)] = refused(text)
    assert (path, code) == ("$.name", "invalid_text") and "U+D800" in message
    [(path, code, message)] = refused(HEAD + 'name: "Shop\\x07"\n')
    assert (path, code) == ("$.name", "invalid_text") and "control character" in message


def test_null_parameters_take_their_defaults():
    text = HEAD + (
        "rules:\n- id: photos\n  conditions: {all: [{name: quantity, operator: greater_than, value: 0}]}\n"
        "  actions: [{name: require_photos, params: {count: null}}, {name: allow, params: {reason: null}}]\n"
    )
    policy = parse_policy(text)
    assert policy.rules[0].actions[0] == {"name": "require_photos", "params": {}}
    decision = CompiledPolicy(policy).decide(_one_case(), explain=True)
    assert decision.lines[0].photos_required == 1


def _one_case():
    from hypothesis import find

    return find(case_facts(), lambda facts: True)


# --- everything `policy check` accepts can be published in every language and evaluated

TIME_BUDGET_SECONDS = 5.0
examples_run = {"accepted": 0, "refused": 0}

hostile_texts = st.text(
    alphabet=st.characters(codec=None, exclude_categories=()), max_size=30
) | st.sampled_from(["", " ", "\x00", "\ud800", "a\u2028b", "<script>", "{{ x }}", "%s", "\u202e"])
hostile_numbers = st.sampled_from(
    [
        0,
        1,
        -1,
        3650,
        3651,
        8760,
        8761,
        10**9,
        10**12,
        -(10**12),
        10**13,
        "1e400",
        "-0",
        "0.0001",
        "0.00001",
        "NaN",
    ]
)


def _to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_json(item) for item in value]
    return value


@st.composite
def policy_texts(draw: st.DrawFn) -> str:
    document = draw(policy_documents(max_rules=4))
    document["defaults"]["languages"] = draw(st.sampled_from([["en"], ["en", "zh_Hans"], ["zh_Hans"]]))
    hostile = draw(st.integers(0, 2)) == 0  # a third of the documents are hostile, the rest mostly valid
    document["name"] = draw(hostile_texts if hostile else st.sampled_from(["", "Shop", "商店 & <Co>"]))
    if draw(st.booleans()):
        document["calendar"] = {
            "working_hours": draw(
                st.sampled_from([{"start": "09:00", "end": "17:00"}, {"start": "00:00", "end": "00:01"}])
            ),
            "working_days": draw(st.sampled_from([["mon"], ["sun"], ["mon", "tue", "wed", "thu", "fri"]])),
        }
    numeric_places = [
        ("defaults", "window", "days"),
        ("defaults", "warranty_months"),
        ("defaults", "store_credit_bonus"),
        ("sla", "return", "first_response_hours"),
        ("sla", "complaint", "resolution_working_days"),
    ]
    for place in draw(st.lists(st.sampled_from(numeric_places), max_size=3 if hostile else 0)):
        node = document
        for key in place[:-1]:
            node = node.setdefault(key, {})
        node[place[-1]] = draw(hostile_numbers)
    for rule in document["rules"]:
        if hostile and draw(st.integers(0, 2)) == 0:
            rule["description"] = draw(hostile_texts)
        if hostile and draw(st.integers(0, 2)) == 0:
            rule["priority"] = draw(hostile_numbers)
        for action in rule["actions"]:
            params = action.get("params") or {}
            for key in list(params):
                if hostile and isinstance(params[key], int | Decimal) and draw(st.integers(0, 2)) == 0:
                    params[key] = draw(hostile_numbers)
    if draw(st.booleans()):
        document["texts"] = {
            language: {
                "final_sale": draw(hostile_texts if hostile else st.just("Final sale.")),
                "hygiene": "x",
                "ok": "ok",
                "goodwill": "y",
            }
            for language in document["defaults"]["languages"]
        }
    form = draw(st.sampled_from(["json", "yaml"]))
    if form == "json":
        text = json.dumps(_to_json(document), ensure_ascii=draw(st.booleans()))
        for raw in ('"1e400"', '"NaN"', '"-0"', '"0.0001"', '"0.00001"'):
            text = text.replace(raw, raw.strip('"'))
    else:
        try:
            text = yaml.safe_dump(_to_json(document), allow_unicode=draw(st.booleans()), sort_keys=False)
        except yaml.YAMLError:  # PyYAML cannot write some characters (e.g. lone surrogates) at all
            text = json.dumps(_to_json(document))
    if hostile and draw(st.booleans()):  # a typo somewhere in the text
        position = draw(st.integers(0, max(len(text) - 1, 0)))
        text = (
            text[:position]
            + draw(st.sampled_from(["", "x", "{", "]", ":", "\n", '"', "&a ", "*a"]))
            + text[position + 1 :]
        )
    return text


_warm = []


def _warm_up(cases: list) -> None:
    """Load holiday tables and compile templates once, so the time budget measures the document alone."""
    if not _warm:
        policy = parse_policy(HEAD.replace("currency: EUR", "currency: EUR, languages: [en, zh_Hans]"))
        for language in SUPPORTED:
            for fmt in FORMATS:
                render_policy_text(policy, language, fmt=fmt)
        CompiledPolicy(policy).decide(cases[0], explain=True)
        _warm.append(True)


def _publish_and_evaluate(text: str, cases: list) -> None:
    _warm_up(cases)
    started = time.perf_counter()
    try:
        policy = parse_policy(text)
    except PolicyInvalid as invalid:
        assert invalid.errors and all(e.code != "internal_error" for e in invalid.errors), invalid.errors
        examples_run["refused"] += 1
    else:
        examples_run["accepted"] += 1
        for language in SUPPORTED:
            for fmt in FORMATS:
                rendered = render_policy_text(policy, language, fmt=fmt)
                assert rendered.strip()
        compiled = CompiledPolicy(policy)
        for facts in cases:
            decision = compiled.decide(facts, explain=True)
            assert len(decision.lines) == len(facts.lines)
    elapsed = time.perf_counter() - started
    assert elapsed < TIME_BUDGET_SECONDS, f"{elapsed:.1f} s for one document"


FAST = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


@FAST
@given(text=policy_texts(), cases=st.lists(case_facts(), min_size=1, max_size=2))
def test_whatever_check_accepts_publishes_and_evaluates(text, cases):
    _publish_and_evaluate(text, cases)


@settings(FAST, max_examples=3_000)
@given(text=policy_texts(), cases=st.lists(case_facts(), min_size=1, max_size=2))
def _long_run(text, cases):
    _publish_and_evaluate(text, cases)


@pytest.mark.slow
def test_whatever_check_accepts_publishes_and_evaluates_long(request):
    if "slow" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("the long run: pytest -m slow tests/rules/test_policy_bounds.py")
    _long_run()


def test_zz_report_example_counts():
    print(f"\npolicy texts: {examples_run['accepted']} accepted, {examples_run['refused']} refused")
    assert examples_run["accepted"] + examples_run["refused"] == 0 or examples_run["accepted"] > 0
