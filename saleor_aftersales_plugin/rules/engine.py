"""Evaluating a policy against a case.

Two engines find the matching rules:

* the **reference** engine runs business-rules' own ``run`` for each rule over the generated
  ``PolicyVariables``/``PolicyActions`` classes: business-rules is the definition of what a condition means;
* the **compiled** engine turns the policy's condition trees and writes into one generated function once per policy,
  computes each variable at most once per line (a value the case's lines share, and the conditions on it, once per
  case) and records which rules matched, from which the trace is built when read. A differential property test
  proves both agree; ``bench/rules.py`` measures the difference in speed.

Both feed the same :class:`SettingsBuilder` and :func:`_decide`, which applies the checks that follow the rules
(window, quantity available, warranty) and the money.
"""

import calendar as stdlib_calendar
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal, localcontext
from functools import partial
from typing import Any

from business_rules.engine import run as business_rules_run
from business_rules.operators import BooleanType, NumericType, SelectMultipleType, SelectType, StringType

from ..domain.facts import CaseFacts, CaseKind, LineRequest, OrderLineFacts, ProductFacts, Resolution
from ..domain.money import ROUNDING_MODES, MissingCurrency, quantize, refundable_amount
from ..i18n import DEFAULT_LANGUAGE, REASON_TEXTS
from .actions import ACTIONS, PolicyActions, SlaSetting
from .calendar import Anchor, DayKind, resolve_anchor
from .decision import (
    ALL_FEES_SETTING,
    DEFAULTS,
    CaseDecision,
    ConditionTrace,
    LazyTrace,
    LineDecision,
    RuleTrace,
    SettingsBuilder,
    WriteOutcome,
)
from .document import Policy, Rule
from .fees import FeeCap, FeeScope, FeeSpec, settle
from .thresholds import (
    COMPARISONS,
    AmountIn,
    MoneyType,
    amount_text,
    compare,
    missing_currency_note,
    threshold_amounts,
)
from .variables import VARIABLES, LineContext, PolicyVariables, compile_pattern

# Customer-facing reason codes produced by the engine itself (rules add their own through allow/deny).
REASON_WINDOW_EXPIRED = "window_expired"
REASON_NOT_FULFILLED = "not_fulfilled"
REASON_QUANTITY_NOT_AVAILABLE = "quantity_not_available"
REASON_RESOLUTION_NOT_OFFERED = "resolution_not_offered"
REASON_NOT_ELIGIBLE = "not_eligible"
REASON_NO_AMOUNT_IN_CURRENCY = "no_amount_in_currency"
ENGINE_REASONS = {
    code: REASON_TEXTS[DEFAULT_LANGUAGE][code]
    for code in (
        REASON_NO_AMOUNT_IN_CURRENCY,
        REASON_WINDOW_EXPIRED,
        REASON_NOT_FULFILLED,
        REASON_QUANTITY_NOT_AVAILABLE,
        REASON_RESOLUTION_NOT_OFFERED,
        REASON_NOT_ELIGIBLE,
    )
}
"""The engine's own reason codes with their English texts (the i18n catalogue has them in every language)."""

_ZERO = Decimal(0)
_HUNDRED = Decimal(100)
_RESOLUTIONS = tuple(resolution.value for resolution in Resolution)
WINDOW_KINDS = frozenset({CaseKind.RETURN, CaseKind.EXCHANGE})
LINE_CHECK_KINDS = frozenset({CaseKind.RETURN, CaseKind.EXCHANGE, CaseKind.REPAIR})


# --- the compiled evaluator ------------------------------------------------------------------------------------

Values = dict[str, Any]
Predicate = Callable[[Values], bool]
_EPSILON = NumericType.EPSILON


# Variables that read only the case (not the line) are computed once per case; day counts once per case and
# (delivery, fulfilment) pair, since they read nothing else of the line.
_CASE_VARIABLES = frozenset(
    {
        "order_total",
        "is_guest",
        "customer_email",
        "prior_returns_count",
        "prior_returns_value",
        "shipping_country",
        "channel",
        "case_kind",
    }
)
_DAY_VARIABLES = frozenset(
    name for name in VARIABLES if name.startswith(("days_since_", "business_days_since_", "months_since_"))
)


class _LineValues(dict):
    """Variable values of one line, each computed on first use; ``shared`` keeps the ones lines of a case share."""

    __slots__ = ("context", "shared")

    def __init__(self, context: LineContext, shared: dict[Any, Any] | None = None) -> None:
        super().__init__()
        self.context = context
        self.shared = {} if shared is None else shared

    def __missing__(self, name: str) -> Any:
        # The compiled matcher reads the shared values by the same keys (_MatcherSource.local).
        sharing, compute = _VARIABLE_PLANS[name]
        if sharing is _PER_LINE:
            value = self[name] = compute(self.context)
            return value
        if sharing is _PER_CASE:
            key: Any = name
        else:
            line = self.context.line
            key = (name, line.delivered_at, line.fulfilled_at)
        shared = self.shared
        value = shared.get(key, _NOT_COMPUTED)
        if value is _NOT_COMPUTED:
            value = shared[key] = compute(self.context)
        self[name] = value
        return value


def _numeric(value: Any) -> Decimal:
    return NumericType._assert_valid_value_and_cast(value)


def _string(value: Any) -> str:
    value = value or ""
    if not isinstance(value, str):
        raise AssertionError(f"{value} is not a valid string type.")
    return value


def _boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise AssertionError(f"{value} is not a valid boolean type")
    return value


def _money(value: Any) -> AmountIn:
    return value if type(value) is AmountIn else MoneyType(value).value


