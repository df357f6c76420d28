"""Case state machines: every allowed move, every forbidden one, and the words used to refuse."""

from itertools import product

import pytest

from saleor_aftersales_plugin.domain.cases import (
    CaseStateError,
    TransitionError,
    UnknownStatusError,
    allowed_next,
    check_transition,
    customer_may_cancel,
    initial_status,
    is_final,
    is_open,
    statuses,
)
from saleor_aftersales_plugin.domain.facts import CaseKind

# The specification, restated independently of the module's tables.
RETURN = {
    "requested": {"approved", "declined", "cancelled"},
    "approved": {"awaiting_return", "resolved", "cancelled", "refund_pending", "resolution_failed"},
    "awaiting_return": {"received", "cancelled"},
    "received": {"inspected"},
    "inspected": {"resolved", "closed", "resolution_failed", "refund_pending"},
    "refund_pending": {"resolved", "resolution_failed"},
    "resolution_failed": {"resolved", "closed", "refund_pending"},
    "resolved": {"closed"},
    "declined": {"closed"},
    "cancelled": set(),
    "closed": set(),
}
REPAIR = {
    "requested": {"approved", "declined"},
    "approved": {"received"},
    "received": {"diagnosing"},
    "diagnosing": {"quoted", "repairing"},
    "quoted": {"quote_accepted", "quote_declined"},
    "quote_accepted": {"repairing"},
    "quote_declined": {"shipped_back"},
    "repairing": {"shipped_back"},
    "shipped_back": {"closed"},
    "declined": {"closed"},
    "closed": set(),
}
COMPLAINT = {
    "open": {"responded"},
    "responded": {"resolved"},
    "resolved": {"closed", "open"},
    "closed": {"open"},
}
SPEC = {
    CaseKind.RETURN: RETURN,
    CaseKind.EXCHANGE: RETURN,
    CaseKind.REPAIR: REPAIR,
    CaseKind.COMPLAINT: COMPLAINT,
}

ALLOWED = [(kind, a, b) for kind, table in SPEC.items() for a, nexts in table.items() for b in sorted(nexts)]
FORBIDDEN = [
    (kind, a, b) for kind, table in SPEC.items() for a, b in product(table, table) if b not in table[a]
]


@pytest.mark.parametrize("kind", list(CaseKind))
def test_machine_has_exactly_the_specified_statuses_and_moves(kind):
    assert set(statuses(kind)) == set(SPEC[kind])
    for status, nexts in SPEC[kind].items():
        assert set(allowed_next(kind, status)) == nexts


@pytest.mark.parametrize(("kind", "current", "target"), ALLOWED)
def test_every_allowed_transition_passes(kind, current, target):
    check_transition(kind, current, target)
    check_transition(kind.value, current, target)


@pytest.mark.parametrize(("kind", "current", "target"), FORBIDDEN)
def test_every_forbidden_transition_names_the_allowed_states(kind, current, target):
    with pytest.raises(TransitionError) as raised:
        check_transition(kind, current, target)
    error = raised.value
    assert (error.kind, error.current, error.target) == (kind, current, target)
    assert set(error.allowed) == SPEC[kind][current]
    message = str(error)
    assert f"in status '{current}' cannot move to '{target}'" in message
    for status in SPEC[kind][current]:
        assert f"'{status}'" in message.split("allowed next:")[1]
    if not SPEC[kind][current]:
        assert "is final" in message


def test_refusal_reads_well():
    with pytest.raises(TransitionError) as raised:
        check_transition(CaseKind.RETURN, "received", "approved")
    assert (
        str(raised.value)
        == "A return case in status 'received' cannot move to 'approved'; allowed next: 'inspected'."
    )
    with pytest.raises(
        TransitionError, match="^An exchange case in status 'requested' cannot move to 'received'; "
    ):
        check_transition(CaseKind.EXCHANGE, "requested", "received")
    with pytest.raises(TransitionError, match="'cancelled' is final"):
        check_transition(CaseKind.RETURN, "cancelled", "requested")


def test_initial_statuses():
    assert initial_status(CaseKind.RETURN) == "requested"
    assert initial_status(CaseKind.EXCHANGE) == "requested"
    assert initial_status("repair") == "requested"
    assert initial_status(CaseKind.COMPLAINT) == "open"
    # Plain strings, not enum members: they go straight into the database and JSON.
    assert type(initial_status(CaseKind.RETURN)) is str
    assert all(type(s) is str for s in allowed_next(CaseKind.RETURN, "requested"))


@pytest.mark.parametrize("kind", list(CaseKind))
def test_every_status_is_reachable_from_the_initial_one(kind):
    seen, frontier = set(), [initial_status(kind)]
    while frontier:
        status = frontier.pop()
        if status not in seen:
            seen.add(status)
            frontier.extend(allowed_next(kind, status))
    assert seen == set(statuses(kind))


@pytest.mark.parametrize("kind", [CaseKind.RETURN, CaseKind.EXCHANGE])
def test_customer_may_cancel_only_before_receipt(kind):
    before = {"requested", "approved", "awaiting_return"}
    for status in RETURN:
        assert customer_may_cancel(kind, status) is (status in before), status
    for status in set(RETURN) - before - {"cancelled"}:
        with pytest.raises(TransitionError):
            check_transition(kind, status, "cancelled")


def test_repairs_and_complaints_cannot_be_cancelled():
    assert not any(customer_may_cancel(CaseKind.REPAIR, s) for s in REPAIR)
    assert not any(customer_may_cancel(CaseKind.COMPLAINT, s) for s in COMPLAINT)


def test_open_and_final():
    for kind, table in SPEC.items():
        for status in table:
            assert is_open(kind, status) is (status not in {"declined", "cancelled", "closed"})
    assert is_open(CaseKind.RETURN, "resolved")
    assert is_open(CaseKind.RETURN, "resolution_failed")
    assert is_open(CaseKind.COMPLAINT, "open")
    assert is_final(CaseKind.RETURN, "closed") and is_final(CaseKind.RETURN, "cancelled")
    assert not is_final(CaseKind.RETURN, "declined")
    assert not is_final(CaseKind.COMPLAINT, "closed")  # complaints can be reopened


def test_unknown_names_raise_clear_errors():
    with pytest.raises(
        UnknownStatusError, match=r"'shipped_back' is not a status of return cases; known statuses: "
    ):
        check_transition(CaseKind.RETURN, "shipped_back", "closed")
    with pytest.raises(UnknownStatusError, match="'teleported' is not a status of complaint cases"):
        check_transition(CaseKind.COMPLAINT, "open", "teleported")
    with pytest.raises(UnknownStatusError):
        is_open(CaseKind.REPAIR, "open")
    with pytest.raises(CaseStateError, match=r"Unknown case kind 'refund'; known kinds: 'return', "):
        allowed_next("refund", "requested")
    assert issubclass(TransitionError, ValueError) and issubclass(UnknownStatusError, ValueError)
