"""The actions a rule can take, in one registry.

An action writes one *setting* of the decision (eligibility, window, a fee by its code, ...). Settings follow one
conflict rule, documented in docs/policy.md: rules are ranked by priority (higher first), then by their place in the
document (earlier first), and the best-ranked matching rule that writes a setting decides it; later writers are
recorded in the trace as overridden. The business-rules ``Actions`` class is generated from this registry.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from business_rules.actions import BaseActions, rule_action
from business_rules.utils import export_rule_data

from ..domain.facts import Resolution
from ..domain.money import Prices
from ..domain.money import exact_decimal as to_decimal
from .calendar import Anchor, DayKind
from .fees import FeeCap, FeeKind, FeeScope, FeeSpec
from .schema import ALL_FEES, RETURN_SHIPPING_FEE, action_param_types, check_money
from .thresholds import MoneyType
from .variables import PolicyVariables

__all__ = [
    "ACTIONS",
    "ALL_FEES",
    "RETURN_SHIPPING_FEE",
    "ActionSpec",
    "PolicyActions",
    "rule_data",
    "to_decimal",
]


class SettingSink(Protocol):
    """Receives what a matching rule's actions write; the decision builder implements it."""

    def write(self, setting: str, value: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: str
    label: str
    description: str
    apply: Callable[[SettingSink, Mapping[str, Any]], None]
    setting: str
    """The setting this action writes ('fee:<code>' settings are keyed by the fee code)."""

    @property
    def params(self) -> dict[str, str]:
        """Parameter name -> business-rules field type, read from the action's parameter model in :mod:`.schema`."""
        return action_param_types(self.name)


@dataclass(frozen=True, slots=True)
class Eligibility:
    allowed: bool
    reason: str


@dataclass(frozen=True, slots=True)
class WindowSetting:
    days: int
    anchor: Anchor
    day_kind: DayKind


@dataclass(frozen=True, slots=True)
class SlaSetting:
    first_response_hours: Decimal | None
    resolution_working_days: Decimal | None
    first_response_clock: str = "working"
    """``calendar`` (around the clock) or ``working`` (working hours of the shop's calendar)."""


WAIVED = "waived"

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_RESOLUTIONS = tuple(r.value for r in Resolution)


def _fee_setting(code: str) -> str:
    return f"fee:{code}"


def _allow(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write("eligibility", Eligibility(True, params.get("reason") or "allowed"))


def _deny(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write("eligibility", Eligibility(False, params["reason"]))


def _set_window(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write(
        "window",
        WindowSetting(
            int(to_decimal(params["days"])),
            Anchor(params.get("anchor") or Anchor.DELIVERY),
            DayKind(params.get("day_kind") or DayKind.CALENDAR),
        ),
    )


def prices(value: Any) -> Prices:
    """A published amount (``{"USD": "5.00"}``, or ``{amount, currency}``) as :class:`Prices`."""
    return value if isinstance(value, Prices) else check_money(value)


def fee_spec(action: str, params: Mapping[str, Any], rule_id: str = "") -> FeeSpec:
    """The fee an add_fee or charge_return_shipping action charges."""
    if action == "charge_return_shipping":
        return FeeSpec(
            RETURN_SHIPPING_FEE, FeeKind.FIXED, prices(params["amount"]), FeeScope.CASE, rule_id=rule_id
        )
    kind = FeeKind(params["kind"])
    cap = params.get("cap")
    return FeeSpec(
        code=params["code"],
        kind=kind,
        amount=to_decimal(params["amount"]) if kind is FeeKind.PERCENT else prices(params["amount"]),
        scope=FeeScope(params.get("scope") or FeeScope.LINE),
        cap=None if cap is None else prices(cap),
        rule_id=rule_id,
    )


def fee_cap(params: Mapping[str, Any]) -> FeeCap:
    amount, percent = params.get("amount"), params.get("percent")
    return FeeCap(
        amount=None if amount is None else prices(amount),
        percent=None if percent is None else to_decimal(percent),
    )


def _add_fee(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write(_fee_setting(params["code"]), fee_spec("add_fee", params))


def _charge_return_shipping(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write(_fee_setting(RETURN_SHIPPING_FEE), fee_spec("charge_return_shipping", params))


def _waive_fee(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write(_fee_setting(params["code"]), WAIVED)


def _cap_fees(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write("fee_cap", fee_cap(params))


def _set_resolutions(sink: SettingSink, params: Mapping[str, Any]) -> None:
    chosen = set(params["resolutions"])
    sink.write("resolutions", tuple(r for r in _RESOLUTIONS if r in chosen))


def _set_store_credit_bonus(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write("store_credit_bonus", to_decimal(params["percent"]))


def _require_review(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write("review", True)


def _auto_approve(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write("review", False)


def _require_photos(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write("photos_required", int(to_decimal(params.get("count") or 1)))


def _set_warranty(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write("warranty_months", int(to_decimal(params["months"])))


def first_response_target(targets: Mapping[str, Any]) -> tuple[Any, str]:
    """(hours, clock) of ``first_response: {hours, clock}``, or of ``first_response_hours`` (working hours)."""
    first = targets.get("first_response")
    if isinstance(first, Mapping):
        return first.get("hours"), first.get("clock") or "working"
    return targets.get("first_response_hours"), "working"


def _set_sla(sink: SettingSink, params: Mapping[str, Any]) -> None:
    (hours, clock), days = first_response_target(params), params.get("resolution_working_days")
    sink.write(
        "sla",
        SlaSetting(
            None if hours is None else to_decimal(hours), None if days is None else to_decimal(days), clock
        ),
    )


def _set_escalation_path(sink: SettingSink, params: Mapping[str, Any]) -> None:
    sink.write("escalation_path", params["path"])


ACTIONS: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in [
        ActionSpec(
            "allow", "Allow", "The line may be returned (still subject to the window).", _allow, "eligibility"
        ),
        ActionSpec(
            "deny", "Deny", "The line may not be returned, for the given reason.", _deny, "eligibility"
        ),
        ActionSpec(
            "set_window",
            "Set return window",
            "How long after the anchor event a request may be made.",
            _set_window,
            "window",
        ),
        ActionSpec(
            "add_fee",
            "Add a fee",
            "Deduct a fee from the refund: a percentage of the refundable amount or a fixed amount, per line or per case.",
            _add_fee,
            "fee",
        ),
        ActionSpec(
            "charge_return_shipping",
            "Charge return shipping",
            "Deduct the cost of the return label once per case (fee code 'return_shipping').",
            _charge_return_shipping,
            "fee",
        ),
        ActionSpec(
            "waive_fee",
            "Waive a fee",
            "Remove a fee set by lower-ranked rules; code '*' waives every fee.",
            _waive_fee,
            "fee",
        ),
        ActionSpec(
            "cap_fees",
            "Cap the fees",
            "Upper bound for all fees of a case: an amount, a percentage of the refundable amount, or both (lower wins).",
            _cap_fees,
            "fee_cap",
        ),
        ActionSpec(
            "set_resolutions",
            "Set allowed resolutions",
            "What the customer may choose: " + ", ".join(_RESOLUTIONS) + ".",
            _set_resolutions,
            "resolutions",
        ),
        ActionSpec(
            "set_store_credit_bonus",
            "Store credit bonus",
            "Extra store credit, as a percentage of the refund, for customers who choose store credit.",
            _set_store_credit_bonus,
            "store_credit_bonus",
        ),
        ActionSpec(
            "require_review", "Require review", "Staff must approve the request.", _require_review, "review"
        ),
        ActionSpec(
            "auto_approve",
            "Approve automatically",
            "Eligible requests are approved at once.",
            _auto_approve,
            "review",
        ),
        ActionSpec(
            "require_photos",
            "Require photos",
            "The customer must attach photos of the item.",
            _require_photos,
            "photos_required",
        ),
        ActionSpec(
            "set_warranty",
            "Set warranty",
            "Months after delivery during which repairs are free.",
            _set_warranty,
            "warranty_months",
        ),
        ActionSpec(
            "set_sla",
            "Set service targets",
            "Promised first response (hours) and resolution (working days) for matching cases.",
            _set_sla,
            "sla",
        ),
        ActionSpec(
            "set_escalation_path",
            "Set escalation path",
            "Which of the policy's escalation paths handles matching cases.",
            _set_escalation_path,
            "escalation_path",
        ),
    ]
}


def _action_method(spec: ActionSpec) -> Callable[..., None]:
    # business-rules checks declared parameter names against the function's own argument names, so each action
    # method is generated with the real parameter list instead of **kwargs.
    namespace: dict[str, Any] = {"_apply": spec.apply}
    args = ", ".join(f"{name}=None" for name in spec.params)
    call_params = ", ".join(f"{name!r}: {name}" for name in spec.params)
    source = (
        f"def {spec.name}(self{', ' if args else ''}{args}):\n"
        f"    _apply(self.sink, {{k: v for k, v in {{{call_params}}}.items() if v is not None}})\n"
    )
    exec(compile(source, f"<action {spec.name}>", "exec"), namespace)
    generated = namespace[spec.name]
    generated.__doc__ = spec.description
    return rule_action(label=spec.label, params=dict(spec.params) or None)(generated)


class PolicyActions(BaseActions):
    """business-rules view of :data:`ACTIONS`, writing into a setting sink; methods are generated from the registry."""

    def __init__(self, sink: SettingSink) -> None:
        self.sink = sink


for _spec in ACTIONS.values():
    setattr(PolicyActions, _spec.name, _action_method(_spec))


def rule_data() -> dict[str, Any]:
    """business-rules' ``export_rule_data`` of the policy language (variables, operators per type, actions), with
    the money type business-rules does not know of."""
    data = export_rule_data(PolicyVariables, PolicyActions)
    data["variable_type_operators"][MoneyType.name] = MoneyType.get_all_operators()
    return data