def _lowered(values: Any) -> tuple[Any, ...]:
    return tuple([v.lower() if isinstance(v, str) else v for v in values])


_CASTS: dict[type, Callable[[Any], Any]] = {
    NumericType: _numeric,
    StringType: _string,
    BooleanType: _boolean,
    MoneyType: _money,
    SelectType: _lowered,
    SelectMultipleType: _lowered,
}

_PER_LINE, _PER_CASE, _PER_DAYS = "line", "case", "days"
_NOT_COMPUTED = object()


def _plan(name: str) -> tuple[str, Callable[[LineContext], Any]]:
    """How a variable is shared between the lines of a case, and its getter composed with its type's cast."""
    spec = VARIABLES[name]
    getter, cast = spec.getter, _CASTS[spec.field_type]
    sharing = _PER_CASE if name in _CASE_VARIABLES else _PER_DAYS if name in _DAY_VARIABLES else _PER_LINE
    return sharing, lambda context: cast(getter(context))


_VARIABLE_PLANS = {name: _plan(name) for name in VARIABLES}


def _leaf(name: str, operator: str, expected: Any) -> Predicate:
    """One condition as a closure with the same meaning as business-rules' operator."""
    field_type = VARIABLES[name].field_type
    if field_type is NumericType:
        other, holds = _numeric(expected), COMPARISONS[operator]
        return lambda v: holds(v[name], other)
    if field_type is MoneyType:
        limits = threshold_amounts(expected)
        return lambda v: compare(operator, v[name], limits)
    if field_type is StringType:
        if operator == "non_empty":
            return lambda v: bool(v[name])
        text = _string(expected)
        if operator == "matches_regex":
            matches = compile_pattern(text)
            return lambda v: matches(v[name])
        lowered = text.lower()
        string_ops: dict[str, Predicate] = {
            "equal_to": lambda v: v[name] == text,
            "equal_to_case_insensitive": lambda v: v[name].lower() == lowered,
            "starts_with": lambda v: v[name].startswith(text),
            "ends_with": lambda v: v[name].endswith(text),
            "contains": lambda v: text in v[name],
        }
        return string_ops[operator]
    if field_type is BooleanType:
        return (lambda v: v[name]) if operator == "is_true" else (lambda v: not v[name])
    if field_type is SelectType:
        item = expected.lower() if isinstance(expected, str) else expected
        if operator == "contains":
            return lambda v: item in v[name]
        return lambda v: item not in v[name]
    # SelectMultipleType: business-rules compares element by element, case-insensitively for text.
    wanted = _lowered(expected)
    wanted_set = frozenset(wanted)
    multiple_ops: dict[str, Predicate] = {
        "contains_all": lambda v: wanted_set.issubset(v[name]),
        "is_contained_by": lambda v: wanted_set.issuperset(v[name]),
        "shares_at_least_one_element_with": lambda v: not wanted_set.isdisjoint(v[name]),
        "shares_exactly_one_element_with": lambda v: sum(1 for w in wanted if w in v[name]) == 1,
        "shares_no_elements_with": lambda v: wanted_set.isdisjoint(v[name]),
    }
    return multiple_ops[operator]


def _bounds(operator: str, limit: Decimal) -> tuple[Decimal, Decimal]:
    """The closed or open interval of values that pass business-rules' numeric ``operator`` against ``limit``:
    (low, high) such that the test is a plain comparison with the epsilon already added (computed exactly)."""
    with localcontext(prec=_BOUND_PRECISION):
        low, high = limit - _EPSILON, limit + _EPSILON
    return {
        "equal_to": (low, high),  # |v - limit| <= eps
        "greater_than": (high, high),  # v - limit > eps
        "greater_than_or_equal_to": (low, low),  # v - limit > eps or |v - limit| <= eps
        "less_than": (low, low),  # limit - v > eps
        "less_than_or_equal_to": (high, high),  # limit - v > eps or |v - limit| <= eps
    }[operator]


_BOUND_PRECISION = 100


