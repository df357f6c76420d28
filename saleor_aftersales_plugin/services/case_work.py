"""Work on a case that its kind decides how to carry out: each function hands the case to its kind's service (or
refuses with ``invalid_kind``), so callers never pick a service by kind themselves."""

from decimal import Decimal

from ..domain import cases as machine
from ..domain.actors import Actor
from ..domain.facts import CaseKind
from ..domain.host import HostPort
from ..models import Case
from . import ServiceError, conversations, repairs, returns
from .cases import transition

__all__ = ["answer_quote", "approve", "cancel_request", "mark_received", "resolve"]

S = machine.CaseStatus


def approve(case: Case, *, actor: Actor, message: str = "") -> Case:
    """Approve a requested return, exchange or repair."""
    if case.kind in returns.RETURN_KINDS:
        return returns.approve(case.pk, actor=actor, message=message)
    if case.kind == CaseKind.REPAIR:
        return transition(case.pk, S.APPROVED, actor=actor, message=message)
    raise ServiceError("Complaints are not approved; reply to them or resolve them.", code="invalid_kind")


def mark_received(case: Case, *, actor: Actor, message: str = "") -> Case:
    """The returned items, or the item to repair, arrived."""
    if case.kind == CaseKind.REPAIR:
        return repairs.update_repair_status(case.pk, S.RECEIVED, actor=actor, message=message)
    if case.kind == CaseKind.COMPLAINT:
        raise ServiceError("Complaints have no items to receive.", code="invalid_kind")
    return returns.mark_received(case.pk, actor=actor, message=message)


def resolve(
    case: Case,
    *,
    actor: Actor,
    host: HostPort,
    resolution: str | None = None,
    amount: Decimal | None = None,
    reason: str = "",
) -> Case:
    """Resolve a return or exchange (money moves through ``host``), or a complaint (no money moves: ``reason`` says
    how it was resolved); repairs finish through their own statuses."""
    if case.kind == CaseKind.COMPLAINT:
        if amount is not None:
            raise ServiceError(
                "A complaint is resolved without moving money, so it takes no amount; refund through a return "
                "case of the order's items.",
                field="amount",
            )
        return conversations.resolve_complaint(case.pk, actor=actor, message=reason)
    if case.kind == CaseKind.REPAIR:
        raise ServiceError(
            "Repairs finish with repairStatusUpdate (SHIPPED_BACK, then CLOSED).", code="invalid_kind"
        )
    if not resolution:
        raise ServiceError("Choose a resolution.", code="required", field="resolution")
    return returns.resolve(case.pk, resolution, actor=actor, host=host, amount=amount, override_reason=reason)


def cancel_request(case: Case, *, actor: Actor, reason: str = "") -> Case:
    """The customer withdraws a return or exchange request."""
    if case.kind not in returns.RETURN_KINDS:
        raise ServiceError(f"Case {case.number} is a {case.kind}, not a return.", code="invalid_kind")
    return returns.cancel(case.pk, actor=actor, reason=reason)


def answer_quote(case: Case, *, accept: bool, actor: Actor, message: str = "") -> Case:
    """The customer accepts or declines a repair quote."""
    if case.kind != CaseKind.REPAIR:
        raise ServiceError(f"Case {case.number} is not a repair.", code="invalid_kind")
    return repairs.answer_quote(case.pk, accept=accept, actor=actor, message=message)
