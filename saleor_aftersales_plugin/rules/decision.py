"""Decisions and their traces, and how matched rules' actions become a decision.

Rules run best-ranked first (priority descending, then document position). Every action writes a *setting*; the first
write of a setting wins, later writes are recorded as overridden by the winner. Both engines feed the same
:class:`SettingsBuilder`, so they can differ only in which rules they find matching.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..domain.facts import CaseKind
from ..domain.facts_json import jsonable
from .actions import WAIVED, SlaSetting, WindowSetting
from .calendar import Anchor
from .document import Rule
from .fees import FeeCap, FeeSpec, Settlement

ALL_FEES_SETTING = "fee:*"
DEFAULTS = "defaults"


@dataclass(frozen=True, slots=True)
class ConditionTrace:
    """One condition of a rule as evaluated: the variable's actual value and whether the condition held."""

    variable: str
    operator: str
    expected: Any
    actual: Any
    passed: bool
    note: str = ""
    """Why the condition could not hold, where its value alone does not say (a threshold without the order's
    currency)."""


@dataclass(frozen=True, slots=True)
class RuleTrace:
    rule_id: str
    priority: int
    matched: bool
    conditions: tuple[ConditionTrace, ...] = ()
    decided: tuple[str, ...] = ()
    """Settings this rule decided."""
    overridden: tuple[tuple[str, str], ...] = ()
    """(setting, winning rule id) for writes of this rule that a better-ranked rule had already made."""


class LazyTrace(Sequence[RuleTrace]):
    """A line's trace as recorded while deciding: which rules matched (and what they decided), nothing more.

    The conditions with their actual values are expanded on first read (``expand`` re-evaluates the rules' condition
    trees over the line's already-computed variable values), so deciding costs little more than without a trace and
    only a trace that is shown or stored pays for its text. Reads like a tuple of :class:`RuleTrace`.
    """

    __slots__ = ("_expand", "_items")

    def __init__(self, expand: Callable[[], tuple[RuleTrace, ...]]) -> None:
        self._expand: Callable[[], tuple[RuleTrace, ...]] | None = expand
        self._items: tuple[RuleTrace, ...] | None = None

    def _expanded(self) -> tuple[RuleTrace, ...]:
        if self._items is None:
            assert self._expand is not None
            self._items = self._expand()
            self._expand = None  # drop the line's values once expanded
        return self._items

    def __getitem__(self, index: Any) -> Any:
        return self._expanded()[index]

    def __len__(self) -> int:
        return len(self._expanded())

    def __iter__(self) -> Iterator[RuleTrace]:
        return iter(self._expanded())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self._expanded() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._expanded())

    def __repr__(self) -> str:
        return f"LazyTrace({'unexpanded' if self._items is None else list(self._items)!r})"


WriteOutcome = tuple[list[str], list[tuple[str, str]]]
"""What a matching rule's writes did: the settings it decided, and (setting, winner) for those already decided."""


