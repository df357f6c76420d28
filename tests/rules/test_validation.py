"""Policy validation: every error with its JSON path and code, all at once, in document order; never a crash."""

import copy
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleor_aftersales_plugin.domain.facts import CaseKind
from saleor_aftersales_plugin.rules.document import (
    MAX_ACTIONS_PER_RULE,
    MAX_CONDITION_DEPTH,
    MAX_RULES,
    Policy,
)
from saleor_aftersales_plugin.rules.validation import (
    ERROR_CODES,
    PolicyError,
    PolicyInvalid,
    normalise_policy,
    parse_policy,
    validate_policy,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def base() -> dict[str, Any]:
    return {
        "schema_version": 1.1,
        "name": "Test shop",
        "defaults": {
            "currency": "EUR",
            "country": "DE",
            "time_zone": "Europe/Berlin",
            "languages": ["en", "zh_Hans"],
        },
        "calendar": {"working_days": ["mon", "tue", "wed", "thu", "fri"], "subdivision": "BE"},
        "rules": [
            {
                "id": "defects",
                "priority": 10,
                "conditions": {"all": [{"name": "reason", "operator": "equal_to", "value": "defective"}]},
                "actions": [
                    {"name": "set_window", "params": {"days": 30}},
                    {"name": "add_fee", "params": {"code": "restocking", "kind": "percent", "amount": 15}},
                ],
            },
            {
                "id": "final-sale",
                "conditions": {
                    "any": [
                        {
                            "name": "product_attributes",
                            "operator": "contains_all",
                            "value": ["final-sale:true"],
                        }
                    ]
                },
                "actions": [{"name": "deny", "params": {"reason": "final_sale"}}],
            },
        ],
        "sla": {"complaint": {"first_response_hours": 48, "resolution_working_days": 7}},
        "escalation": {
            "default": [
                {"name": "agent", "after_hours": 0, "notify": ["support@shop.example"]},
                {"name": "supervisor", "after_hours": 24, "notify": ["group:supervisors"]},
            ]
        },
        "texts": {
            "en": {"final_sale": "Final-sale items cannot be returned."},
            "zh_Hans": {"final_sale": "清仓商品不支持退货。"},
        },
    }


def mutated(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    document = copy.deepcopy(base())
    change(document)
    return document


def rule0(document: dict[str, Any]) -> dict[str, Any]:
    return document["rules"][0]


def leaf0(document: dict[str, Any]) -> dict[str, Any]:
    return document["rules"][0]["conditions"]["all"][0]


def action0(document: dict[str, Any]) -> dict[str, Any]:
    return document["rules"][0]["actions"][0]


def nested(depth: int) -> dict[str, Any]:
    node: dict[str, Any] = {"name": "quantity", "operator": "greater_than", "value": 0}
    for _ in range(depth):
        node = {"all": [node]}
    return node


def defaults(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda document: document["defaults"].update(values)


def calendar(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda document: document["calendar"].update(values)


DEFAULTS = "$.defaults"
CALENDAR = "$.calendar"
R0 = "$.rules[0]"
LEAF = f"{R0}.conditions.all[0]"
ACT = f"{R0}.actions[0]"

CASES: list[tuple[str, Callable[[dict[str, Any]], Any], str, str]] = [
    ("missing defaults", lambda d: d.pop("defaults"), "$.defaults", "required"),
    ("missing currency", lambda d: d["defaults"].pop("currency"), "$.defaults.currency", "required"),
    ("defaults is a list", lambda d: d.update(defaults=[]), "$.defaults", "wrong_type"),
    ("unknown top-level key", lambda d: d.update(rulez=[]), "$.rulez", "unknown_key"),
    ("non-string key", lambda d: d.update({1: 2}), "$[1]", "unknown_key"),
    ("schema version 2", lambda d: d.update(schema_version=2), "$.schema_version", "unsupported_version"),
    ("unknown currency", defaults(currency="EUX"), f"{DEFAULTS}.currency", "unknown_currency"),
    ("unknown country", defaults(country="XY"), f"{DEFAULTS}.country", "unknown_country"),
    ("unknown time zone", defaults(time_zone="Europe/Berlinn"), f"{DEFAULTS}.time_zone", "unknown_time_zone"),
    (
        "unknown language",
        defaults(languages=["en", "klingon"]),
        f"{DEFAULTS}.languages[1]",
        "unknown_language",
    ),
    ("review choice", defaults(review="sometimes"), f"{DEFAULTS}.review", "invalid_choice"),
    (
        "duplicate working day",
        calendar(working_days=["mon", "mon"]),
        f"{CALENDAR}.working_days[1]",
        "duplicate_value",
    ),
    ("unknown subdivision", calendar(subdivision="XX"), f"{CALENDAR}.subdivision", "unknown_subdivision"),
    (
        "extra holiday not a date",
        calendar(extra_holidays=["2026-02-30"]),
        f"{CALENDAR}.extra_holidays[0]",
        "invalid_date",
    ),
    (
        "working hours as YAML sexagesimal",
        calendar(working_hours={"start": "09:00", "end": 1020}),
        f"{CALENDAR}.working_hours.end",
        "invalid_time",
    ),
    (
        "working hours reversed",
        calendar(working_hours={"start": "18:00", "end": "09:00"}),
        f"{CALENDAR}.working_hours.end",
        "out_of_range",
    ),
    (
        "escalation goes back in time",
        lambda d: d["escalation"]["default"].append({"name": "manager", "after_hours": 12}),
        "$.escalation.default[2].after_hours",
        "out_of_order",
    ),
    (
        "bad recipient",
        lambda d: d["escalation"]["default"][0].update(notify=["support at shop"]),
        "$.escalation.default[0].notify[0]",
        "invalid_recipient",
    ),
    ("rule id with spaces", lambda d: rule0(d).update(id="Final Sale"), f"{R0}.id", "invalid_id"),
    ("duplicate rule id", lambda d: d["rules"][1].update(id="defects"), "$.rules[1].id", "duplicate_id"),
    (
        "too many actions",
        lambda d: rule0(d).update(actions=[{"name": "auto_approve"}] * (MAX_ACTIONS_PER_RULE + 1)),
        f"{R0}.actions",
        "too_many",
    ),
    (
        "too deep",
        lambda d: rule0(d).update(conditions=nested(MAX_CONDITION_DEPTH + 1)),
        f"{R0}.conditions" + ".all[0]" * MAX_CONDITION_DEPTH,
        "too_deep",
    ),
    ("unknown variable", lambda d: leaf0(d).update(name="reasn"), f"{LEAF}.name", "unknown_variable"),
    (
        "unknown operator",
        lambda d: leaf0(d).update(operator="equals"),
        f"{LEAF}.operator",
        "unknown_operator",
    ),
    (
        "value on a no-value operator",
        lambda d: leaf0(d).update(name="is_guest", operator="is_true", value=False),
        f"{LEAF}.value",
        "unexpected_value",
    ),
    (
        "broken regex",
        lambda d: leaf0(d).update(operator="matches_regex", value="(defect"),
        f"{LEAF}.value",
        "invalid_regex",
    ),
    ("unknown action", lambda d: action0(d).update(name="set_windows"), f"{ACT}.name", "unknown_action"),
    ("unknown param", lambda d: action0(d)["params"].update(dayz=3), f"{ACT}.params.dayz", "unknown_param"),
    ("missing param", lambda d: action0(d).update(params={}), f"{ACT}.params.days", "required"),
    (
        "days as text",
        lambda d: action0(d).update(params={"days": "seven"}),
        f"{ACT}.params.days",
        "wrong_type",
    ),
    (
        "days too long",
        lambda d: action0(d).update(params={"days": 4000}),
        f"{ACT}.params.days",
        "out_of_range",
    ),
    (
        "anchor choice",
        lambda d: action0(d)["params"].update(anchor="delivered"),
        f"{ACT}.params.anchor",
        "invalid_choice",
    ),
    (
        "unknown escalation path",
        lambda d: action0(d).update(name="set_escalation_path", params={"path": "vip"}),
        f"{ACT}.params.path",
        "unknown_escalation_path",
    ),
    (
        "waive an unknown fee",
        lambda d: action0(d).update(name="waive_fee", params={"code": "restockin"}),
        f"{ACT}.params.code",
        "unknown_fee",
    ),
    (
        "control character in a text",
        lambda d: d["texts"]["en"].update(final_sale="Final\x00sale"),
        "$.texts.en.final_sale",
        "invalid_text",
    ),
    (
        "unpaired surrogate in a name",
        lambda d: d.update(name="Shop \ud800"),
        "$.name",
        "invalid_text",
    ),
    ("name too long", lambda d: d.update(name="x" * 101), "$.name", "too_long"),
    (
        "listed-value variable with an unknown value",
        lambda d: leaf0(d).update(value="change_of_mind"),
        f"{LEAF}.value",
        "invalid_choice",
    ),
    (
        "bare fee amount",
        lambda d: action0(d).update(name="charge_return_shipping", params={"amount": 5}),
        f"{ACT}.params.amount",
        "amount_without_currency",
    ),
    (
        "amount with more decimals than the currency",
        lambda d: action0(d).update(
            name="charge_return_shipping", params={"amount": {"EUR": 5, "JPY": "4.95"}}
        ),
        f"{ACT}.params.amount.JPY",
        "too_many_decimals",
    ),
    (
        "amount without the shop's currency",
        lambda d: action0(d).update(
            name="cap_fees", params={"amount": {"amount": "5.00", "currency": "USD"}}
        ),
        f"{ACT}.params.amount",
        "missing_currency",
    ),
    (
        "catalogue reason whose parent is not listed before it",
        lambda d: d.update(
            reasons=[
                {"code": "no_reason", "labels": {"en": "None", "zh_Hans": "无"}, "no_reason": True},
                {"code": "broken", "labels": {"en": "Broken", "zh_Hans": "坏了"}, "parent": "faulty"},
            ]
        ),
        "$.reasons[1].parent",
        "unknown_reason",
    ),
    (
        "reason without text",
        lambda d: action0(d).update(name="deny", params={"reason": "hygiene"}),
        f"{ACT}.params.reason",
        "missing_text",
    ),
]


@pytest.mark.parametrize(("change", "path", "code"), [case[1:] for case in CASES], ids=[c[0] for c in CASES])
def test_each_error_has_its_path_and_code(change, path, code):
    errors = validate_policy(mutated(change))
    assert (path, code) in [(e.path, e.code) for e in errors], errors


def test_the_base_document_and_the_examples_are_valid():
    assert validate_policy(base()) == []
    for example in sorted(EXAMPLES.glob("*.yaml")):
        policy = parse_policy(example.read_text(encoding="utf-8"))
        assert isinstance(policy, Policy)
        assert policy.rules, example


def test_every_error_code_is_covered_and_documented():
    covered = {case[3] for case in CASES} | {"syntax_error", "too_many", "internal_error"}
    assert covered == set(ERROR_CODES)


def test_syntax_error_has_line_and_column():
    with pytest.raises(PolicyInvalid) as raised:
        parse_policy("schema_version: 1.1\ndefaults: {currency: EUR\nrules: []\n")
    [error] = raised.value.errors
    assert (error.path, error.code) == ("$", "syntax_error")
    assert "line 3" in error.message and "column" in error.message


def test_too_many_rules():
    rule = base()["rules"][1]
    document = mutated(lambda d: d.update(rules=[dict(rule, id=f"r{i}") for i in range(MAX_RULES + 1)]))
    errors = validate_policy(document)
    assert [(e.path, e.code) for e in errors] == [("$.rules", "too_many")]


def test_closest_name_suggestions():
    document = mutated(lambda d: leaf0(d).update(name="days_since_delivry", operator="less_than", value=7))
    [error] = validate_policy(document)
    assert error.message == "Unknown variable 'days_since_delivry'. Did you mean 'days_since_delivery'?"
    [error] = validate_policy(mutated(lambda d: d.update(escalaton={})))
    assert "Did you mean 'escalation'?" in error.message
    [error] = validate_policy(mutated(lambda d: action0(d).update(name="set_windw")))
    assert "Did you mean 'set_window'?" in error.message
    [error] = validate_policy(mutated(lambda d: d["defaults"].update(time_zone="europe/berlin")))
    assert "Did you mean 'Europe/Berlin'?" in error.message


def test_text_where_a_number_is_needed():
    [error] = validate_policy(mutated(lambda d: action0(d).update(params={"days": "seven"})))
    assert error.message == "'seven' is text but set_window.days needs a number, e.g. 7."


def test_negative_percentage():
    change = lambda d: action0(d).update(name="set_store_credit_bonus", params={"percent": -5})  # noqa: E731
    [error] = validate_policy(mutated(change))
    assert (error.path, error.code) == (f"{ACT}.params.percent", "out_of_range")
    assert "-5" in error.message and "between 0 and 100" in error.message


def test_percent_fee_above_100():
    change = lambda d: rule0(d)["actions"][1]["params"].update(amount=150)  # noqa: E731
    [error] = validate_policy(mutated(change))
    assert (error.path, error.code) == (f"{R0}.actions[1].params.amount", "out_of_range")


def test_text_operator_on_a_number_variable():
    change = lambda d: leaf0(d).update(name="days_since_delivery", operator="starts_with", value="1")  # noqa: E731
    [error] = validate_policy(mutated(change))
    assert (error.path, error.code) == (f"{LEAF}.operator", "unknown_operator")
    assert "operator for text" in error.message and "days_since_delivery is a number" in error.message
    assert "less_than_or_equal_to" in error.message


def test_numeric_value_must_be_a_number_not_text_or_bool():
    for value in ("7", True, None, float("nan")):
        change = lambda d, v=value: leaf0(d).update(name="quantity", operator="greater_than", value=v)  # noqa: E731
        [error] = validate_policy(mutated(change))
        assert (error.path, error.code) == (f"{LEAF}.value", "wrong_type"), value


def test_list_operator_needs_a_non_empty_list():
    change = lambda d: leaf0(d).update(name="category", operator="contains_all", value=[])  # noqa: E731
    [error] = validate_policy(mutated(change))
    assert (error.path, error.code) == (f"{LEAF}.value", "required")


def test_conditions_need_all_or_any_alone():
    document = mutated(lambda d: rule0(d).update(conditions={"all": [], "any": [nested(0)], "note": 1}))
    assert [(e.path, e.code) for e in validate_policy(document)] == [
        (f"{R0}.conditions.all", "required"),
        (f"{R0}.conditions.any", "unknown_key"),
        (f"{R0}.conditions.note", "unknown_key"),
    ]


def test_many_errors_at_once_in_document_order():
    def break_everything(d: dict[str, Any]) -> None:
        d["defaults"].update(currency="EURO", window={"days": -1})
        leaf0(d).update(name="reasn")
        action0(d)["params"].update(days="seven")
        d["rules"][1]["actions"][0]["params"].update(reason="")
        d["escalation"]["default"][1].update(notify=["nobody"])
        d["texts"]["fr"] = {"final_sale": "Pas de retour."}

    errors = validate_policy(mutated(break_everything))
    assert [(e.path, e.code) for e in errors] == [
        ("$.defaults.currency", "unknown_currency"),
        ("$.defaults.window.days", "out_of_range"),
        (f"{LEAF}.name", "unknown_variable"),
        (f"{ACT}.params.days", "wrong_type"),
        ("$.rules[1].actions[0].params.reason", "required"),
        ("$.escalation.default[1].notify[0]", "invalid_recipient"),
        ("$.texts.fr", "unknown_language"),
    ]
    with pytest.raises(PolicyInvalid) as raised:
        parse_policy(mutated(break_everything))
    assert raised.value.errors == errors
    assert str(raised.value).splitlines() == [str(e) for e in errors]
    assert str(errors[0]).startswith("$.defaults.currency: [unknown_currency] ")


def test_missing_text_names_the_language():
    document = mutated(lambda d: d["texts"]["zh_Hans"].clear())
    [error] = validate_policy(document)
    assert (error.path, error.code) == ("$.rules[1].actions[0].params.reason", "missing_text")
    assert "zh_Hans" in error.message


def test_waive_all_fees_and_return_shipping_are_always_known():
    for code in ("*", "return_shipping", "restocking"):
        change = lambda d, c=code: action0(d).update(name="waive_fee", params={"code": c})  # noqa: E731
        assert validate_policy(mutated(change)) == [], code


def test_cap_fees_needs_amount_or_percent():
    [error] = validate_policy(mutated(lambda d: action0(d).update(name="cap_fees", params={})))
    assert (error.path, error.code) == (f"{ACT}.params", "required")


def test_yaml_norway_problem_is_explained():
    with pytest.raises(PolicyInvalid) as raised:
        parse_policy("schema_version: 1.1\ndefaults: {currency: NOK, country: NO, time_zone: Europe/Oslo}\n")
    [error] = raised.value.errors
    assert (error.path, error.code) == ("$.defaults.country", "wrong_type")
    assert "quotes" in error.message


def test_normalise_fills_leaf_values_and_canonical_numbers():
    document = mutated(
        lambda d: (
            rule0(d)["conditions"]["all"].append({"name": "is_guest", "operator": "is_true"})
            or action0(d).update(params={"days": 30.0})
        )
    )
    normal = normalise_policy(document)
    assert normal["rules"][0]["conditions"]["all"][1] == {
        "name": "is_guest",
        "operator": "is_true",
        "value": None,
    }
    assert normal["rules"][0]["actions"][0]["params"]["days"] == 30
    assert normal["rules"][1]["actions"][0] == {"name": "deny", "params": {"reason": "final_sale"}}
    assert "value" not in document["rules"][0]["conditions"]["all"][1]  # the input is not mutated
    yaml_float = mutated(lambda d: rule0(d)["actions"][1]["params"].update(amount=12.5))
    json_decimal = mutated(lambda d: rule0(d)["actions"][1]["params"].update(amount=Decimal("12.50")))
    assert normalise_policy(yaml_float) == normalise_policy(json_decimal)


def test_parse_policy_rejects_other_types():
    with pytest.raises(PolicyInvalid) as raised:
        parse_policy(42)  # type: ignore[arg-type]
    assert raised.value.errors == [PolicyError("$", "wrong_type", raised.value.errors[0].message)]


def test_garbage_at_the_top_never_raises():
    deep: Any = []
    for _ in range(10_000):
        deep = [deep]
    recursive: list[Any] = []
    recursive.append(recursive)
    for garbage in (None, [], "policy", 3, 10**5000, b"x", deep, recursive, {"defaults": deep}, {(1, 2): {}}):
        errors = validate_policy(garbage)
        assert errors and all(e.code != "internal_error" for e in errors)


json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.decimals()
    | st.text(max_size=12)
    | st.sampled_from(["all", "any", "name", "operator", "value", "days", "*", "default", "en", "09:00"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                sorted(set(ERROR_CODES) | {"rules", "defaults", "params", "all", "name", "value"})
            )
            | st.text(max_size=6)
            | st.integers(),
            children,
            max_size=4,
        )
    ),
    max_leaves=30,
)


def _splice(document: dict[str, Any], path: list[int], garbage: Any) -> dict[str, Any]:
    """Replace one node of a valid document (chosen by ``path``) with garbage."""
    node: Any = document
    for step in path:
        if isinstance(node, dict) and node:
            key = sorted(node, key=str)[step % len(node)]
            if not isinstance(node[key], dict | list) or step % 3 == 0:
                node[key] = garbage
                return document
            node = node[key]
        elif isinstance(node, list) and node:
            index = step % len(node)
            if not isinstance(node[index], dict | list) or step % 3 == 0:
                node[index] = garbage
                return document
            node = node[index]
    return document


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=json_like, path=st.lists(st.integers(0, 50), max_size=8), garbage=json_like)
def test_arbitrary_data_never_raises(data, path, garbage):
    for candidate in (
        data,
        {"schema_version": 1.1, "defaults": data, "rules": data},
        _splice(base(), path, garbage),
    ):
        errors = validate_policy(candidate)
        assert all(isinstance(e, PolicyError) and e.code in ERROR_CODES for e in errors)
        assert all(e.code != "internal_error" for e in errors), errors
        if not errors:
            assert isinstance(parse_policy(candidate), Policy)


def fee_document(currency: str, action: dict[str, Any], *, version: Any = 1.1) -> dict[str, Any]:
    document = base()
    document["schema_version"] = version
    document["defaults"]["currency"] = currency
    document["rules"][0]["actions"] = [action]
    return document


def test_a_bare_amount_is_refused_with_the_way_to_write_it_in_1_1():
    for version in (1, 1.1, "1.1"):
        errors = validate_policy(
            fee_document("USD", {"name": "charge_return_shipping", "params": {"amount": 5}}, version=version)
        )
        assert [(e.path, e.code) for e in errors] == [(f"{ACT}.params.amount", "amount_without_currency")]
        assert errors[0].message == (
            "charge_return_shipping.amount is the bare amount 5; since schema_version 1.1 every fixed amount names "
            "its currency: write {amount: '5.00', currency: USD}, or one amount per currency the shop sells in, "
            "e.g. {USD: '5.00'}."
        )


def test_a_version_1_document_without_bare_amounts_is_read_as_1_1():
    policy = parse_policy(fee_document("EUR", {"name": "set_window", "params": {"days": 30}}, version=1))
    assert policy.schema_version == "1.1"
    assert (
        normalise_policy(fee_document("EUR", {"name": "set_window", "params": {"days": 3}}, version=1))[
            "schema_version"
        ]
        == "1.1"
    )


def test_jpy_4_95_is_refused_and_5_suggested():
    errors = validate_policy(
        fee_document(
            "JPY", {"name": "add_fee", "params": {"code": "x", "kind": "fixed", "amount": {"JPY": 4.95}}}
        )
    )
    assert [(e.path, e.code, e.message) for e in errors] == [
        (
            f"{ACT}.params.amount.JPY",
            "too_many_decimals",
            "JPY 4.95 has more decimals than JPY allows (0); write an amount JPY can be paid in, e.g. '5'.",
        )
    ]


def test_both_money_forms_publish_as_one_map_per_currency():
    one = fee_document(
        "USD", {"name": "charge_return_shipping", "params": {"amount": {"amount": "5.5", "currency": "USD"}}}
    )
    many = fee_document(
        "USD",
        {
            "name": "add_fee",
            "params": {
                "code": "label",
                "kind": "fixed",
                "amount": {"JPY": 500, "USD": "5"},
                "cap": {"USD": 9},
            },
        },
    )
    assert normalise_policy(one)["rules"][0]["actions"][0]["params"] == {"amount": {"USD": "5.50"}}
    assert normalise_policy(many)["rules"][0]["actions"][0]["params"] == {
        "code": "label",
        "kind": "fixed",
        "amount": {"JPY": "500", "USD": "5.00"},
        "cap": {"USD": "9.00"},
    }


def test_a_percent_fee_is_a_number_and_a_fixed_fee_is_money():
    percent_as_money = validate_policy(
        fee_document(
            "EUR", {"name": "add_fee", "params": {"code": "x", "kind": "percent", "amount": {"EUR": "5.00"}}}
        )
    )
    assert [(e.path, e.code) for e in percent_as_money] == [(f"{ACT}.params.amount", "wrong_type")]
    assert "plain percentage (15 = 15 %)" in percent_as_money[0].message
    lower_case = validate_policy(
        fee_document("EUR", {"name": "cap_fees", "params": {"amount": {"amount": 5, "currency": "eur"}}})
    )
    assert [(e.path, e.code) for e in lower_case] == [(f"{ACT}.params.amount.currency", "unknown_currency")]
    assert "Write it in capitals: 'EUR'." in lower_case[0].message


def test_a_first_response_target_states_its_clock():
    unstated = mutated(lambda d: d["sla"]["complaint"].update(first_response={"hours": 48}))
    errors = validate_policy(unstated)
    assert [(e.path, e.code) for e in errors] == [("$.sla.complaint.first_response.clock", "required")]
    wrong = validate_policy(
        mutated(lambda d: d["sla"]["complaint"].update(first_response={"hours": 4, "clock": "wall"}))
    )
    assert [(e.path, e.code) for e in wrong] == [("$.sla.complaint.first_response.clock", "invalid_choice")]
    assert "calendar" in wrong[0].message and "working" in wrong[0].message
    both = validate_policy(
        mutated(lambda d: d["sla"]["complaint"].update(first_response={"hours": 4, "clock": "calendar"}))
    )
    assert [(e.path, e.code) for e in both] == [("$.sla.complaint.first_response_hours", "duplicate_value")]
    stated = mutated(
        lambda d: d["sla"].update(complaint={"first_response": {"hours": 4, "clock": "calendar"}})
    )
    assert parse_policy(stated).sla_for(CaseKind.COMPLAINT).first_response_clock == "calendar"


def test_the_reason_variable_takes_the_catalogues_codes_and_one_no_reason_code():
    old_name = validate_policy(
        mutated(lambda d: d["rules"][0]["conditions"]["all"][0].update(value="changed_mind"))
    )
    assert [(e.path, e.code) for e in old_name] == [(f"{LEAF}.value", "invalid_choice")]
    assert old_name[0].message == (
        "'changed_mind' is the old name of 'no_reason', the one no-reason code: write 'no_reason' (storefronts may "
        "still send 'changed_mind'; it is read as 'no_reason')."
    )
    catalogue = [
        {"code": "no_reason", "labels": {"en": "None", "zh_Hans": "无"}, "no_reason": True},
        {"code": "faulty", "labels": {"en": "Faulty", "zh_Hans": "有故障"}, "counts_as_defect": True},
    ]
    own = validate_policy(mutated(lambda d: d.update(reasons=catalogue)))
    assert [(e.path, e.code) for e in own] == [(f"{LEAF}.value", "invalid_choice")]
    assert "'defective' is not a value of reason" in own[0].message and "faulty" in own[0].message
    unlabelled = validate_policy(
        mutated(lambda d: d.update(reasons=[{**catalogue[0], "labels": {"en": "None"}}]))
    )
    assert ("$.reasons[0].labels", "missing_text") in [(e.path, e.code) for e in unlabelled]
    second_no_reason = validate_policy(
        mutated(lambda d: d.update(reasons=[catalogue[0], {**catalogue[1], "no_reason": True}]))
    )
    assert ("$.reasons[1].no_reason", "invalid_choice") in [(e.path, e.code) for e in second_no_reason]


@pytest.mark.parametrize("version", [Decimal("sNaN"), Decimal("NaN"), float("inf")])
def test_a_non_finite_schema_version_is_a_wrong_type_not_a_crash(version):
    document = base()
    document["schema_version"] = version
    assert [(error.path, error.code) for error in validate_policy(document)] == [
        ("$.schema_version", "wrong_type")
    ]