class _Never:
    """A bound no value passes: every comparison with it is false (Decimal defers to it, NaN and infinities too)."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    __le__ = __gt__ = __ge__ = __lt__

    def __repr__(self) -> str:
        return "_NEVER"


_NEVER = _Never()
_NUMERIC_TESTS = {
    "equal_to": "({low} <= {a} <= {high})",
    "greater_than": "({a} > {high})",
    "greater_than_or_equal_to": "({a} >= {low})",
    "less_than": "({a} < {low})",
    "less_than_or_equal_to": "({a} <= {high})",
}
_STRING_TESTS = {
    "equal_to": "({a} == {b})",
    "equal_to_case_insensitive": "({a}.lower() == {b})",
    "starts_with": "{a}.startswith({b})",
    "ends_with": "{a}.endswith({b})",
    "contains": "({b} in {a})",
}
_SET_TESTS = {
    "contains_all": "{b}.issubset({a})",
    "is_contained_by": "{b}.issuperset({a})",
    "shares_at_least_one_element_with": "(not {b}.isdisjoint({a}))",
    "shares_no_elements_with": "{b}.isdisjoint({a})",
}


class _Deferred:
    """A condition of the case's shared values whose evaluation raised: testing it on a line raises again, where and
    as evaluating it there would have."""

    __slots__ = ("test",)

    def __init__(self, test: Callable[[], Any]) -> None:
        self.test = test

    def __bool__(self) -> bool:
        return bool(self.test())


class _MatcherSource:
    """Python source of a policy's condition trees, evaluated on a new line's :class:`_LineValues` ``v``.

    Text and whole numbers are written as literals, other constants become the names ``K0``, ``K1``... of the
    generated function's closure. Each variable the conditions use is read into locals once per line (``loads``):
    the value, and for lists their set, for money its amount and the bounds of its conditions in its currency. A
    test that cannot raise and has no effect (a text or set test) and occurs in more than one place is computed
    once per line (``tests``).

    With ``case_tests``, each condition on a value the lines of a case share (the order's, the customer's, the days
    since delivery) is evaluated once per case instead, by a second function (scope ``"case"``).
    """

    def __init__(self, case_tests: bool = False) -> None:
        self.constants: list[Any] = []
        self.names: dict[tuple[type, Any], str] = {}  # hashable constants already named, by type and value
        self.loads: dict[str, dict[str, str]] = {"line": {}, "case": {}}
        # scope -> variable -> bounds per money condition
        self.money: dict[str, dict[str, list[dict[str, tuple[Decimal, Decimal]]]]] = {"line": {}, "case": {}}
        self.tests: dict[str, int] = {}  # test expression -> its number
        self.uses: list[int] = []  # uses of each numbered test
        self.by_case: dict[str, int] | None = {} if case_tests else None  # case test expression -> its number
        self.case_by_days = False  # whether a case test reads days since delivery (shared per instants)

    def constant(self, value: Any) -> str:
        if type(value) is str or type(value) is int:  # literals (bool, a subclass of int, is not one)
            return repr(value)
        key = None
        if value.__hash__ is not None:
            key = (type(value), value)
            if key in self.names:
                return self.names[key]
        self.constants.append(value)
        name = f"K{len(self.constants) - 1}"
        if key is not None:
            self.names[key] = name
        return name

    def local(self, name: str, part: str = "", scope: str = "line") -> str:
        loads = self.loads[scope]
        value = f"x_{name}"
        if value not in loads:
            sharing, _ = _VARIABLE_PLANS[name]
            if sharing is _PER_LINE:  # computed here: v is a new line's _LineValues, which has no value yet
                spec = VARIABLES[name]
                cast, getter = self.constant(_CASTS[spec.field_type]), self.constant(spec.getter)
                loads[value] = f"v[{name!r}] = {cast}({getter}(v.context))"
            else:  # computed once per case: taken from the case's shared values, else computed by v.__missing__
                loads.setdefault("shared", "v.shared")
                if sharing is _PER_CASE:
                    key = f"{name!r}"
                else:
                    loads.setdefault("line", "v.context.line")
                    key = f"k_{name}"
                    loads[key] = f"({name!r}, line.delivered_at, line.fulfilled_at)"
                loads[value] = f"v[{name!r}] = shared[{key}] if {key} in shared else v[{name!r}]"
        if part == "set":
            loads.setdefault(f"{value}_set", f"frozenset({value})")
        elif part == "amount":
            loads.setdefault(f"{value}_{part}", f"{value}.{part}")
        return f"{value}_{part}" if part else value

    def money_bounds(
        self, name: str, operator: str, limits: Mapping[str, Decimal], scope: str = "line"
    ) -> tuple[str, str]:
        """Locals holding the (low, high) bounds of a money condition in the line's currency (see :meth:`money_loads`)."""
        slots = self.money[scope].setdefault(name, [])
        slots.append({currency: _bounds(operator, limit) for currency, limit in limits.items()})
        number = len(slots) - 1
        return f"m_{name}_{number}_low", f"m_{name}_{number}_high"

    def money_loads(self, scope: str = "line") -> list[str]:
        """Once per line, each money condition's bounds in the line's currency, unpacked into locals from a table of
        every currency the conditions of a variable name. A condition without an amount in that currency gets
        :data:`_NEVER` for bounds, which no value passes (as thresholds.compare decides), whatever the value."""
        loads = []
        for name, slots in self.money[scope].items():
            tables = {
                currency: tuple(bound for bounds in slots for bound in bounds.get(currency, (_NEVER, _NEVER)))
                for currency in sorted({currency for bounds in slots for currency in bounds})
            }
            targets = ", ".join(
                f"m_{name}_{number}_{part}" for number in range(len(slots)) for part in ("low", "high")
            )
            never = self.constant((_NEVER,) * 2 * len(slots))
            loads.append(f"({targets},) = {self.constant(tables)}.get(x_{name}.currency, {never})")
        return loads

    def pure_test(self, expression: str) -> str:
        """A placeholder for ``expression``, a test without effects that cannot raise; see :meth:`resolve`."""
        number = self.tests.setdefault(expression, len(self.tests))
        if number == len(self.uses):
            self.uses.append(0)
        self.uses[number] += 1
        return f"\0{number}\0"

    def resolve(self, code: str) -> str:
        """``code`` with each test placeholder replaced by the test, or by its local where it is used twice or more."""
        expressions = list(self.tests)
        return re.sub(
            "\0([0-9]+)\0",
            lambda found: f"t{found[1]}" if self.uses[int(found[1])] > 1 else expressions[int(found[1])],
            code,
        )

    def shared_tests(self) -> list[tuple[str, str]]:
        """(local, test) of each test used twice or more."""
        return [(f"t{number}", test) for test, number in self.tests.items() if self.uses[number] > 1]

    def expression(self, node: Mapping[str, Any]) -> str:
        for key, joiner in (("all", " and "), ("any", " or ")):
            if key in node:
                return "(" + joiner.join(self.expression(child) for child in node[key]) + ")"
        name = node["name"]
        if self.by_case is not None and _VARIABLE_PLANS[name][0] is not _PER_LINE:
            test = self.leaf(node, "case")
            self.case_by_days = self.case_by_days or _VARIABLE_PLANS[name][0] is _PER_DAYS
            return f"c{self.by_case.setdefault(test, len(self.by_case))}"
        return self.leaf(node, "line")

    def leaf(self, node: Mapping[str, Any], scope: str) -> str:
        name, operator, expected = node["name"], node["operator"], node.get("value")
        field_type = VARIABLES[name].field_type
        if field_type is NumericType:
            low, high = _bounds(operator, _numeric(expected))
            test = _NUMERIC_TESTS[operator]
            return test.format(
                a=self.local(name, "", scope), low=self.constant(low), high=self.constant(high)
            )
        if field_type is MoneyType and operator in _NUMERIC_TESTS:
            low, high = self.money_bounds(name, operator, threshold_amounts(expected), scope)
            return _NUMERIC_TESTS[operator].format(a=self.local(name, "amount", scope), low=low, high=high)
        if field_type is BooleanType:
            value = self.local(name, "", scope)
            return value if operator == "is_true" else f"(not {value})"
        # The variable is a str (the cast checks it) or a frozenset of its lowered items: these tests never raise.
        if field_type is StringType and operator in _STRING_TESTS:
            text = _string(expected)
            wanted = text.lower() if operator == "equal_to_case_insensitive" else text
            test = _STRING_TESTS[operator].format(a=self.local(name, "", scope), b=self.constant(wanted))
            return self.pure_test(test) if scope == "line" else test
        if field_type is SelectMultipleType and operator in _SET_TESTS:
            wanted_set = self.constant(frozenset(_lowered(expected)))
            test = _SET_TESTS[operator].format(a=self.local(name, "set", scope), b=wanted_set)
            return self.pure_test(test) if scope == "line" else test
        return f"{self.constant(_leaf(name, operator, expected))}(v)"

    def case_function(self) -> list[str]:
        """The source of ``case_tests(v)``: every case test evaluated on a line's values, as a tuple. A test that
        raises becomes a :class:`_Deferred` that raises on the line where a rule tests it."""
        assert self.by_case is not None
        deferred = self.constant(_Deferred)
        lines = [
            "    def case_tests(v):",
            *(f"        {local} = {value}" for local, value in self.loads["case"].items()),
            *(f"        {load}" for load in self.money_loads("case")),
        ]
        for test, number in self.by_case.items():
            lines += [
                "        try:",
                f"            c{number} = {test}",
                "        except Exception:",
                f"            c{number} = {deferred}(lambda: {test})",
            ]
        tests = "".join(f"c{number}, " for number in range(len(self.by_case)))
        return [*lines, f"        return ({tests})"]

    def case_loads(self) -> list[str]:
        """In the line's function: the case tests, computed by its first line and kept in the shared values."""
        assert self.by_case
        loads = self.loads["line"]
        loads.setdefault("shared", "v.shared")
        if self.case_by_days:
            loads.setdefault("line", "v.context.line")
            key = "('\\0case tests', line.delivered_at, line.fulfilled_at)"
        else:
            key = "'\\0case tests'"
        tests = "".join(f"c{number}, " for number in range(len(self.by_case)))
        return [
            f"case_key = {key}",
            f"({tests}) = shared[case_key] if case_key in shared else shared.setdefault(case_key, case_tests(v))",
        ]


