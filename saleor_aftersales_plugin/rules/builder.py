"""What a visual rule builder needs to know about the policy language, as plain JSON.

business-rules' ``export_rule_data`` over the generated variables and actions classes is the base (variables with
their field types, operators per field type, actions with their parameters); the registries add what a form needs:
labels, descriptions, value options, numeric ranges, defaults and examples. The Dashboard app builds its condition
tree, value pickers and action forms from this, so the builder never offers what the engine does not understand.
"""

from decimal import Decimal
from typing import Any

from ..domain.facts import CaseKind, ItemCondition, Resolution
from . import document
from .actions import ACTIONS, ALL_FEES, RETURN_SHIPPING_FEE, rule_data
from .calendar import Anchor, DayKind
from .engine import ENGINE_REASONS
from .schema import ACTION_CONSTRAINTS, ACTION_PARAMS, action_param_types
from .variables import VARIABLES

__all__ = ["builder_data"]


def _number(value: Decimal | float | None) -> str | None:
    return None if value is None else str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def _params(action: str) -> list[dict[str, Any]]:
    """The parameter forms of ``action``, read from its parameter model (the one the validator uses)."""
    model = ACTION_PARAMS[action]
    field_types = action_param_types(action)
    properties = model.model_json_schema().get("properties", {})
    params = []
    for name, info in model.model_fields.items():
        prop = properties.get(name, {})
        # An optional parameter's schema is anyOf [its type, null].
        prop = next((option for option in prop.get("anyOf", []) if option.get("type") != "null"), prop)
        options = prop.get("enum") or prop.get("items", {}).get("enum") or []
        params.append(
            {
                "name": name,
                "fieldType": field_types[name],
                "description": info.description or "",
                "required": info.is_required(),
                "options": [str(option) for option in options],
                "minimum": _number(prop.get("minimum")),
                "maximum": _number(prop.get("maximum")),
                "integer": prop.get("type") == "integer",
                "default": None if info.is_required() else _plain(info.default),
            }
        )
    return params


def builder_data() -> dict[str, Any]:
    """Variables, operators per field type, actions with parameter specs, and the enumerations of the document."""
    data = rule_data()
    variables = [
        {
            "name": spec.name,
            "label": spec.label,
            "fieldType": spec.type_name,
            "description": spec.description,
            "options": list(spec.options),
            "example": _plain(spec.example),
        }
        for spec in (VARIABLES[item["name"]] for item in data["variables"])
    ]
    operators = {
        type_name: [{"name": op["name"], "label": op["label"], "inputType": op["input_type"]} for op in ops]
        for type_name, ops in data["variable_type_operators"].items()
    }
    actions = [
        {
            "name": spec.name,
            "label": spec.label,
            "description": spec.description,
            "setting": spec.setting,
            "constraint": ACTION_CONSTRAINTS.get(spec.name, ""),
            "params": _params(spec.name),
        }
        for spec in (ACTIONS[item["name"]] for item in data["actions"])
    ]
    return {
        "schemaVersion": document.SCHEMA_VERSION,
        "variables": sorted(variables, key=lambda v: v["name"]),
        "operators": operators,
        "actions": sorted(actions, key=lambda a: a["name"]),
        "anchors": [anchor.value for anchor in Anchor],
        "dayKinds": [kind.value for kind in DayKind],
        "resolutions": [resolution.value for resolution in Resolution],
        "caseKinds": [kind.value for kind in CaseKind],
        "conditions": [condition.value for condition in ItemCondition],
        "feeCodes": {"all": ALL_FEES, "returnShipping": RETURN_SHIPPING_FEE},
        "engineReasons": dict(ENGINE_REASONS),
    }
