"""The reference documentation of the policy language, generated from the code.

``docs/policy.md`` is this module's output (``make docs``); a test fails when the committed file is stale. Variables,
operators and actions come from business-rules' ``export_rule_data`` over the generated classes plus the registries'
descriptions; defaults and limits from :mod:`.document`; error codes from :mod:`.validation`.
"""

import json
from decimal import Decimal
from typing import Any

from business_rules.fields import FIELD_NO_INPUT
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from ..domain.facts import CaseKind
from . import document, schema, source
from .actions import ACTIONS, ALL_FEES, RETURN_SHIPPING_FEE, rule_data
from .statutory import reference_markdown as statutory_reference
from .thresholds import FIELD_MONEY
from .validation import ERROR_CODES
from .variables import MONEY_VARIABLES, VARIABLES

__all__ = ["render_reference"]

_TYPE_NAMES = {
    "numeric": "number",
    "string": "text",
    "boolean": "true/false",
    "money": "money",
    "select": "choice",
    "select_multiple": "list of text",
}
_INPUT_NAMES = {
    "numeric": "a number, e.g. `7`",
    FIELD_MONEY: "a threshold with its currency, e.g. `{amount: '100.00', currency: EUR}` (see [Money](#money))",
    "text": "text, e.g. `defective`",
    "select": "one option",
    "select_multiple": "a non-empty list of text, e.g. `[electronics]`",
    FIELD_NO_INPUT: "no value (omit `value` or write `null`)",
}
_EXAMPLE_OPERATOR = {
    "numeric": "less_than_or_equal_to",
    "string": "equal_to",
    "boolean": "is_true",
    "money": "greater_than_or_equal_to",
    "select_multiple": "shares_at_least_one_element_with",
    "select": "contains",
}