Matcher = Callable[[Values, dict[str, Any], dict[str, str], list[str]], list[int]]
"""A compiled policy's rules on a line: (values, settings, decided_by, fee settings) -> matching rules' positions."""


def _compile_matcher(
    rules: Sequence[Rule], writes: Sequence[Sequence[tuple[str, Any]]], *, case_tests: bool = False
) -> Matcher | None:
    """One generated function for the whole policy: it takes the matching rules' writes into a line's settings
    and returns the positions of the matching rules, in order.

    Generating Python source removes a call per rule and per condition node, and each variable the policy uses is
    read once per line into a local (the lines' variables are computed on that first read, shared ones once per
    case); comparisons against numbers and amounts are single comparisons with the epsilon already applied, and a
    text or set test several rules share is computed once per line. With ``case_tests`` the conditions on values
    the case's lines share are evaluated once per case (None when there are none).
    """
    source = _MatcherSource(case_tests)
    body = []
    for position, (rule, rule_writes) in enumerate(zip(rules, writes, strict=True)):
        body += [f"        if {source.expression(rule.conditions)}:", f"            add({position})"]
        # A matching rule's writes, as SettingsBuilder.apply_matched takes them: the first write of a setting
        # wins, and a fee once all fees are (fee:*) is overridden.
        for setting, value in rule_writes:
            is_fee = setting.startswith("fee:")
            taken = f"{setting!r} not in settings" + (
                f" and {ALL_FEES_SETTING!r} not in settings" if is_fee else ""
            )
            body += [
                f"            if {taken}:",
                f"                settings[{setting!r}] = {source.constant(value)}",
                f"                decided_by[{setting!r}] = {rule.id!r}",
            ]
            if is_fee:
                body.append(f"                fee_settings.append({setting!r})")
    case: list[str] = []
    if case_tests:
        if not source.by_case:
            return None
        case = source.case_function()
        body = [f"        {load}" for load in source.case_loads()] + body
    money = [f"        {load}" for load in source.money_loads()]  # adds constants
    lines = [
        "def make(K):",
        *(f"    K{index} = K[{index}]" for index in range(len(source.constants))),
        *case,
        "    def matches(v, settings, decided_by, fee_settings):",
        "        m = []",
        "        add = m.append",
        *(f"        {local} = {value}" for local, value in source.loads["line"].items()),
        *money,
        *(f"        {local} = {test}" for local, test in source.shared_tests()),
        *body,
        "        return m",
        "    return matches",
    ]
    namespace: dict[str, Any] = {}
    exec(compile(source.resolve("\n".join(lines)), "<policy rules>", "exec"), namespace)
    return namespace["make"](source.constants)  # type: ignore[no-any-return]


