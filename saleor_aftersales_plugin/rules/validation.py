"""Validation of policy documents against :mod:`.schema`: every error at once, each with a JSON path, a stable code
and a fix.

:func:`validate_policy` never raises, whatever it is given; :func:`parse_policy` turns source text or data into a
:class:`~saleor_aftersales_plugin.rules.document.Policy` or raises :class:`PolicyInvalid` with all the errors. Errors
come in document order: the keys of each mapping in the order they were written; a missing required key is reported
at the start of the mapping that lacks it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ..domain.wording import given, json_path, names, show, suggest, where
from . import schema
from .document import Policy
from .schema import (
    ACTION_CONSTRAINTS,
    ACTION_MODELS,
    ACTION_PARAMS,
    SCHEMA_VERSION,
    AllOf,
    AnyOf,
    PolicyDocument,
    SchemaContext,
    StrictModel,
    canonical_conditions,
    canonical_number,
    gather_context,
    money_document_value,
    money_params,
)
from .source import SourceError, load_source

__all__ = [
    "ACTION_CONSTRAINTS",
    "ERROR_CODES",
    "PolicyError",
    "PolicyInvalid",
    "normalise_policy",
    "parse_policy",
    "validate_policy",
]

ERROR_CODES: dict[str, str] = {
    "syntax_error": "The text is neither valid JSON nor valid YAML, or breaks a bound of the reader (duplicate key, "
    "nesting, aliases, size); the message gives the line and column.",
    "wrong_type": "A value has the wrong type, e.g. text where a number is needed.",
    "required": "A required key or parameter is missing, or a list that must not be empty is empty.",
    "unknown_key": "A key the policy language does not know (typos get a suggestion).",
    "unsupported_version": "schema_version is neither 1.1 nor 1.",
    "unknown_currency": "defaults.currency or the currency of an amount is not an ISO 4217 currency code.",
    "amount_without_currency": "A fixed amount (fee, cap, return shipping) is a bare number; since 1.1 it names its "
    "currency: {amount: '5.00', currency: EUR} or {EUR: '5.00', JPY: '800'}. A money condition's threshold may be a "
    "bare number only where the policy names one currency.",
    "too_many_decimals": "An amount or a threshold has more decimals than its currency allows (JPY 4.95).",
    "missing_currency": "Publishing for a channel whose currency a fixed amount of the policy has no value for.",
    "unknown_country": "A country is not an ISO 3166 alpha-2 code, or has no public-holiday calendar.",
    "unknown_subdivision": "calendar.subdivision is not a subdivision of the holiday country.",
    "unknown_time_zone": "defaults.time_zone is not an IANA time zone name.",
    "unknown_language": "A language is no locale identifier, or texts uses one not in defaults.languages.",
    "invalid_choice": "A value is not one of the allowed options (for a listed-value variable: not one of its values).",
    "duplicate_value": "A list holds the same value twice.",
    "invalid_date": "A holiday is not an ISO date (YYYY-MM-DD).",
    "invalid_time": "A working hour is not a time in HH:MM form.",
    "invalid_text": "A text holds a control character or an unpaired surrogate.",
    "too_long": "A text is longer than its limit.",
    "out_of_range": "A number (or time) is outside its allowed range, or has too many decimal places.",
    "out_of_order": "Escalation tiers must not go back in time: after_hours never decreases along a path.",
    "invalid_recipient": "An escalation recipient is neither an email address nor 'group:<name>'.",
    "invalid_id": "A rule id breaks the pattern: lower-case letters, digits, '-' and '_'; at most 63 long.",
    "duplicate_id": "Two rules have the same id.",
    "too_many": "More rules, conditions, actions or list items than the limits allow.",
    "too_deep": "Conditions nested deeper than the limit.",
    "unknown_variable": "A condition names a variable that does not exist.",
    "unknown_operator": "A condition's operator does not exist for its variable's type.",
    "unexpected_value": "A condition whose operator takes no value has one.",
    "invalid_regex": "A matches_regex value is not a valid regular expression.",
    "unknown_action": "An action name that does not exist.",
    "unknown_param": "An action parameter that the action does not take.",
    "unknown_escalation_path": "set_escalation_path names a path the escalation section does not define.",
    "unknown_fee": "waive_fee names a fee that no rule adds.",
    "missing_text": "A reason code has no customer-facing text (or a catalogue reason no label) in one of the "
    "policy's languages.",
    "unknown_reason": "A catalogue reason's parent is not a reason listed before it.",
    "internal_error": "The validator itself failed; please report it with the document.",
}


@dataclass(frozen=True)
class PolicyError:
    path: str
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: [{self.code}] {self.message}"


class PolicyInvalid(ValueError):
    """The policy has errors; ``errors`` holds all of them, in document order."""

    def __init__(self, errors: Iterable[PolicyError]) -> None:
        self.errors: list[PolicyError] = list(errors)
        super().__init__("\n".join(str(error) for error in self.errors))


# --- from pydantic's errors to ours

_ACTION_POSITION = "action"
_CONDITION_POSITION = "condition"


def _strip_tags(loc: tuple[Any, ...], error_type: str) -> tuple[Any, ...]:
    """Remove the union tags pydantic puts into locations (an action's name, a condition's all/any/leaf)."""
    loc = tuple(key for key in loc if key != "[key]")
    result: list[Any] = []
    expecting: str | None = None
    index = 0
    while index < len(loc):
        key = loc[index]
        if expecting is not None and isinstance(key, str):
            expecting = None
            index += 1  # the tag
            continue
        result.append(key)
        previous = result[-2] if len(result) >= 2 else None
        expecting = None
        if isinstance(key, int) and previous == "actions":
            expecting = _ACTION_POSITION
        elif isinstance(key, int) and previous in ("all", "any"):
            expecting = _CONDITION_POSITION
        elif key == "conditions" and len(result) >= 3 and result[-3] == "rules":
            expecting = _CONDITION_POSITION
        index += 1
    return tuple(result)


def _at(data: Any, loc: Iterable[Any]) -> Any:
    node = data
    for key in loc:
        if isinstance(node, Mapping) and key in node:
            node = node[key]
        elif isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
            node = node[key]
        else:
            return None
    return node


def _where_of(data: Any, loc: tuple[Any, ...]) -> str:
    """How a message names a value: 'set_window.days' for a parameter, 'quantity greater_than' for a condition
    value (and for each amount of a threshold), the path otherwise."""
    if len(loc) >= 4 and loc[-2] == "params" and isinstance(loc[-3], int) and loc[-4] == "actions":
        action = _at(data, loc[:-2])
        if isinstance(action, Mapping) and isinstance(action.get("name"), str):
            return f"{action['name']}.{loc[-1]}"
    # a condition's value, or an amount of a threshold written as a mapping
    for end in (len(loc), len(loc) - 1):
        if end > 0 and loc[end - 1] == "value":
            leaf = _at(data, loc[: end - 1])
            if isinstance(leaf, Mapping) and "name" in leaf:
                return f"{leaf.get('name')} {leaf.get('operator')}"
    return where(json_path(loc))


def _model_at(context: SchemaContext, data: Any, loc: tuple[Any, ...]) -> type[StrictModel] | None:
    node = _at(data, loc)
    return context.models.get(id(node)) if isinstance(node, Mapping) else None


def _unknown_key(context: SchemaContext, data: Any, loc: tuple[Any, ...]) -> tuple[str, str]:
    parent, key = loc[:-1], loc[-1]
    model = _model_at(context, data, parent)
    allowed = [f.alias or name for name, f in model.model_fields.items()] if model is not None else []
    if model in (AllOf, AnyOf):
        group = "all" if model is AllOf else "any"
        if key in ("all", "any"):
            return "unknown_key", (
                f"A condition has either 'all' or 'any', not both: nest one inside the other, "
                f"e.g. {{{group}: [..., {{{key}: [...]}}]}}."
            )
        return "unknown_key", (
            f"A condition with '{group}' holds nothing else, but it also has {show(key)}: move that into the "
            f"'{group}' list as its own condition."
        )
    if model is not None and model.__name__.endswith("Params"):
        action = next((name for name, params in ACTION_PARAMS.items() if params is model), "")
        if allowed:
            hint = suggest(key, allowed)
            if "Did you mean" in hint:
                hint += f" {action} takes: {names(allowed)}."
        else:
            hint = f" {action} takes no parameters."
        return "unknown_param", f"{action} has no parameter {show(key)}." + hint
    if not isinstance(key, str):
        return "unknown_key", f"Keys must be text, but {given(key)}." + suggest(None, allowed)
    return "unknown_key", f"Unknown key '{show(key)[1:-1]}' in {where(json_path(parent))}." + suggest(
        key, allowed
    )


def _message(context: SchemaContext, data: Any, error: Mapping[str, Any]) -> PolicyError:
    error_type: str = error["type"]
    loc = _strip_tags(tuple(error["loc"]), error_type)
    ctx = error.get("ctx") or {}
    value = error.get("input")
    if "message" in ctx:  # one of ours
        loc = loc + tuple(ctx.get("at") or ())
        message = str(ctx["message"]).replace("{where}", _where_of(data, loc))
        return PolicyError(json_path(loc), error_type, message)
    place = where(json_path(loc))
    parent_model = _model_at(context, data, loc[:-1]) if loc else None
    if error_type == "missing":
        key = loc[-1]
        if (
            parent_model is not None
            and issubclass(parent_model, StrictModel)
            and parent_model.__name__.endswith("Params")
        ):
            action = next((name for name, params in ACTION_PARAMS.items() if params is parent_model), "")
            description = parent_model.model_fields[key].description or ""
            return PolicyError(json_path(loc), "required", f"{action} needs {key}: {description}")
        if key in ("name", "operator") and parent_model is not None and parent_model.__name__ == "Leaf":
            return PolicyError(
                json_path(loc),
                "required",
                f"A condition needs '{key}', e.g. {{name: days_since_delivery, operator: less_than_or_equal_to, "
                "value: 14}.",
            )
        owner = where(json_path(loc[:-1]))
        if len(loc) >= 2 and loc[-2] == "rules" or (len(loc) >= 3 and loc[-3] == "rules"):
            owner = f"rule {loc[-2]}"
        return PolicyError(json_path(loc), "required", f"{owner} needs '{key}'.")
    if error_type in ("extra_forbidden", "invalid_key"):
        code, message = _unknown_key(context, data, loc if error_type == "extra_forbidden" else loc)
        return PolicyError(json_path(loc), code, message)
    if error_type in ("model_type", "model_attributes_type", "dict_type"):
        model = _expected_model(loc)
        example = getattr(model, "doc_example", "") if model is not None else ""
        if model is not None and model.__name__.endswith("Params"):
            return PolicyError(
                json_path(loc),
                "wrong_type",
                f"{given(value)} but params needs a mapping of parameter names to values, e.g. {{days: 30}}.",
            )
        return PolicyError(
            json_path(loc),
            "wrong_type",
            f"{given(value)} but {place} needs a mapping of keys to values"
            + (f", e.g. {example}" if example else "")
            + ".",
        )
    if error_type == "list_type":
        return PolicyError(json_path(loc), "wrong_type", f"{given(value)} but {place} needs a list.")
    if error_type == "too_short":
        if loc and loc[-1] in ("all", "any"):
            return PolicyError(
                json_path(loc), "required", f"'{loc[-1]}' is empty; give it at least one condition."
            )
        if loc and loc[-1] == "actions":
            return PolicyError(
                json_path(loc),
                "required",
                "actions is empty; a rule needs at least one action, e.g. {name: set_window, params: {days: 30}}.",
            )
        return PolicyError(json_path(loc), "required", f"{place} is empty.")
    if error_type == "too_long":
        limit, actual = ctx.get("max_length"), ctx.get("actual_length")
        if loc == ("rules",):
            return PolicyError(
                "$.rules", "too_many", f"The policy has {actual} rules; at most {limit} are allowed."
            )
        if loc and loc[-1] == "actions":
            return PolicyError(
                json_path(loc), "too_many", f"This rule has {actual} actions; at most {limit} are allowed."
            )
        return PolicyError(
            json_path(loc), "too_many", f"{place} has {actual} items; at most {limit} are allowed."
        )
    if error_type == "union_tag_not_found":
        if loc and isinstance(loc[-1], int) and len(loc) >= 2 and loc[-2] == "actions":
            if not isinstance(value, Mapping):
                return PolicyError(
                    json_path(loc),
                    "wrong_type",
                    f"{given(value)} but an action is a mapping such as {{name: set_window, params: {{days: 30}}}}.",
                )
            if "name" not in value:
                return PolicyError(
                    json_path((*loc, "name")), "required", "An action needs a name, e.g. set_window."
                )
            return PolicyError(
                json_path((*loc, "name")),
                "wrong_type",
                f"{given(value.get('name'))} but an action's name needs an action name.",
            )
        return PolicyError(
            json_path(loc),
            "wrong_type",
            f"{given(value)} but a condition is a mapping: {{all: [...]}}, {{any: [...]}} or {{name, operator, value}}.",
        )
    if error_type == "union_tag_invalid":
        name = ctx.get("tag")
        return PolicyError(
            json_path((*loc, "name")),
            "unknown_action",
            f"Unknown action {show(name)}." + suggest(name, sorted(ACTION_MODELS), what="actions"),
        )
    if error_type == "literal_error":
        return PolicyError(json_path(loc), "invalid_choice", f"{show(value)} is not valid here.")
    return PolicyError(json_path(loc), "wrong_type", f"{given(value)} is not valid for {place}.")


def _expected_model(loc: tuple[Any, ...]) -> type[StrictModel] | None:
    """The model a mapping was expected for at this location (for the example in a wrong-type message)."""
    if not loc:
        return schema.PolicyDocument
    last = loc[-1]
    if last == "params" and len(loc) >= 3:
        return schema.Params
    by_key: dict[Any, type[StrictModel]] = {
        "defaults": schema.Defaults,
        "window": schema.Window,
        "calendar": schema.Calendar,
        "working_hours": schema.WorkingHours,
        "sla": schema.Sla,
    }
    if last in by_key:
        return by_key[last]
    if isinstance(last, int) and len(loc) >= 2 and loc[-2] == "rules":
        return schema.RuleModel
    if len(loc) >= 2 and loc[-2] == "sla":
        return schema.SlaTargets
    if isinstance(last, int) and len(loc) >= 3 and loc[-3] == "escalation":
        return schema.Tier
    return None


def _document_order(data: Any) -> dict[tuple[Any, ...], int]:
    """Pre-order position of every path of the raw document (iterative; cycles and depth bounded)."""
    order: dict[tuple[Any, ...], int] = {}
    stack: list[tuple[tuple[Any, ...], Any]] = [((), data)]
    seen: set[int] = set()
    while stack:
        path, node = stack.pop()
        order.setdefault(path, len(order))
        if len(path) > 64 or id(node) in seen:
            continue
        if isinstance(node, Mapping):
            seen.add(id(node))
            stack.extend((path + (key,), node[key]) for key in reversed(list(node)))
        elif isinstance(node, list):
            seen.add(id(node))
            stack.extend((path + (index,), node[index]) for index in range(len(node) - 1, -1, -1))
    return order


def _sort_key(order: dict[tuple[Any, ...], int], error: PolicyError, loc: tuple[Any, ...]) -> tuple[int, int]:
    if loc in order:
        return order[loc], 1
    for cut in range(len(loc) - 1, -1, -1):
        if loc[:cut] in order:
            return order[loc[:cut]], 0
    return 0, 0


def validate_policy(data: Any) -> list[PolicyError]:
    """Every error of a policy document, in document order; an empty list when it is valid. Never raises."""
    return _validate(data)[0]


def _validate(data: Any) -> tuple[list[PolicyError], PolicyDocument | None]:
    if not isinstance(data, Mapping):
        return [
            PolicyError(
                "$",
                "wrong_type",
                f"{given(data)} but a policy is a mapping with schema_version, defaults and rules, e.g. "
                "{schema_version: 1.1, defaults: {currency: EUR, country: DE, time_zone: Europe/Berlin}, rules: []}.",
            )
        ], None
    context = gather_context(data)
    try:
        return [], PolicyDocument.model_validate(data, context=context)
    except ValidationError as exc:
        raw = exc.errors(include_url=False)
    except RecursionError:
        return [PolicyError("$", "too_deep", "The document is nested too deeply to read.")], None
    except Exception as exc:  # the contract is to report, never to raise
        return [
            PolicyError(
                "$", "internal_error", f"The validator failed ({type(exc).__name__}); please report this."
            )
        ], None
    try:
        located: list[tuple[PolicyError, tuple[Any, ...]]] = []
        for error in raw:
            message = _message(context, data, error)
            loc = _strip_tags(tuple(error["loc"]), error["type"]) + tuple(
                (error.get("ctx") or {}).get("at") or ()
            )
            located.append((message, loc))
        order = _document_order(data)
        located.sort(key=lambda item: _sort_key(order, item[0], item[1]))
        errors: list[PolicyError] = []
        for error, _loc in located:
            if error not in errors:
                errors.append(error)
        return errors, None
    except Exception as exc:
        return [
            PolicyError(
                "$", "internal_error", f"The validator failed ({type(exc).__name__}); please report this."
            )
        ], None


# --- the canonical form


def _canonical(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
        return canonical_number(number)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {key: _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    return value


def _normalise_valid(data: Mapping[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = _canonical(data)
    result["schema_version"] = SCHEMA_VERSION
    defaults = result["defaults"]
    defaults["currency"] = defaults["currency"].upper()
    defaults["country"] = defaults["country"].upper()
    calendar = result.get("calendar")
    if isinstance(calendar, dict) and isinstance(calendar.get("holidays_country"), str):
        calendar["holidays_country"] = calendar["holidays_country"].upper()
    for rule in result.get("rules") or ():
        rule["conditions"] = canonical_conditions(rule["conditions"], defaults["currency"])
        actions = []
        for action in rule["actions"]:
            params = {key: value for key, value in (action.get("params") or {}).items() if value is not None}
            for name in money_params(action["name"], params):
                if name in params:
                    params[name] = money_document_value(params[name])
            actions.append({"name": action["name"], "params": params})
        rule["actions"] = actions
    return result


def normalise_policy(data: Any) -> dict[str, Any]:
    """The canonical form of a valid document: what is hashed and published.

    Numbers become ``int`` when whole and ``Decimal`` otherwise (YAML floats and JSON decimals alike), dates ISO
    strings, codes upper case, every condition leaf carries ``value`` (null where the operator takes none, as
    business-rules reads it), every amount and money threshold is a map of currency to decimal text (a bare
    threshold named in the policy's one currency), every action carries ``params`` and parameters written as null
    are left out (they take their default). Raises :class:`PolicyInvalid` if invalid.
    """
    errors = validate_policy(data)
    if errors:
        raise PolicyInvalid(errors)
    return _normalise_valid(data)


def load_policy_text(source: str) -> Any:
    """Policy text -> data, or :class:`PolicyInvalid` with the one syntax error."""
    try:
        data, _format = load_source(source)
    except SourceError as exc:
        place = ""
        if exc.line is not None:
            place = f" (line {exc.line}" + (f", column {exc.column}" if exc.column is not None else "") + ")"
        raise PolicyInvalid([PolicyError("$", "syntax_error", f"{exc}{place}")]) from None
    return data


def parse_policy(source: str | Mapping[str, Any]) -> Policy:
    """Policy text (JSON or YAML) or data -> :class:`Policy`, or :class:`PolicyInvalid` with all errors."""
    if isinstance(source, str):
        data = load_policy_text(source)
    elif isinstance(source, Mapping):
        data = source
    else:
        raise PolicyInvalid(
            [
                PolicyError(
                    "$", "wrong_type", f"{given(source)} but a policy is JSON or YAML text, or a mapping."
                )
            ]
        )
    errors, document = _validate(data)
    if errors or document is None:
        raise PolicyInvalid(errors)
    return Policy.from_document(document, _normalise_valid(data))