class SettingsBuilder:
    """Collects the settings written by matching rules, first writer wins; implements actions.SettingSink."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.decided_by: dict[str, str] = {}
        self.fee_settings: list[str] = []
        """The ``fee:`` settings among :attr:`values`, in the order they were written."""
        self._rule: Rule | None = None
        self._decided: list[str] = []
        self._overridden: list[tuple[str, str]] = []
        self.traces: list[RuleTrace] = []
        self.lazy_trace: LazyTrace | None = None
        """Set by an engine that records the trace cheaply; then it replaces :attr:`traces` as the line's trace."""

    def trace(self) -> Sequence[RuleTrace]:
        return self.lazy_trace if self.lazy_trace is not None else tuple(self.traces)

    def begin(self, rule: Rule) -> None:
        self._rule = rule
        self._decided = []
        self._overridden = []

    def write(self, setting: str, value: Any) -> None:
        assert self._rule is not None, "write() outside a rule"
        self._take(setting, value, self._rule.id, self._decided, self._overridden)

    def apply_matched(self, rule_id: str, writes: Iterable[tuple[str, Any]]) -> WriteOutcome:
        """Write a matching rule's (setting, value) pairs as begin/write/end would, without recording its
        :class:`RuleTrace`; returns what it decided and what it found already decided, for the caller's trace."""
        decided: list[str] = []
        overridden: list[tuple[str, str]] = []
        for setting, value in writes:
            self._take(setting, value, rule_id, decided, overridden)
        return decided, overridden

    def _take(
        self,
        setting: str,
        value: Any,
        rule_id: str,
        decided: list[str],
        overridden: list[tuple[str, str]],
    ) -> None:
        """First writer wins: a setting already written, or any fee once all fees are (``fee:*``), is overridden."""
        if setting in self.values:
            overridden.append((setting, self.decided_by[setting]))
            return
        if setting.startswith("fee:") and ALL_FEES_SETTING in self.values:
            overridden.append((setting, self.decided_by[ALL_FEES_SETTING]))
            return
        self.values[setting] = value
        self.decided_by[setting] = rule_id
        if setting.startswith("fee:"):
            self.fee_settings.append(setting)
        decided.append(setting)

    def end(self, matched: bool, conditions: tuple[ConditionTrace, ...] = ()) -> None:
        assert self._rule is not None
        self.traces.append(
            RuleTrace(
                self._rule.id,
                self._rule.priority,
                matched,
                conditions,
                tuple(self._decided),
                tuple(self._overridden),
            )
        )
        self._rule = None

    def fees(self) -> tuple[FeeSpec, ...]:
        """Fees in force (waived ones dropped), each tagged with the rule that set it."""
        result = []
        for setting in self.fee_settings:
            value = self.values[setting]
            # A fee setting holds a FeeSpec or WAIVED (text): comparing the text only spares FeeSpec.__eq__.
            if not (isinstance(value, str) and value == WAIVED):
                rule_id = self.decided_by[setting]
                result.append(value if value.rule_id == rule_id else replace(value, rule_id=rule_id))
        return tuple(result)


@dataclass(frozen=True, init=False)
class LineDecision:
    line_id: str
    quantity: int
    eligible: bool
    reasons: tuple[str, ...]
    """Customer-facing reason codes: why the line is not eligible, or the allow reason."""
    window: WindowSetting | None
    window_anchor: Anchor | None
    window_ends_at: datetime | None
    fees: tuple[FeeSpec, ...]
    fee_cap: FeeCap | None
    resolutions: tuple[str, ...]
    store_credit_bonus: Decimal
    review_required: bool
    photos_required: int
    warranty_months: int
    warranty_ends_at: datetime | None
    in_warranty: bool | None
    sla: SlaSetting
    escalation_path: str
    refundable: Decimal
    decided_by: Mapping[str, str]
    trace: Sequence[RuleTrace] = ()

    def __init__(
        self,
        line_id: str,
        quantity: int,
        eligible: bool,
        reasons: tuple[str, ...],
        window: WindowSetting | None,
        window_anchor: Anchor | None,
        window_ends_at: datetime | None,
        fees: tuple[FeeSpec, ...],
        fee_cap: FeeCap | None,
        resolutions: tuple[str, ...],
        store_credit_bonus: Decimal,
        review_required: bool,
        photos_required: int,
        warranty_months: int,
        warranty_ends_at: datetime | None,
        in_warranty: bool | None,
        sla: SlaSetting,
        escalation_path: str,
        refundable: Decimal,
        decided_by: Mapping[str, str],
        trace: Sequence[RuleTrace] = (),
    ) -> None:
        # The generated __init__ of a frozen dataclass sets each field through object.__setattr__, which a decision
        # pays for every line: the fields go into the instance's dict at once instead (still frozen afterwards).
        self.__dict__.update(
            line_id=line_id,
            quantity=quantity,
            eligible=eligible,
            reasons=reasons,
            window=window,
            window_anchor=window_anchor,
            window_ends_at=window_ends_at,
            fees=fees,
            fee_cap=fee_cap,
            resolutions=resolutions,
            store_credit_bonus=store_credit_bonus,
            review_required=review_required,
            photos_required=photos_required,
            warranty_months=warranty_months,
            warranty_ends_at=warranty_ends_at,
            in_warranty=in_warranty,
            sla=sla,
            escalation_path=escalation_path,
            refundable=refundable,
            decided_by=decided_by,
            trace=trace,
        )


