"""Repair and warranty cases: free inside the warranty, quoted outside it."""

import uuid
from decimal import Decimal

from django.db import transaction

from ..domain import cases as machine
from ..domain.actors import SYSTEM_ACTOR, Actor
from ..domain.facts import CaseKind, LineRequest
from ..domain.host import HostPort
from ..domain.money import quantize
from ..models import Case
from . import ServiceError
from .cases import add_event, create_case, get_case, transition
from .eligibility import evaluate
from .idempotency import OPERATION_REPAIR, earlier_request
from .ledger import lock_lines
from .orders import get_order
from .returns import reject_ineligible

S = machine.CaseStatus
EVENT_QUOTE = "quote"
# Statuses staff move a repair through with repairStatusUpdate; quotes and approvals have their own actions.
STAFF_REPAIR_STATUSES = (S.RECEIVED, S.DIAGNOSING, S.REPAIRING, S.SHIPPED_BACK, S.CLOSED)


def request_repair(
    order_id: str | uuid.UUID,
    request: LineRequest,
    *,
    actor: Actor,
    comment: str = "",
    photo_urls: tuple[str, ...] = (),
    idempotency_key: str | None = None,
    host: HostPort | None = None,
) -> tuple[Case, bool]:
    """Open a repair or warranty claim for one line; the decision says whether it is inside the warranty."""
    with transaction.atomic():
        order = get_order(order_id)
        stored_key, existing = earlier_request(order, actor, OPERATION_REPAIR, idempotency_key)
        if existing is not None:
            return existing, False
        locked = lock_lines(order, [str(request.line_id)])
        decision, _ = evaluate(order, CaseKind.REPAIR, [request], host=host)
        reject_ineligible(
            decision, {str(line.line_id): line.product_name for line in locked}, asked="sent in for repair"
        )
        if decision.photos_required > len(photo_urls):
            raise ServiceError(
                f"This claim needs at least {decision.photos_required} photo(s); {len(photo_urls)} attached.",
                code="photos_required",
                field="photoUrls",
            )
        data = decision.to_dict()
        case, created = create_case(
            order.order_id,
            CaseKind.REPAIR,
            actor=actor,
            lines=[request],
            reason=request.reason,
            comment=comment,
            requested_resolution="repair",
            photo_urls=photo_urls,
            decision=data,
            idempotency_key=stored_key,
            trace=data["lines"],
        )
        if created and not decision.review_required:
            case = transition(
                case.pk,
                S.APPROVED,
                actor=SYSTEM_ACTOR,
                message="Approved automatically: the policy needs no review for this claim.",
                trace=data["lines"],
            )
        return case, created


def in_warranty(case: Case) -> bool:
    lines = (case.decision or {}).get("lines") or []
    return bool(lines) and all((line.get("warranty") or {}).get("in_warranty") for line in lines)


def create_quote(
    case_id: str | uuid.UUID, amount: Decimal, *, actor: Actor, message: str = "", override_reason: str = ""
) -> Case:
    """Quote an out-of-warranty repair. Inside the warranty repairs are free: quoting needs an override reason."""
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        if case.kind != CaseKind.REPAIR:
            raise ServiceError(f"Case {case.number} is not a repair.", code="invalid_kind")
        if in_warranty(case) and not override_reason.strip():
            raise ServiceError(
                f"Case {case.number} is inside the warranty, so the repair is free; give a reason to quote anyway "
                "(e.g. damage the warranty does not cover).",
                code="in_warranty",
                field="amount",
            )
        amount = quantize(amount, case.currency)
        if amount <= 0:
            raise ServiceError("A quote must be more than zero.", code="invalid", field="amount")
        case.refund_amount = None
        case.fees_amount = amount
        case.save(update_fields=["refund_amount", "fees_amount", "updated_at"])
        return transition(
            case.pk,
            S.QUOTED,
            actor=actor,
            message=message or override_reason,
            payload={"quote": str(amount), "currency": case.currency, "override_reason": override_reason},
        )


def answer_quote(case_id: str | uuid.UUID, *, accept: bool, actor: Actor, message: str = "") -> Case:
    target = S.QUOTE_ACCEPTED if accept else S.QUOTE_DECLINED
    return transition(case_id, target, actor=actor, message=message)


def update_repair_status(case_id: str | uuid.UUID, status: str, *, actor: Actor, message: str = "") -> Case:
    """Move a repair along: received, diagnosing, repairing (free in warranty or after an accepted quote), shipped back."""
    if status not in STAFF_REPAIR_STATUSES:
        raise ServiceError(
            f"Status {status!r} is not set this way; use one of {', '.join(STAFF_REPAIR_STATUSES)} "
            "(quotes and approvals have their own actions).",
            field="status",
        )
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        if case.kind != CaseKind.REPAIR:
            raise ServiceError(f"Case {case.number} is not a repair.", code="invalid_kind")
        if status == S.REPAIRING and case.status == S.DIAGNOSING and not in_warranty(case):
            raise ServiceError(
                f"Case {case.number} is outside the warranty: send a quote and wait for the customer to accept it.",
                code="quote_required",
                field="status",
            )
        return transition(case.pk, status, actor=actor, message=message)


__all__ = [
    "answer_quote",
    "create_quote",
    "in_warranty",
    "request_repair",
    "update_repair_status",
    "add_event",
]