# An explainer mirrors the condition tree with each leaf's predicate compiled once:
# ("all" | "any", children) or ("leaf", (name, operator, expected, predicate)).
Explainer = tuple[str, Any]


def _explainer(node: Mapping[str, Any]) -> Explainer:
    for key in ("all", "any"):
        if key in node:
            return key, tuple(_explainer(child) for child in node[key])
    name, operator, expected = node["name"], node["operator"], node.get("value")
    return "leaf", (name, operator, expected, _leaf(name, operator, expected))


def _explain(explainer: Explainer, values: Values, out: list[ConditionTrace]) -> bool:
    """Evaluate every leaf (no short-circuit) so the trace shows each actual value; same truth as _compile."""
    kind, payload = explainer
    if kind == "all":
        return all([_explain(child, values, out) for child in payload])
    if kind == "any":
        return any([_explain(child, values, out) for child in payload])
    name, operator, expected, predicate = payload
    passed = bool(predicate(values))
    actual, note = values[name], ""
    if isinstance(actual, AmountIn):
        if actual.currency not in threshold_amounts(expected):
            note = missing_currency_note(expected, actual.currency)
        actual = actual.as_trace()
    elif isinstance(actual, tuple):
        actual = list(actual)
    out.append(ConditionTrace(name, operator, expected, actual, passed, note))
    return passed


class _RecordedWrites:
    """Setting sink that keeps what a rule's actions write; the writes depend only on the rule, not on the case."""

    def __init__(self) -> None:
        self.writes: list[tuple[str, Any]] = []

    def write(self, setting: str, value: Any) -> None:
        self.writes.append((setting, value))


def writes_of(rule: Rule) -> tuple[tuple[str, Any], ...]:
    """The (setting, value) pairs a matching ``rule`` writes, in action order."""
    recorder = _RecordedWrites()
    for action in rule.actions:
        ACTIONS[action["name"]].apply(recorder, action.get("params") or {})
    return tuple(
        (setting, replace(value, rule_id=rule.id) if isinstance(value, FeeSpec) else value)
        for setting, value in recorder.writes
    )


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    explainer: Explainer
    writes: tuple[tuple[str, Any], ...]