@dataclass(frozen=True)
class CaseDecision:
    kind: CaseKind
    currency: str
    lines: tuple[LineDecision, ...]
    eligible: bool
    review_required: bool
    photos_required: int
    resolutions: tuple[str, ...]
    store_credit_bonus: Decimal
    settlement: Settlement
    store_credit_amount: Decimal
    sla: SlaSetting
    escalation_path: str
    policy_version: int | None = None
    decided_at: datetime | None = None
    notes: tuple[str, ...] = field(default=())
    case_trace: Sequence[RuleTrace] = ()
    """For a case without lines (a complaint): the rules as evaluated for the case as a whole."""

    @property
    def eligible_lines(self) -> tuple[LineDecision, ...]:
        return tuple(line for line in self.lines if line.eligible)

    def to_dict(self, *, with_trace: bool = True) -> dict[str, Any]:
        """JSON-ready form (Decimals as strings, instants as ISO 8601)."""
        return jsonable(
            {
                "kind": self.kind.value,
                "policy_version": self.policy_version,
                "decided_at": self.decided_at,
                "currency": self.currency,
                "eligible": self.eligible,
                "review_required": self.review_required,
                "photos_required": self.photos_required,
                "resolutions": list(self.resolutions),
                "store_credit_bonus": self.store_credit_bonus,
                "refund": {
                    "gross": self.settlement.gross,
                    "fees": [
                        {"code": c.code, "amount": c.amount, "line_id": c.line_id, "rule": c.rule_id}
                        for c in self.settlement.charges
                    ],
                    "fees_total": self.settlement.fees_total,
                    "net": self.settlement.net,
                    "net_by_line": dict(self.settlement.net_by_line),
                    "store_credit": self.store_credit_amount,
                },
                "sla": {
                    "first_response_hours": self.sla.first_response_hours,
                    "first_response_clock": self.sla.first_response_clock,
                    "resolution_working_days": self.sla.resolution_working_days,
                },
                "escalation_path": self.escalation_path,
                "notes": list(self.notes),
                "lines": [_line_dict(line, with_trace) for line in self.lines],
                **({"case_trace": _trace_dicts(self.case_trace)} if with_trace and self.case_trace else {}),
            }
        )


def _line_dict(line: LineDecision, with_trace: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "line_id": line.line_id,
        "quantity": line.quantity,
        "eligible": line.eligible,
        "reasons": list(line.reasons),
        "window": None
        if line.window is None
        else {
            "days": line.window.days,
            "anchor": line.window.anchor.value,
            "day_kind": line.window.day_kind.value,
            "anchor_used": line.window_anchor.value if line.window_anchor else None,
            "ends_at": line.window_ends_at,
        },
        "fees": [
            {
                "code": f.code,
                "kind": f.kind.value,
                "amount": f.amount,
                "scope": f.scope.value,
                "cap": f.cap,
                "rule": f.rule_id,
            }
            for f in line.fees
        ],
        "resolutions": list(line.resolutions),
        "review_required": line.review_required,
        "photos_required": line.photos_required,
        "warranty": {
            "months": line.warranty_months,
            "ends_at": line.warranty_ends_at,
            "in_warranty": line.in_warranty,
        },
        "refundable": line.refundable,
        "decided_by": dict(line.decided_by),
    }
    if with_trace:
        data["trace"] = _trace_dicts(line.trace)
    return data


def _trace_dicts(traces: Sequence[RuleTrace]) -> list[dict[str, Any]]:
    return [
        {
            "rule": t.rule_id,
            "priority": t.priority,
            "matched": t.matched,
            "decided": list(t.decided),
            "overridden": [{"setting": s, "by": by} for s, by in t.overridden],
            "conditions": [
                {
                    "variable": c.variable,
                    "operator": c.operator,
                    "expected": c.expected,
                    "actual": c.actual,
                    "passed": c.passed,
                    **({"note": c.note} if c.note else {}),
                }
                for c in t.conditions
            ],
        }
        for t in traces
    ]
