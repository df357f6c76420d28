"""What a visual rule builder needs to know about the policy language, as plain JSON.

business-rules' ``export_rule_data`` over the generated variables and actions classes is the base (variables with
their field types, operators per field type, actions with their parameters); the registries add what a form needs:
labels, descriptions, value options, numeric ranges, defaults and examples. The Dashboard app builds its condition
tree, value pickers and action forms from this, so the builder never offers what the engine does not understand.
"""

from decimal import Decimal
from typing import Any

from business_rules.utils import export_rule_data

from ..domain.facts import CaseKind, ItemCondition, Resolution
from . import document
from .actions import ACTIONS, ALL_FEES, RETURN_SHIPPING_FEE, PolicyActions
from .calendar import Anchor, DayKind
from .engine import ENGINE_REASONS
from .validation import ACTION_CONSTRAINTS
from .variables import VARIABLES, PolicyVariables

__all__ = ["builder_data"]


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def builder_data() -> dict[str, Any]:
    """Variables, operators per field type, actions with parameter specs, and the enumerations of the document."""
    data = export_rule_data(PolicyVariables, PolicyActions)
    variables = []
    for item in data["variables"]:
        spec = VARIABLES[item["name"]]
        variables.append(
            {
                "name": spec.name,
                "label": spec.label,
                "fieldType": item["field_type"],
                "description": spec.description,
                "options": list(spec.options),
                "example": _plain(spec.example),
            }
        )
    operators = {
        type_name: [{"name": op["name"], "label": op["label"], "inputType": op["input_type"]} for op in ops]
        for type_name, ops in data["variable_type_operators"].items()
    }
    actions = []
    for item in data["actions"]:
        spec = ACTIONS[item["name"]]
        actions.append(
            {
                "name": spec.name,
                "label": spec.label,
                "description": spec.description,
                "setting": spec.setting,
                "constraint": ACTION_CONSTRAINTS.get(spec.name, ""),
                "params": [
                    {
                        "name": param.name,
                        "fieldType": param.field_type,
                        "description": param.description,
                        "required": param.required,
                        "options": list(param.options),
                        "minimum": _number(param.minimum),
                        "maximum": _number(param.maximum),
                        "integer": param.integer,
                        "default": _plain(param.default),
                    }
                    for param in spec.params
                ],
            }
        )
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