class CompiledPolicy:
    """A policy with its conditions compiled once; decide() is safe to call from many threads."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        ranked = policy.ranked_rules
        self._rules = tuple(
            _CompiledRule(rule, _explainer(rule.conditions), writes_of(rule)) for rule in ranked
        )
        writes = [compiled.writes for compiled in self._rules]
        self._matches = _compile_matcher(ranked, writes)
        # For a case of several lines: the conditions on what its lines share are evaluated once per case.
        self._matches_per_case = _compile_matcher(ranked, writes, case_tests=True) or self._matches

    def settings_for(
        self, context: LineContext, *, explain: bool = True, shared: dict[Any, Any] | None = None
    ) -> SettingsBuilder:
        """The settings the matching rules write for one line.

        Only the matching rules are applied. The line's trace is a :class:`LazyTrace` of the matching rules (what
        each decided and overrode, replayed when read), or with ``explain`` every rule with each condition's actual
        value (re-evaluated over the line's computed variables when read), built into :class:`RuleTrace` items
        only when read.
        """
        builder = SettingsBuilder()
        values = _LineValues(context, shared)
        matches = self._matches_per_case if len(context.facts.lines) > 1 else self._matches
        assert matches is not None
        matched = matches(values, builder.values, builder.decided_by, builder.fee_settings)
        if explain:
            builder.lazy_trace = LazyTrace(lambda: self._expand_trace(values, self._outcomes(matched)))
        else:
            builder.lazy_trace = LazyTrace(lambda: self._matched_trace(self._outcomes(matched)))
        return builder

    def _outcomes(self, matched: Sequence[int]) -> dict[int, WriteOutcome]:
        """What each matching rule decided and found already decided, replayed through a builder."""
        replay = SettingsBuilder()
        rules = self._rules
        return {
            position: replay.apply_matched(rules[position].rule.id, rules[position].writes)
            for position in matched
        }

    def _rule_trace(
        self, position: int, outcome: WriteOutcome | None, conditions: tuple[ConditionTrace, ...] = ()
    ) -> RuleTrace:
        rule = self._rules[position].rule
        if outcome is None:
            return RuleTrace(rule.id, rule.priority, False, conditions)
        decided, overridden = outcome
        return RuleTrace(rule.id, rule.priority, True, conditions, tuple(decided), tuple(overridden))

    def _matched_trace(self, outcomes: Mapping[int, WriteOutcome]) -> tuple[RuleTrace, ...]:
        return tuple(self._rule_trace(position, outcome) for position, outcome in outcomes.items())

    def _expand_trace(self, values: Values, outcomes: Mapping[int, WriteOutcome]) -> tuple[RuleTrace, ...]:
        """Every rule in rank order with each condition's actual value and outcome (no short-circuit)."""
        traces = []
        for position, compiled in enumerate(self._rules):
            conditions: list[ConditionTrace] = []
            _explain(compiled.explainer, values, conditions)
            traces.append(self._rule_trace(position, outcomes.get(position), tuple(conditions)))
        return tuple(traces)

    def decide(
        self, facts: CaseFacts, *, explain: bool = True, policy_version: int | None = None
    ) -> CaseDecision:
        shared: dict[Any, Any] = {}  # values the lines of this case share
        return _decide(
            self.policy, facts, partial(self.settings_for, explain=explain, shared=shared), policy_version
        )


def reference_settings(policy: Policy, context: LineContext) -> SettingsBuilder:
    """Which rules match, decided by business-rules' own engine."""
    builder = SettingsBuilder()
    variables = PolicyVariables(context)
    actions = PolicyActions(builder)
    for rule in policy.ranked_rules:
        builder.begin(rule)
        matched = business_rules_run(rule.as_business_rule(), variables, actions)
        builder.end(matched)
    return builder


def decide_reference(policy: Policy, facts: CaseFacts, *, policy_version: int | None = None) -> CaseDecision:
    return _decide(policy, facts, lambda ctx: reference_settings(policy, ctx), policy_version)


_compiled_cache: dict[int, CompiledPolicy] = {}


def decide(
    policy: Policy, facts: CaseFacts, *, explain: bool = True, policy_version: int | None = None
) -> CaseDecision:
    """Decide a case with the compiled engine (compiled once per Policy object)."""
    compiled = _compiled_cache.get(id(policy))
    if compiled is None or compiled.policy is not policy:
        compiled = _compiled_cache[id(policy)] = CompiledPolicy(policy)
    return compiled.decide(facts, explain=explain, policy_version=policy_version)


# --- from settings to a decision --------------------------------------------------------------------------------


class _Case:
    """What every line of a case is decided with, worked out once per case."""

    __slots__ = ("checks_lines", "currency", "defaults", "facts", "has_window", "policy", "repair", "windows")

    def __init__(self, policy: Policy, facts: CaseFacts, currency: str) -> None:
        self.policy, self.facts, self.currency = policy, facts, currency
        kind, defaults = facts.kind, policy.defaults
        self.has_window = kind in WINDOW_KINDS
        self.checks_lines = kind in LINE_CHECK_KINDS
        self.repair = kind is CaseKind.REPAIR
        # Each setting a line's rules may leave unset, with its default, in the order the line's decided_by
        # records the defaults.
        self.defaults: tuple[tuple[str, Any], ...] = (
            ("eligibility", None),
            ("window", defaults.window),
            ("resolutions", defaults.resolutions),
            ("warranty_months", defaults.warranty_months),
            ("store_credit_bonus", defaults.store_credit_bonus),
            ("review", defaults.review),
            ("photos_required", defaults.photos_required),
            ("sla", policy.sla_for(kind)),
            ("escalation_path", _default_escalation_path(policy)),
        )
        self.windows: dict[Any, tuple[Anchor, datetime]] = {}
        """The windows computed for the case's lines so far, each by all it depends on that varies within a case:
        the window setting and the line's delivery and fulfilment instants."""


def _decide(
    policy: Policy,
    facts: CaseFacts,
    settings_for: Callable[[LineContext], SettingsBuilder],
    policy_version: int | None,
) -> CaseDecision:
    currency = (facts.order.currency or policy.defaults.currency).upper()
    calendar, prior_returns_days = policy.calendar, policy.defaults.prior_returns_days
    order_lines: dict[str, OrderLineFacts] = {}
    for line in facts.order.lines:
        order_lines.setdefault(line.line_id, line)  # the first line with an id, as OrderFacts.line finds it
    case = _Case(policy, facts, currency)
    lines = []
    for request in facts.lines:
        line = order_lines.get(request.line_id) or facts.order.line(request.line_id)
        context = LineContext(facts, line, request, calendar, prior_returns_days, currency)
        lines.append(_line_decision(case, line, request, settings_for(context)))
    case_level = None
    if not facts.lines:
        # A case about the whole order (a complaint): the rules still decide its case-wide settings (SLA, escalation,
        # review), evaluated once with empty line facts.
        line, request = OrderLineFacts("", ProductFacts(), 0, Decimal(0), Decimal(0)), LineRequest("", 0)
        context = LineContext(facts, line, request, calendar, prior_returns_days, currency)
        case_level = _line_decision(case, line, request, settings_for(context))
    return _case_decision(policy, facts, tuple(lines), currency, policy_version, case_level)


def _line_decision(
    case: _Case, line: OrderLineFacts, request: LineRequest, builder: SettingsBuilder
) -> LineDecision:
    policy, facts = case.policy, case.facts
    values = builder.values
    decided_by = dict(builder.decided_by)
    chosen = []
    for name, default in case.defaults:
        if name in values:
            chosen.append(values[name])
        else:
            decided_by[name] = DEFAULTS
            chosen.append(default)
    (
        eligibility,
        window,
        resolutions,
        warranty_months,
        store_credit_bonus,
        review,
        photos_required,
        sla,
        escalation_path,
    ) = chosen

    reasons: list[str] = []
    if eligibility is None:
        if not policy.defaults.eligible:
            reasons.append(REASON_NOT_ELIGIBLE)
    elif not eligibility.allowed:
        reasons.append(eligibility.reason)

    order = facts.order
    delivered_at = line.delivered_at or order.delivered_at
    fulfilled_at = line.fulfilled_at or order.fulfilled_at

    window_anchor = window_ends_at = None
    if case.has_window:
        key = (window, delivered_at, fulfilled_at)
        known = case.windows.get(key)
        if known is None:
            window_anchor, anchor_at = resolve_anchor(
                window.anchor,
                delivered_at=delivered_at,
                fulfilled_at=fulfilled_at,
                ordered_at=order.created_at,
            )
            known = case.windows[key] = (
                window_anchor,
                policy.calendar.window_end(anchor_at, window.days, window.day_kind),
            )
        window_anchor, window_ends_at = known
        if facts.now >= window_ends_at:
            reasons.append(REASON_WINDOW_EXPIRED)

    warranty_ends_at = in_warranty = None
    if case.repair:
        _, warranty_start = resolve_anchor(
            Anchor.DELIVERY, delivered_at=delivered_at, fulfilled_at=fulfilled_at, ordered_at=order.created_at
        )
        warranty_ends_at = _add_months(policy, warranty_start, warranty_months)
        in_warranty = facts.now < warranty_ends_at

    if case.checks_lines:
        available = line.quantity_fulfilled - line.quantity_returned
        if line.quantity_fulfilled <= 0:
            reasons.append(REASON_NOT_FULFILLED)
        elif request.quantity > available or request.quantity <= 0:
            reasons.append(REASON_QUANTITY_NOT_AVAILABLE)
    if request.resolution and request.resolution not in resolutions:
        reasons.append(REASON_RESOLUTION_NOT_OFFERED)

    eligible = not reasons
    if eligible and eligibility is not None and eligibility.reason:
        reasons.append(eligibility.reason)

    refundable = _ZERO
    if eligible and case.has_window:
        refundable = refundable_amount(line, request.quantity, case.currency)
    fees, fee_cap = builder.fees() if builder.fee_settings else (), values.get("fee_cap")
    missing: list[MissingCurrency] = []
    if fees or fee_cap is not None:
        fees, fee_cap, missing = _in_currency(fees, fee_cap, case.currency)
    if missing and eligible:
        eligible, refundable = False, _ZERO
        reasons.insert(0, REASON_NO_AMOUNT_IN_CURRENCY)
    # Positional, in LineDecision's field order: keyword arguments cost a measurable share of a line's decision.
    return LineDecision(
        line.line_id,
        request.quantity,
        eligible,
        tuple(reasons),
        window if case.has_window else None,
        window_anchor,
        window_ends_at,
        fees,
        fee_cap,
        tuple(resolutions),
        store_credit_bonus,
        review,
        photos_required,
        warranty_months,
        warranty_ends_at,
        in_warranty,
        sla,
        escalation_path,
        refundable,
        decided_by,
        builder.trace(),
    )


def _in_currency(
    fees: tuple[FeeSpec, ...], cap: FeeCap | None, currency: str
) -> tuple[tuple[FeeSpec, ...], FeeCap | None, list[MissingCurrency]]:
    """The fees and cap in force with their money in the order's currency (never converted), and what has none."""
    missing: list[MissingCurrency] = []
    priced: list[FeeSpec] = []
    for fee in fees:
        try:
            priced.append(fee.in_currency(currency))
        except MissingCurrency as error:
            missing.append(error)
    if cap is not None:
        try:
            cap = cap.in_currency(currency)
        except MissingCurrency as error:
            missing.append(error)
            cap = None
    return tuple(priced), cap, missing


def _add_months(policy: Policy, start: datetime, months: int) -> datetime:
    """End of the warranty: the local day `months` after the start (clamped to the month's end), exclusive."""
    local = policy.calendar.local_date(start)
    month_index = local.month - 1 + months
    year, month = local.year + month_index // 12, month_index % 12 + 1
    day = min(local.day, stdlib_calendar.monthrange(year, month)[1])
    target = local.replace(year=year, month=month, day=day)
    days = (target - local).days
    return policy.calendar.window_end(start, days, DayKind.CALENDAR)


def _default_escalation_path(policy: Policy) -> str:
    if "default" in policy.escalation or not policy.escalation:
        return "default"
    return next(iter(policy.escalation))


def _case_decision(
    policy: Policy,
    facts: CaseFacts,
    lines: tuple[LineDecision, ...],
    currency: str,
    policy_version: int | None,
    case_level: LineDecision | None = None,
) -> CaseDecision:
    """The case takes the most restrictive value of its eligible lines; case-wide settings come from the best rule."""
    defaults = policy.defaults
    rank_of = policy.rank_of
    eligible = tuple([line for line in lines if line.eligible])
    basis = eligible or lines or ((case_level,) if case_level else ())
    offered = set(_RESOLUTIONS).intersection(*[line.resolutions for line in basis])
    resolutions = tuple([resolution for resolution in _RESOLUTIONS if resolution in offered])

    # One pass over the eligible lines: the lowest bonus and the highest photo count (the first line with it, as
    # min and max take), whether any needs review, and for a return or exchange the money and its fees.
    bonus, photos_required, review_required = defaults.store_credit_bonus, defaults.photos_required, False
    line_fees: dict[str, list[FeeSpec]] = {}
    case_fees: dict[str, tuple[tuple[int, int], FeeSpec]] = {}
    cap: tuple[tuple[int, int], FeeCap] | None = None
    refundable: dict[str, Decimal] = {}
    with_money = facts.kind in WINDOW_KINDS
    for index, line in enumerate(eligible):
        if not index or line.store_credit_bonus < bonus:
            bonus = line.store_credit_bonus
        if not index or line.photos_required > photos_required:
            photos_required = line.photos_required
        review_required = review_required or bool(line.review_required)
        if not with_money:
            continue
        refundable[line.line_id] = line.refundable
        for fee in line.fees:
            if fee.scope is FeeScope.LINE:
                line_fees.setdefault(line.line_id, []).append(fee)
            else:
                rank = rank_of[fee.rule_id]
                if fee.code not in case_fees or rank < case_fees[fee.code][0]:
                    case_fees[fee.code] = (rank, fee)
        if line.fee_cap is not None:
            rank = rank_of[line.decided_by["fee_cap"]]
            if cap is None or rank < cap[0]:
                cap = (rank, line.fee_cap)
    rounding = ROUNDING_MODES[defaults.rounding]
    settlement = settle(
        currency,
        refundable,
        line_fees,
        [fee for _, fee in sorted(case_fees.values(), key=lambda item: item[0])] if case_fees else [],
        cap[1] if cap else None,
        rounding=rounding,
    )
    store_credit = quantize(settlement.net * (_HUNDRED + bonus) / _HUNDRED, currency, rounding)
    sla = _tightest_sla([line.sla for line in basis]) if basis else policy.sla_for(facts.kind)
    escalation_path = _best_ranked(basis, "escalation_path", rank_of) or _default_escalation_path(policy)
    return CaseDecision(
        kind=facts.kind,
        currency=currency,
        lines=lines,
        eligible=bool(eligible) if lines else True,
        review_required=review_required if eligible else defaults.review,
        photos_required=photos_required,
        resolutions=resolutions,
        store_credit_bonus=bonus,
        settlement=settlement,
        store_credit_amount=store_credit,
        sla=sla,
        escalation_path=escalation_path,
        policy_version=policy_version,
        decided_at=facts.now,
        case_trace=case_level.trace if case_level else (),
    )


def _tightest_sla(slas: Sequence[SlaSetting]) -> SlaSetting:
    """The lowest targets of the lines; the first-response clock comes with the lowest hours (the first line with
    them, as min takes)."""
    tightest: SlaSetting | None = None
    days = None
    for sla in slas:
        hours = sla.first_response_hours
        if hours is not None and (tightest is None or hours < tightest.first_response_hours):  # type: ignore[operator]
            tightest = sla
        working_days = sla.resolution_working_days
        if working_days is not None and (days is None or working_days < days):
            days = working_days
    return SlaSetting(
        tightest.first_response_hours if tightest else None,
        days,
        tightest.first_response_clock if tightest else "working",
    )


def _best_ranked(
    lines: Sequence[LineDecision], setting: str, rank_of: Mapping[str, tuple[int, int]]
) -> str | None:
    best: tuple[tuple[int, int], str] | None = None
    for line in lines:
        rule_id = line.decided_by.get(setting)
        if rule_id and rule_id != DEFAULTS:
            rank = rank_of[rule_id]
            if best is None or rank < best[0]:
                best = (rank, getattr(line, setting))
    return best[1] if best else None


# --- text output ------------------------------------------------------------------------------------------------


def format_decision(
    decision: CaseDecision, *, time_zone_formatter: Callable[[datetime], str] | None = None
) -> str:
    """A plain-text explanation for staff and the CLI: the decision, then per line which rules decided what."""
    fmt = time_zone_formatter or (lambda instant: instant.isoformat())
    out = [
        f"Case: {decision.kind.value}"
        + (f" (policy v{decision.policy_version})" if decision.policy_version else ""),
        f"Eligible: {'yes' if decision.eligible else 'no'}; review: {'required' if decision.review_required else 'automatic'}",
        f"Resolutions: {', '.join(decision.resolutions) or 'none'}",
        f"Refund: {decision.settlement.gross} - fees {decision.settlement.fees_total} = "
        f"{decision.settlement.net} {decision.currency}"
        + (f" (store credit {decision.store_credit_amount})" if decision.store_credit_amount else ""),
    ]
    for charge in decision.settlement.charges:
        where = f"line {charge.line_id}" if charge.line_id else "case"
        out.append(f"  fee {charge.code}: {charge.amount} on {where} (rule {charge.rule_id})")
    for line in decision.lines:
        out.append("")
        status = "eligible" if line.eligible else "NOT eligible"
        out.append(
            f"Line {line.line_id} x{line.quantity}: {status}"
            + (f" [{', '.join(line.reasons)}]" if line.reasons else "")
        )
        if line.window_ends_at is not None and line.window is not None:
            out.append(
                f"  window: {line.window.days} {line.window.day_kind.value} days from "
                f"{line.window_anchor.value if line.window_anchor else '?'}, ends {fmt(line.window_ends_at)}"
            )
        if line.in_warranty is not None and line.warranty_ends_at is not None:
            out.append(
                f"  warranty: {'in' if line.in_warranty else 'out of'} warranty, ends {fmt(line.warranty_ends_at)}"
            )
        decided = ", ".join(f"{setting}={rule}" for setting, rule in sorted(line.decided_by.items()))
        out.append(f"  decided by: {decided}")
        for trace in line.trace:
            mark = "matched" if trace.matched else "not matched"
            out.append(f"  rule {trace.rule_id} (priority {trace.priority}): {mark}")
            for condition in trace.conditions:
                sign = "ok  " if condition.passed else "FAIL"
                expected = "" if condition.expected is None else f" {_plain(condition.expected)}"
                note = f": {condition.note}" if condition.note else ""
                out.append(
                    f"    {sign} {condition.variable} {condition.operator}{expected} (actual: {_plain(condition.actual)})"
                    + note
                )
            for setting, winner in trace.overridden:
                out.append(f"    {setting}: overridden by {winner}")
    return "\n".join(out)


def _plain(value: Any) -> str:
    """A value as a merchant wrote it: 8 rather than Decimal('8'), [a, b] rather than ['a', 'b']."""
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_plain(item) for item in value) + "]"
    if isinstance(value, Mapping):  # an amount {amount, currency}, or a threshold per currency
        amounts = threshold_amounts(value)
        return " or ".join(
            f"{amount_text(amount, currency)} {currency}" for currency, amount in amounts.items()
        )
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, str):
        return f"'{value}'"
    return str(value)
