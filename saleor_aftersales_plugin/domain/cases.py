"""Case statuses and the state machine of each case kind, as data.

Returns and exchanges share one machine; repairs (including warranty claims) and complaints have their own.
A status name means the same thing in every machine it appears in.

"Open" is defined precisely: a case is open unless its status is one of :data:`NOT_OPEN` (``declined``,
``cancelled``, ``closed``). A ``resolved`` case is still open: a return waits to be closed out and a complaint may be
reopened. Only ``cancelled`` and ``closed`` (returns and repairs) are final, i.e. have no next status; a closed
complaint can be reopened.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from .facts import CaseKind

__all__ = [
    "NOT_OPEN",
    "CaseStateError",
    "CaseStatus",
    "Machine",
    "TransitionError",
    "UnknownStatusError",
    "allowed_next",
    "check_transition",
    "customer_may_cancel",
    "initial_status",
    "is_final",
    "is_open",
    "machine",
    "statuses",
]


class CaseStatus(StrEnum):
    # Returns and exchanges.
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    AWAITING_RETURN = "awaiting_return"
    RECEIVED = "received"
    INSPECTED = "inspected"
    RESOLVED = "resolved"
    RESOLUTION_FAILED = "resolution_failed"
    REFUND_PENDING = "refund_pending"
    """The refund was requested from the payment provider, which has not confirmed it yet."""
    CLOSED = "closed"
    # Repairs and warranty claims (also use requested, approved, declined, received, closed).
    DIAGNOSING = "diagnosing"
    QUOTED = "quoted"
    QUOTE_ACCEPTED = "quote_accepted"
    QUOTE_DECLINED = "quote_declined"
    REPAIRING = "repairing"
    SHIPPED_BACK = "shipped_back"
    # Complaints (also use resolved, closed).
    OPEN = "open"
    RESPONDED = "responded"


S = CaseStatus

NOT_OPEN: frozenset[str] = frozenset({str(S.DECLINED), str(S.CANCELLED), str(S.CLOSED)})


@dataclass(frozen=True, slots=True)
class Machine:
    initial: str
    transitions: Mapping[str, tuple[str, ...]]
    """Every status of the machine -> the statuses it may move to (empty for final statuses)."""

    @property
    def statuses(self) -> tuple[str, ...]:
        return tuple(self.transitions)


def _machine(initial: str, transitions: dict[CaseStatus, tuple[CaseStatus, ...]]) -> Machine:
    # Plain str everywhere, so reprs in messages read 'received' rather than <CaseStatus.RECEIVED: ...>.
    plain = {str(status): tuple(str(t) for t in nexts) for status, nexts in transitions.items()}
    targets = {target for nexts in transitions.values() for target in nexts}
    missing = targets - transitions.keys()
    assert not missing, f"targets without an entry: {missing}"
    return Machine(initial=str(initial), transitions=MappingProxyType(plain))


_RETURN = _machine(
    S.REQUESTED,
    {
        S.REQUESTED: (S.APPROVED, S.DECLINED, S.CANCELLED),
        # Keep-the-item resolutions go straight to resolved: nothing is shipped back.
        S.APPROVED: (S.AWAITING_RETURN, S.RESOLVED, S.CANCELLED, S.REFUND_PENDING, S.RESOLUTION_FAILED),
        S.AWAITING_RETURN: (S.RECEIVED, S.CANCELLED),
        S.RECEIVED: (S.INSPECTED,),
        S.INSPECTED: (S.RESOLVED, S.CLOSED, S.RESOLUTION_FAILED, S.REFUND_PENDING),
        # A refund is resolved only when the payment provider confirms it; a refusal can be retried.
        S.REFUND_PENDING: (S.RESOLVED, S.RESOLUTION_FAILED),
        S.RESOLUTION_FAILED: (S.RESOLVED, S.CLOSED, S.REFUND_PENDING),
        S.RESOLVED: (S.CLOSED,),
        S.DECLINED: (S.CLOSED,),
        S.CANCELLED: (),
        S.CLOSED: (),
    },
)

_REPAIR = _machine(
    S.REQUESTED,
    {
        S.REQUESTED: (S.APPROVED, S.DECLINED),
        S.APPROVED: (S.RECEIVED,),
        S.RECEIVED: (S.DIAGNOSING,),
        # quoted when out of warranty; repairing (free) when in warranty.
        S.DIAGNOSING: (S.QUOTED, S.REPAIRING),
        S.QUOTED: (S.QUOTE_ACCEPTED, S.QUOTE_DECLINED),
        S.QUOTE_ACCEPTED: (S.REPAIRING,),
        S.QUOTE_DECLINED: (S.SHIPPED_BACK,),
        S.REPAIRING: (S.SHIPPED_BACK,),
        S.SHIPPED_BACK: (S.CLOSED,),
        S.DECLINED: (S.CLOSED,),
        S.CLOSED: (),
    },
)

_COMPLAINT = _machine(
    S.OPEN,
    {
        S.OPEN: (S.RESPONDED,),
        S.RESPONDED: (S.RESOLVED,),
        S.RESOLVED: (S.CLOSED, S.OPEN),
        S.CLOSED: (S.OPEN,),
    },
)

MACHINES: Mapping[CaseKind, Machine] = MappingProxyType(
    {
        CaseKind.RETURN: _RETURN,
        CaseKind.EXCHANGE: _RETURN,
        CaseKind.REPAIR: _REPAIR,
        CaseKind.COMPLAINT: _COMPLAINT,
    }
)

# Statuses a customer may cancel from: everything before the shop has the item in hand.
_CUSTOMER_CANCELLABLE: frozenset[str] = frozenset({S.REQUESTED, S.APPROVED, S.AWAITING_RETURN})


class CaseStateError(ValueError):
    """Base of the state machine errors; messages are meant for staff and API clients."""


class UnknownStatusError(CaseStateError):
    def __init__(self, kind: CaseKind, status: object) -> None:
        kind = CaseKind(kind)
        self.kind = kind
        self.status = status
        known = ", ".join(repr(str(s)) for s in machine(kind).statuses)
        shown = repr(str(status)) if isinstance(status, str) else repr(status)  # a StrEnum by its value
        super().__init__(f"{shown} is not a status of {kind.value} cases; known statuses: {known}.")


class TransitionError(CaseStateError):
    def __init__(self, kind: CaseKind, current: str, target: str, allowed: tuple[str, ...]) -> None:
        kind = CaseKind(kind)
        current, target, allowed = str(current), str(target), tuple(str(s) for s in allowed)
        self.kind = kind
        self.current = current
        self.target = target
        self.allowed = allowed
        if allowed:
            tail = "allowed next: " + ", ".join(repr(s) for s in allowed) + "."
        else:
            tail = f"{current!r} is final, no further status is allowed."
        super().__init__(
            f"{_article(kind)} {kind.value} case in status {current!r} cannot move to {target!r}; {tail}"
        )


def _article(kind: CaseKind) -> str:
    return "An" if kind.value[0] in "aeiou" else "A"


def _kind(kind: CaseKind | str) -> CaseKind:
    try:
        return CaseKind(kind)
    except ValueError:
        known = ", ".join(repr(k.value) for k in CaseKind)
        raise CaseStateError(f"Unknown case kind {kind!r}; known kinds: {known}.") from None


def machine(kind: CaseKind | str) -> Machine:
    return MACHINES[_kind(kind)]


def _known(kind: CaseKind, status: str) -> str:
    if not isinstance(status, str) or status not in machine(kind).transitions:
        raise UnknownStatusError(kind, status)
    return str(status)


def statuses(kind: CaseKind | str) -> tuple[str, ...]:
    return machine(kind).statuses


def initial_status(kind: CaseKind | str) -> str:
    return machine(kind).initial


def allowed_next(kind: CaseKind | str, status: str) -> tuple[str, ...]:
    kind = _kind(kind)
    return machine(kind).transitions[_known(kind, status)]


def is_open(kind: CaseKind | str, status: str) -> bool:
    kind = _kind(kind)
    return _known(kind, status) not in NOT_OPEN


def is_final(kind: CaseKind | str, status: str) -> bool:
    """True when no status can follow (cancelled; closed, except for complaints which can be reopened)."""
    return not allowed_next(kind, status)


def customer_may_cancel(kind: CaseKind | str, status: str) -> bool:
    """Customers may cancel only before the shop has received the item, and only where the machine allows it."""
    kind = _kind(kind)
    return _known(kind, status) in _CUSTOMER_CANCELLABLE and S.CANCELLED in allowed_next(kind, status)


def check_transition(kind: CaseKind | str, current: str, target: str) -> None:
    """Raise :class:`TransitionError` unless ``current -> target`` is allowed (unknown names raise too)."""
    kind = _kind(kind)
    allowed = allowed_next(kind, current)
    _known(kind, target)
    if target not in allowed:
        raise TransitionError(kind, current, target, allowed)