def _flow(value: Any) -> str:
    """A value in YAML flow style, as merchants write it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, str):
        plain = value and value.replace("_", "").replace("-", "").replace("/", "").isalnum()
        return value if plain and not value[0].isdigit() else json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_flow(item)}" for key, item in value.items()) + "}"
    return str(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "**required**"
    if info.default_factory is not None:
        value = info.default_factory()  # type: ignore[call-arg]
    else:
        value = info.default
    if value is schema.MISSING:
        return "see meaning"
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    return f"`{_flow(value)}`"


def _nested_model(info: FieldInfo) -> type[BaseModel] | None:
    annotation = info.annotation
    for candidate in (annotation, *(getattr(annotation, "__args__", ()) or ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


_DESCRIBED_ELSEWHERE = {"rules", "sla", "escalation", "texts", "conditions", "actions"}


def _model_rows(model: type[BaseModel], prefix: str) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{info.alias or name}"
        nested = _nested_model(info)
        if nested is not None and name not in _DESCRIBED_ELSEWHERE:
            rows.append((key, "mapping", _default_text(info), "", info.description or ""))
            rows += _model_rows(nested, key + ".")
            continue
        doc = schema.field_doc(info)
        type_name = "mapping" if name in ("sla", "escalation", "texts") else doc.type_name
        if name == "rules":
            type_name = "list"
        rows.append(
            (
                key,
                type_name,
                _default_text(info),
                doc.range if name not in _DESCRIBED_ELSEWHERE else "",
                info.description or "",
            )
        )
    return rows


def _field_rows(model: type[BaseModel], prefix: str, *, with_default: bool) -> list[str]:
    """One table row per field of ``model``: key, type, (default,) range, meaning."""
    rows = []
    for name, info in model.model_fields.items():
        doc = schema.field_doc(info)
        default = [_default_text(info)] if with_default else []
        cells = [
            f"`{prefix}{name}`",
            doc.type_name,
            *default,
            _cell(doc.range),
            _cell(info.description or ""),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _structure() -> list[str]:
    lines = ["| Key | Type | Default | Range / options | Meaning |", "|---|---|---|---|---|"]
    lines += [
        f"| `{key}` | {kind} | {default} | {_cell(range_)} | {_cell(text)} |"
        for key, kind, default, range_, text in _model_rows(schema.PolicyDocument, "")
    ]
    lines += [
        "",
        "Service targets (`sla`), per case kind (" + ", ".join(k.value for k in CaseKind) + "):",
        "",
    ]
    lines += ["| Key | Type | Range | Meaning |", "|---|---|---|---|"]
    lines += _field_rows(schema.SlaTargets, "sla.<kind>.", with_default=False)
    lines += ["", "Escalation tiers (`escalation.<path>[i]`):", ""]
    lines += ["| Key | Type | Default | Range | Meaning |", "|---|---|---|---|---|"]
    lines += _field_rows(schema.Tier, "", with_default=True)
    lines += ["", "Default service targets, per case kind:", ""]
    lines += ["| Case kind | first_response_hours | resolution_working_days |", "|---|---|---|"]
    for kind, targets in schema.DEFAULT_SLA.items():
        lines.append(f"| {kind} | {targets['first_response_hours']} | {targets['resolution_working_days']} |")
    return lines


def _rules_section() -> list[str]:
    return [
        "A rule is a business-rules rule with an id:",
        "",
        "```yaml",
        "- id: defects-30-days          # required, unique, ^[a-z0-9][a-z0-9_-]{0,62}$",
        '  description: "Defective items: 30 days"',
        "  priority: 10                 # -1000..1000, default 0",
        "  conditions:                  # {all: [...]} or {any: [...]}, nested freely",
        "    all:",
        "      - {name: reason, operator: equal_to, value: defective}",
        "      - any:",
        "          - {name: category, operator: shares_at_least_one_element_with, value: [tv]}",
        "          - {name: order_total, operator: greater_than, value: {amount: '500.00', currency: EUR}}",
        "  actions:",
        "    - {name: set_window, params: {days: 30}}",
        "```",
        "",
        "A node with `all` or `any` holds nothing else; lists are never empty; a leaf is "
        "`{name, operator, value}` where `name` is a [variable](#variables) and `operator` one of its "
        "type's [operators](#operators).",
    ]


def _conflict_rule() -> list[str]:
    return [
        "Every action writes one *setting* of the decision. For each requested line:",
        "",
        "1. Rules are ranked by `priority`, higher first, then by their position in the document, earlier first.",
        "2. The best-ranked matching rule that writes a setting decides it; later writers of the same setting are "
        "listed as *overridden* in the explanation.",
        "3. `allow` and `deny` both write the **eligibility** setting.",
        f"4. Every fee code is its own setting (`fee:<code>`; charge_return_shipping uses `{RETURN_SHIPPING_FEE}`); "
        f"`waive_fee` writes that same setting, and `waive_fee` with code `{ALL_FEES}` blocks every fee setting "
        "not already decided by a better-ranked rule.",
        "5. After the rules, the window is checked (a line requested after its window ends is not eligible, "
        "reason `window_expired`), then the quantity available (delivered or fulfilled minus already returned).",
        "6. Settings that no matching rule writes come from `defaults` (and `sla`).",
    ]


def _variables(data: dict[str, Any]) -> list[str]:
    lines = ["| Variable | Type | Meaning | Example condition |", "|---|---|---|---|"]
    for item in sorted(data["variables"], key=lambda v: v["name"]):
        spec = VARIABLES[item["name"]]
        type_name = item["field_type"]
        operator = _EXAMPLE_OPERATOR[type_name]
        example: dict[str, Any] = {"name": spec.name, "operator": operator}
        if type_name != "boolean":
            example["value"] = spec.example
        meaning = spec.description
        if spec.options:
            meaning += " Values: " + ", ".join(f"`{o}`" for o in spec.options) + "."
        lines.append(
            f"| `{spec.name}` | {_TYPE_NAMES.get(type_name, type_name)} | {_cell(meaning)} | "
            f"`{_cell(_flow(example))}` |"
        )
    return lines


def _operators(data: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    used = {item["field_type"] for item in data["variables"]}
    for type_name, operators in sorted(data["variable_type_operators"].items()):
        if type_name not in used:
            continue
        lines += [f"### {_TYPE_NAMES.get(type_name, type_name)} (`{type_name}`)", ""]
        lines += ["| Operator | Label | Value |", "|---|---|---|"]
        for op in sorted(operators, key=lambda o: o["name"]):
            value = _INPUT_NAMES.get(op["input_type"], op["input_type"])
            if op["name"] == "matches_regex":
                value = "a regular expression in RE2 syntax (searched, not anchored; linear time, so no backreferences or lookarounds except `^(?!(A|B)$)`, anything but A or B), e.g. `^TV-`"
            lines.append(f"| `{op['name']}` | {op['label']} | {value} |")
        lines.append("")
    lines += [
        "Text comparisons are case-sensitive except `equal_to_case_insensitive`; list operators compare "
        "elements case-insensitively; money operators compare the amount with the threshold's amount in the "
        "order's currency and do not match where it has none.",
    ]
    return lines


def _actions(data: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for item in sorted(data["actions"], key=lambda a: a["name"]):
        spec = ACTIONS[item["name"]]
        model = schema.ACTION_PARAMS[spec.name]
        setting = "fee:<code>" if spec.setting == "fee" else spec.setting
        lines += [
            f"### `{spec.name}` — {spec.label}",
            "",
            f"{spec.description} Writes the `{setting}` setting.",
            "",
        ]
        if spec.name in schema.ACTION_CONSTRAINTS:
            lines += [schema.ACTION_CONSTRAINTS[spec.name], ""]
        if not model.model_fields:
            lines += ["No parameters.", "", f"```yaml\n- {{name: {spec.name}}}\n```", ""]
            continue
        lines += [
            "| Parameter | Type | Required | Options / range | Default | Meaning |",
            "|---|---|---|---|---|---|",
        ]
        example: dict[str, Any] = {}
        for name, info in model.model_fields.items():
            doc = schema.field_doc(info)
            required = "yes" if info.is_required() else "no"
            default = "" if info.is_required() or info.default is None else f"`{_flow(info.default)}`"
            lines.append(
                f"| `{name}` | {doc.type_name} | {required} | {_cell(doc.range)} | {default} | "
                f"{_cell(info.description or '')} |"
            )
            if info.is_required():
                example[name] = _param_example(spec.name, name)
        example.update(_EXTRA_EXAMPLES.get(spec.name, {}))
        lines += ["", f"```yaml\n- {_flow({'name': spec.name, 'params': example})}\n```", ""]
    return lines


_PARAM_EXAMPLES: dict[tuple[str, str], Any] = {
    ("deny", "reason"): "final_sale",
    ("set_window", "days"): 30,
    ("add_fee", "code"): "restocking",
    ("add_fee", "kind"): "percent",
    ("add_fee", "amount"): 15,
    ("charge_return_shipping", "amount"): {"amount": "4.95", "currency": "EUR"},
    ("waive_fee", "code"): "restocking",
    ("set_store_credit_bonus", "percent"): 10,
    ("set_warranty", "months"): 24,
    ("set_escalation_path", "path"): "default",
    ("set_resolutions", "resolutions"): ["refund", "store_credit"],
}
_EXTRA_EXAMPLES: dict[str, dict[str, Any]] = {
    "cap_fees": {"amount": {"EUR": "30.00", "JPY": "4000"}, "percent": 20},
    "set_sla": {"first_response_hours": 24},
}


def _param_example(action: str, param: str) -> Any:
    return _PARAM_EXAMPLES.get((action, param), "x")


def _money_section() -> list[str]:
    return [
        "Every fixed amount of a policy (a fixed fee, a fee's `cap`, `charge_return_shipping.amount`, "
        "`cap_fees.amount`) names its currency, in one of two forms:",
        "",
        "```yaml",
        "- {name: charge_return_shipping, params: {amount: {amount: '4.95', currency: EUR}}}",
        "- {name: charge_return_shipping, params: {amount: {EUR: '4.95', USD: '5.50', JPY: '800'}}}",
        "```",
        "",
        "- Amounts are never converted. An order is charged the amount written for its own currency; every fixed "
        "amount must have one in `defaults.currency` (when the plugin publishes a policy for a channel, "
        "`defaults.currency` is the channel's currency and must be), otherwise the policy is refused "
        "(`missing_currency`). Deciding an order in a currency an amount in force has no value for refuses the line "
        "with the reason `no_amount_in_currency` instead of guessing.",
        "- An amount has at most as many decimals as its currency (`JPY 4.95` is refused with `too_many_decimals`; "
        "EUR and USD have 2, JPY 0, KWD 3). Write amounts in quotes (`'5.00'`) or as numbers.",
        "- Percentages (a percent fee, `cap_fees.percent`, `set_store_credit_bonus`) stay plain numbers.",
        "- Computed amounts are rounded line by line to the currency's decimals as `defaults.rounding` says "
        "(`half_up` by default); the published policy states the rule with a worked example.",
        "",
        "**Thresholds in conditions.** A money variable ("
        + ", ".join(f"`{name}`" for name in sorted(MONEY_VARIABLES))
        + ") is an amount in the order's currency, and a condition on it names its threshold's currency the same "
        "two ways:",
        "",
        "```yaml",
        "- {name: order_total, operator: greater_than_or_equal_to, value: {amount: '500.00', currency: EUR}}",
        "- {name: line_unit_price, operator: less_than, value: {EUR: '50.00', USD: '55.00', JPY: '8000'}}",
        "- {name: line_unit_price, operator: less_than, value: 50}   # only where the policy names one currency",
        "```",
        "",
        "- A threshold is compared only with an amount in the same currency. A condition whose threshold has no "
        "amount in the order's currency does not match, whatever its operator, and the explanation says so "
        "(`no threshold in JPY (it gives EUR, USD) ...`); `policy check` warns (`no_threshold_in_currency`) about "
        "each one without `defaults.currency`, the currency of the channel's orders.",
        "- A bare number is read as an amount of the policy's currency only where the policy names one currency: "
        "`defaults.currency`, and no amount or threshold in another. Where it names more, a bare number is refused "
        "(`amount_without_currency`, on the condition's `value`) with the forms to write.",
        "- Like any amount, a threshold has at most as many decimals as its currency (`too_many_decimals` on the "
        "amount: `{JPY: 4.95}`) and lies between 0 and 10^9. A published policy keeps thresholds as a map per "
        "currency.",
        "",
        "**Schema version 1.** A `schema_version: 1` document is read as 1.1, except that a bare amount (which "
        'version 1 read as "in the order currency", so a USD policy\'s 5.00 charged 5 yen on a yen order) is refused '
        "with the code `amount_without_currency` and the exact 1.1 form to write, e.g. `amount: 5` in a EUR policy → "
        "`{amount: '5.00', currency: EUR}`. It is not converted silently: which currencies the shop means is the "
        "merchant's decision. Documents are published (and stored) as schema_version 1.1, amounts as a map per "
        "currency. Versions published before 1.1 stay readable for the orders pinned to them: their bare amounts "
        "are read in the version's own `defaults.currency` (which publishing always filled in with the channel's "
        "currency, the only one such a version ever judged). The same holds for the bare thresholds of versions "
        "published before thresholds named their currency: they are read in the version's `defaults.currency`, "
        "exactly as written.",
    ]


def _limits() -> list[str]:
    return [
        "| Limit | Value |",
        "|---|---|",
        f"| Rules per policy | {document.MAX_RULES} |",
        f"| Nesting of `all`/`any` | {document.MAX_CONDITION_DEPTH} levels |",
        f"| Conditions (leaves) per rule | {document.MAX_CONDITIONS_PER_RULE} |",
        f"| Actions per rule | {document.MAX_ACTIONS_PER_RULE} |",
        f"| Policy source size | {document.MAX_SOURCE_BYTES // 1024} KiB |",
        f"| Nesting of lists and mappings in the text | {source.MAX_NESTING} levels |",
        f"| YAML aliases (`*name`) | {source.MAX_ALIASES}, expanding to at most {source.MAX_EXPANDED_NODES:,} values |",
        f"| Names, codes, list items | {schema.MAX_NAME_LENGTH} characters |",
        f"| Texts and descriptions | {schema.MAX_TEXT_LENGTH} characters |",
        f"| Decimal places of a number | {schema.MAX_DECIMAL_PLACES} |",
        f"| Numbers in conditions | -{schema.MAX_CONDITION_NUMBER:,}..{schema.MAX_CONDITION_NUMBER:,} |",
        "",
        "Keys appear once per mapping (JSON and YAML alike); texts hold no control characters (other than tab and "
        "line breaks) and no unpaired surrogates; numbers are finite.",
    ]


def _errors() -> list[str]:
    lines = [
        "`python -m saleor_aftersales_plugin policy check FILE` prints every error as `PATH: [code] message`, "
        "in document order; PATH is a JSON path such as `$.rules[3].conditions.all[0].operator`. For a valid "
        "policy it prints warnings the same way, `PATH: [code] warning: message`: `no_threshold_in_currency` (see "
        "[Money](#money)) and `below_statutory_minimum` (see [Statutory minimums](#statutory-minimums)); with "
        "`--strict` a warning makes it exit 1.",
        "",
        "| Code | Meaning |",
        "|---|---|",
    ]
    lines += [f"| `{code}` | {_cell(text)} |" for code, text in ERROR_CODES.items()]
    return lines


def render_reference() -> str:
    """The Markdown reference of the policy language (the content of docs/policy.md)."""
    data = rule_data()
    parts: list[str] = [
        f"# Policy language reference (schema version {document.SCHEMA_VERSION})",
        "",
        "<!-- Generated from the code by `make docs` (python -m saleor_aftersales_plugin docs > docs/policy.md); "
        "do not edit by hand. -->",
        "",
        "A policy is one JSON or YAML document per channel: defaults, a business calendar, rules written in the "
        "[business-rules](https://github.com/venmo/business-rules) format, service targets, escalation paths and "
        "customer-facing texts. Check one with `python -m saleor_aftersales_plugin policy check FILE` and see how "
        "it decides a case with `policy explain FILE --case CASE.json`. Worked examples: `examples/`.",
        "",
        "## Contents",
        "",
        "- [Document structure](#document-structure)",
        "- [Rules](#rules)",
        "- [How rules combine](#how-rules-combine)",
        "- [Money](#money)",
        "- [Variables](#variables)",
        "- [Operators](#operators)",
        "- [Actions](#actions)",
        "- [Limits](#limits)",
        "- [Statutory minimums](#statutory-minimums)",
        "- [Error codes](#error-codes)",
        "",
        "## Document structure",
        "",
        *_structure(),
        "",
        "## Rules",
        "",
        *_rules_section(),
        "",
        "## How rules combine",
        "",
        *_conflict_rule(),
        "",
        "## Money",
        "",
        *_money_section(),
        "",
        "## Variables",
        "",
        "Each condition tests one variable of the requested order line.",
        "",
        *_variables(data),
        "",
        "## Operators",
        "",
        *_operators(data),
        "",
        "## Actions",
        "",
        *_actions(data),
        "## Limits",
        "",
        *_limits(),
        "",
        "## Statutory minimums",
        "",
        *statutory_reference(),
        "",
        "## Error codes",
        "",
        *_errors(),
        "",
    ]
    return "\n".join(parts)
