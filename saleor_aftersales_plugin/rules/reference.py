"""The reference documentation of the policy language, generated from the code.

``docs/policy.md`` is this module's output (``make docs``); a test fails when the committed file is stale. Variables,
operators and actions come from business-rules' ``export_rule_data`` over the generated classes plus the registries'
descriptions; defaults and limits from :mod:`.document`; error codes from :mod:`.validation`.
"""

import dataclasses
import json
from decimal import Decimal
from typing import Any

from business_rules.fields import FIELD_NO_INPUT
from business_rules.utils import export_rule_data

from ..domain.facts import CaseKind, Resolution
from . import document
from .actions import ACTIONS, ALL_FEES, RETURN_SHIPPING_FEE, PolicyActions
from .calendar import Anchor, DayKind
from .validation import ACTION_CONSTRAINTS, ERROR_CODES
from .variables import VARIABLES, PolicyVariables

__all__ = ["render_reference"]

_TYPE_NAMES = {
    "numeric": "number",
    "string": "text",
    "boolean": "true/false",
    "select": "choice",
    "select_multiple": "list of text",
}
_INPUT_NAMES = {
    "numeric": "a number, e.g. `7`",
    "text": "text, e.g. `defective`",
    "select": "one option",
    "select_multiple": "a non-empty list of text, e.g. `[electronics]`",
    FIELD_NO_INPUT: "no value (omit `value` or write `null`)",
}
_EXAMPLE_OPERATOR = {
    "numeric": "less_than_or_equal_to",
    "string": "equal_to",
    "boolean": "is_true",
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


def _defaults() -> dict[str, Any]:
    """Defaults of the optional keys of ``defaults``, read from the Defaults dataclass."""
    values: dict[str, Any] = {}
    for item in dataclasses.fields(document.Defaults):
        if item.default is dataclasses.MISSING:
            continue
        values[item.name] = item.default
    window = values["window"]
    values["window"] = {"days": window.days, "anchor": window.anchor.value, "day_kind": window.day_kind.value}
    values["review"] = "required" if values["review"] else "auto"
    values["languages"] = list(values["languages"])
    values["resolutions"] = list(values["resolutions"])
    return values


def _structure() -> list[str]:
    defaults = _defaults()
    resolutions = ", ".join(r.value for r in Resolution)
    rows: list[tuple[str, str, str, str]] = [
        ("schema_version", "number", "**required**", f"Must be `{document.SCHEMA_VERSION}`."),
        ("name", "text", '`""`', "The shop's name, shown on the published policy."),
        ("defaults", "mapping", "**required**", "What applies when no rule decides a setting."),
        ("defaults.currency", "text", "**required**", "ISO 4217 currency code, e.g. `EUR`, `CNY`."),
        ("defaults.country", "text", "**required**", "ISO 3166 alpha-2 country code of the shop, e.g. `DE`."),
        (
            "defaults.time_zone",
            "text",
            "**required**",
            "IANA time zone; days are counted on this local calendar.",
        ),
        (
            "defaults.languages",
            "list of text",
            f"`{_flow(defaults['languages'])}`",
            "Locale identifiers (babel), e.g. `en`, `zh_Hans`; texts must cover each of them.",
        ),
        (
            "defaults.eligible",
            "true/false",
            f"`{_flow(defaults['eligible'])}`",
            "Whether lines may be returned.",
        ),
        (
            "defaults.window",
            "mapping",
            f"`{_flow(defaults['window'])}`",
            f"Return window: days 0..3650; anchor {', '.join(a.value for a in Anchor)}; "
            f"day_kind {', '.join(k.value for k in DayKind)}.",
        ),
        (
            "defaults.resolutions",
            "list",
            f"`{_flow(defaults['resolutions'])}`",
            f"What customers may choose, a non-empty subset of: {resolutions}.",
        ),
        ("defaults.review", "choice", f"`{defaults['review']}`", "`required` (staff approve) or `auto`."),
        (
            "defaults.photos_required",
            "number",
            f"`{defaults['photos_required']}`",
            "Photos to attach, 0..20.",
        ),
        (
            "defaults.warranty_months",
            "number",
            f"`{defaults['warranty_months']}`",
            "Warranty length, 0..240.",
        ),
        (
            "defaults.store_credit_bonus",
            "number",
            f"`{defaults['store_credit_bonus']}`",
            "Extra store credit in percent of the refund, 0..100.",
        ),
        (
            "defaults.prior_returns_days",
            "number",
            f"`{defaults['prior_returns_days']}`",
            "Look-back period of the prior_returns_* variables, 1..3650 days.",
        ),
        (
            "defaults.customer_favourable",
            "boolean",
            f"`{_flow(defaults['customer_favourable'])}`",
            "`true`: each order is judged by the more generous of the version in force when it was placed and the "
            "current one (the trace names the deciding version); `false`: by the version in force when it was placed.",
        ),
        ("calendar", "mapping", "see below", "The shop's business calendar."),
        (
            "calendar.working_days",
            "list",
            f"`{_flow(list(document.WEEKDAYS[:5]))}`",
            f"Non-empty, no duplicates, from: {', '.join(document.WEEKDAYS)}.",
        ),
        (
            "calendar.holidays_country",
            "text or null",
            "defaults.country",
            "Country whose public holidays are closing days (`holidays` package); `null` for none.",
        ),
        (
            "calendar.subdivision",
            "text",
            "none",
            "A state or province the `holidays` package knows, e.g. `BE`.",
        ),
        (
            "calendar.extra_holidays",
            "list of dates",
            "`[]`",
            'The shop\'s own closing days, e.g. `["2026-12-24"]`.',
        ),
        (
            "calendar.working_hours",
            "mapping",
            "none (whole days)",
            'Opening hours for SLA deadlines, e.g. `{start: "09:00", end: "17:00"}` (quote the times in YAML).',
        ),
        ("rules", "list", "`[]`", f"The rules, at most {document.MAX_RULES}; see [Rules](#rules)."),
        (
            "sla",
            "mapping",
            "see below",
            f"Service targets per case kind ({', '.join(k.value for k in CaseKind)}): "
            "first_response_hours and resolution_working_days, non-negative numbers.",
        ),
        (
            "escalation",
            "mapping",
            "`{}`",
            "Path name -> ordered tiers `{name, after_hours, notify}`; after_hours (default 0) never decreases "
            "along a path; notify lists email addresses or `group:<name>`.",
        ),
        (
            "texts",
            "mapping",
            "`{}`",
            "Language -> reason code -> customer-facing text. When present, every reason code used by allow "
            "and deny needs a text in every language of defaults.languages.",
        ),
    ]
    lines = ["| Key | Type | Default | Meaning |", "|---|---|---|---|"]
    lines += [f"| `{key}` | {kind} | {default} | {_cell(text)} |" for key, kind, default, text in rows]
    lines += ["", "Default service targets (`sla`), per case kind:", ""]
    lines += ["| Case kind | first_response_hours | resolution_working_days |", "|---|---|---|"]
    for kind, targets in document.DEFAULT_SLA.items():
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
        "          - {name: order_total, operator: greater_than, value: 500}",
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
                value = "a Python regular expression (searched, not anchored), e.g. `^TV-`"
            lines.append(f"| `{op['name']}` | {op['label']} | {value} |")
        lines.append("")
    lines += [
        "Text comparisons are case-sensitive except `equal_to_case_insensitive`; list operators compare "
        "elements case-insensitively.",
    ]
    return lines


def _range(minimum: Decimal | None, maximum: Decimal | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{minimum}..{maximum}"
    if minimum is not None:
        return f"≥ {minimum}"
    if maximum is not None:
        return f"≤ {maximum}"
    return ""


def _actions(data: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for item in sorted(data["actions"], key=lambda a: a["name"]):
        spec = ACTIONS[item["name"]]
        setting = "fee:<code>" if spec.setting == "fee" else spec.setting
        lines += [
            f"### `{spec.name}` — {spec.label}",
            "",
            f"{spec.description} Writes the `{setting}` setting.",
            "",
        ]
        if spec.name in ACTION_CONSTRAINTS:
            lines += [ACTION_CONSTRAINTS[spec.name], ""]
        if not spec.params:
            lines += ["No parameters.", "", f"```yaml\n- {{name: {spec.name}}}\n```", ""]
            continue
        lines += [
            "| Parameter | Type | Required | Options / range | Default | Meaning |",
            "|---|---|---|---|---|---|",
        ]
        example: dict[str, Any] = {}
        for param in spec.params:
            kind = param.field_type + (" (whole)" if param.integer else "")
            options = ", ".join(f"`{o}`" for o in param.options) or _range(param.minimum, param.maximum)
            default = "" if param.default is None else f"`{param.default}`"
            required = "yes" if param.required else "no"
            lines.append(
                f"| `{param.name}` | {kind} | {required} | {options} | {default} | {_cell(param.description)} |"
            )
            if param.required:
                example[param.name] = _param_example(spec.name, param.name, param.options)
        if spec.name == "cap_fees":
            example["percent"] = 20
        if spec.name == "set_sla":
            example["first_response_hours"] = 24
        lines += ["", f"```yaml\n- {_flow({'name': spec.name, 'params': example})}\n```", ""]
    return lines


_PARAM_EXAMPLES: dict[tuple[str, str], Any] = {
    ("deny", "reason"): "final_sale",
    ("set_window", "days"): 30,
    ("add_fee", "code"): "restocking",
    ("add_fee", "amount"): 15,
    ("charge_return_shipping", "amount"): Decimal("4.95"),
    ("waive_fee", "code"): "restocking",
    ("set_store_credit_bonus", "percent"): 10,
    ("set_warranty", "months"): 24,
    ("set_escalation_path", "path"): "default",
}


def _param_example(action: str, param: str, options: tuple[str, ...]) -> Any:
    if (action, param) in _PARAM_EXAMPLES:
        return _PARAM_EXAMPLES[(action, param)]
    if action == "set_resolutions":
        return list(options[:2])
    return options[0] if options else "x"


def _limits() -> list[str]:
    return [
        "| Limit | Value |",
        "|---|---|",
        f"| Rules per policy | {document.MAX_RULES} |",
        f"| Nesting of `all`/`any` | {document.MAX_CONDITION_DEPTH} levels |",
        f"| Conditions (leaves) per rule | {document.MAX_CONDITIONS_PER_RULE} |",
        f"| Actions per rule | {document.MAX_ACTIONS_PER_RULE} |",
        f"| Policy source size | {document.MAX_SOURCE_BYTES // 1024} KiB |",
    ]


def _errors() -> list[str]:
    lines = [
        "`python -m saleor_aftersales_plugin policy check FILE` prints every error as `PATH: [code] message`, "
        "in document order; PATH is a JSON path such as `$.rules[3].conditions.all[0].operator`.",
        "",
        "| Code | Meaning |",
        "|---|---|",
    ]
    lines += [f"| `{code}` | {_cell(text)} |" for code, text in ERROR_CODES.items()]
    return lines


def render_reference() -> str:
    """The Markdown reference of the policy language (the content of docs/policy.md)."""
    data = export_rule_data(PolicyVariables, PolicyActions)
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
        "- [Variables](#variables)",
        "- [Operators](#operators)",
        "- [Actions](#actions)",
        "- [Limits](#limits)",
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
        "## Error codes",
        "",
        *_errors(),
        "",
    ]
    return "\n".join(parts)
