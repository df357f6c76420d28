"""Return and exchange cases: request, review, ship back, receive, inspect, resolve.

Quantities are held by open cases: a request locks the order's line rows, re-decides with fresh counts and raises
``quantity_returned`` in the same transaction, so concurrent requests can never return more than was fulfilled.
Money moves only through the host port, and each money action is recorded once (its event carries the host's
reference), so a retried resolution never refunds twice.
"""

import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F

from ..domain import cases as machine
from ..domain.facts import CaseKind, ItemCondition, LineRequest, Resolution
from ..domain.host import HostError, HostPort, ReturnedLine
from ..domain.money import quantize
from ..models import Case, CaseEvent, OrderLineRecord
from ..rules.decision import CaseDecision
from . import ServiceError
from .actors import SYSTEM_ACTOR, Actor
from .cases import add_event, create_case, get_case, transition
from .eligibility import checked_reasons, evaluate
from .idempotency import OPERATION_RETURN, case_for_key, scoped_key
from .orders import get_order

S = machine.CaseStatus
RETURN_KINDS = (CaseKind.RETURN, CaseKind.EXCHANGE)
EVENT_REFUND_ISSUED = "refund_issued"
EVENT_STORE_CREDIT_ISSUED = "store_credit_issued"
EVENT_EXCHANGE_CREATED = "exchange_created"
EVENT_ITEMS_RETURNED = "items_returned"
EVENT_RESOLUTION_FAILED = "resolution_failed"
EVENT_DECISION_UPDATED = "decision_updated"
# Events whose host reference proves the money or stock action already happened.
_DONE_EVENTS = {
    "mark_returned": EVENT_ITEMS_RETURNED,
    Resolution.REFUND.value: EVENT_REFUND_ISSUED,
    Resolution.STORE_CREDIT.value: EVENT_STORE_CREDIT_ISSUED,
    Resolution.EXCHANGE.value: EVENT_EXCHANGE_CREATED,
}


def _reject_ineligible(decision: CaseDecision) -> None:
    problems = [(index, line) for index, line in enumerate(decision.lines) if not line.eligible]
    if problems:
        index, line = problems[0]
        others = f" ({len(problems) - 1} more line(s) also not eligible)" if len(problems) > 1 else ""
        raise ServiceError(
            f"Line {line.line_id} cannot be returned: {', '.join(line.reasons)}{others}.",
            code="not_eligible",
            field=f"lines.{index}",
        )


def request_return(
    order_id: str | uuid.UUID,
    requests: Sequence[LineRequest],
    *,
    actor: Actor,
    kind: CaseKind = CaseKind.RETURN,
    reason: str = "",
    comment: str = "",
    photo_urls: Sequence[str] = (),
    idempotency_key: str | None = None,
) -> tuple[Case, bool]:
    """Open a return or exchange case; returns ``(case, created)``. The same caller's idempotency key returns the
    same case (:mod:`.idempotency`).

    Every requested line must be eligible under the order's policy (otherwise nothing is created and the error names
    the first ineligible line and why). Requests the policy does not send to review are approved at once.
    """
    kind = CaseKind(kind)
    if kind not in RETURN_KINDS:
        raise ServiceError(f"request_return opens return or exchange cases, not {kind.value}.", field="kind")
    if not requests:
        raise ServiceError("Choose at least one line to return.", code="required", field="lines")
    seen: set[str] = set()
    for index, request in enumerate(requests):
        if str(request.line_id) in seen:
            raise ServiceError(
                f"Line {request.line_id} is listed twice.", code="duplicated", field=f"lines.{index}"
            )
        seen.add(str(request.line_id))
    with transaction.atomic():
        order = get_order(order_id)
        stored_key = scoped_key(order.channel, actor, OPERATION_RETURN, idempotency_key)
        existing = case_for_key(order.channel, stored_key, order.order_id)
        if existing is not None:
            return existing, False
        # Lock the lines (in id order, so concurrent requests cannot deadlock) before reading their counts.
        locked = list(
            OrderLineRecord.objects.select_for_update()
            .filter(order=order, line_id__in=list(seen))
            .order_by("id")
        )
        if len(locked) != len(seen):
            known = {str(line.line_id) for line in locked}
            index, missing = next((i, r) for i, r in enumerate(requests) if str(r.line_id) not in known)
            raise ServiceError(
                f"Order {order.order_id} has no line {missing.line_id}.",
                code="not_found",
                field=f"lines.{index}",
            )
        # A concurrent request with the same key may have committed while we waited for the locks.
        existing = case_for_key(order.channel, stored_key, order.order_id)
        if existing is not None:
            return existing, False
        requests = checked_reasons(order, requests)
        decision, _version = evaluate(order, kind, requests)
        _reject_ineligible(decision)
        if decision.photos_required > len(photo_urls):
            raise ServiceError(
                f"This request needs at least {decision.photos_required} photo(s) of the item; "
                f"{len(photo_urls)} attached.",
                code="photos_required",
                field="photoUrls",
            )
        data = decision.to_dict()
        case, created = create_case(
            order,
            kind,
            actor_type=actor.type,
            actor_id=actor.id,
            lines=requests,
            reason=reason or (requests[0].reason if requests else ""),
            comment=comment,
            requested_resolution=requests[0].resolution if requests else "",
            photo_urls=photo_urls,
            decision=data,
            idempotency_key=stored_key,
            trace=data["lines"],
        )
        if not created:
            return case, False
        _store_money(case, decision, data)
        for request in requests:
            OrderLineRecord.objects.filter(order=order, line_id=request.line_id).update(
                quantity_returned=F("quantity_returned") + request.quantity
            )
        if not decision.review_required:
            _approve(
                case, SYSTEM_ACTOR, "Approved automatically: the policy needs no review for this request."
            )
    return get_case(case.pk), True


def _store_money(case: Case, decision: CaseDecision, data: dict[str, Any]) -> None:
    """Keep the decision (``data``: its to_dict()) and its money figures on the case and its lines."""
    settlement = decision.settlement
    case.decision = data
    case.refund_amount = settlement.net
    case.fees_amount = settlement.fees_total
    case.store_credit_amount = decision.store_credit_amount
    case.save(update_fields=["decision", "refund_amount", "fees_amount", "store_credit_amount", "updated_at"])
    fees_by_line: dict[str, Decimal] = {}
    for charge in settlement.charges:
        if charge.line_id:
            fees_by_line[charge.line_id] = fees_by_line.get(charge.line_id, Decimal(0)) + charge.amount
    line_data = {line["line_id"]: line for line in data["lines"]}
    for case_line in case.lines.select_related("order_line"):
        line_id = str(case_line.order_line.line_id)
        case_line.refund_amount = settlement.net_by_line.get(line_id, Decimal(0))
        case_line.fee_amount = fees_by_line.get(line_id, Decimal(0))
        if line_id in line_data:
            case_line.decision = line_data[line_id]
        case_line.save(update_fields=["refund_amount", "fee_amount", "decision"])


def _release_quantities(case: Case) -> None:
    for case_line in case.lines.all():
        OrderLineRecord.objects.filter(pk=case_line.order_line_id).update(
            quantity_returned=F("quantity_returned") - case_line.quantity
        )


def _approve(case: Case, actor: Actor, message: str) -> Case:
    trace = (case.decision or {}).get("lines")
    case = transition(
        case.pk, S.APPROVED, actor_type=actor.type, actor_id=actor.id, message=message, trace=trace
    )
    if case.requested_resolution == Resolution.KEEP_ITEM.value:
        return case
    return transition(
        case.pk,
        S.AWAITING_RETURN,
        actor_type=SYSTEM_ACTOR.type,
        actor_id=SYSTEM_ACTOR.id,
        message="Waiting for the customer to ship the items back.",
    )


def approve(case_id: str | uuid.UUID, *, actor: Actor, message: str = "") -> Case:
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        return _approve(case, actor, message or "Approved.")


def decline(case_id: str | uuid.UUID, *, actor: Actor, reason: str) -> Case:
    if not reason.strip():
        raise ServiceError(
            "Say why the request is declined; the customer sees it.", code="required", field="reason"
        )
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        case = transition(case.pk, S.DECLINED, actor_type=actor.type, actor_id=actor.id, message=reason)
        if case.kind in RETURN_KINDS:
            _release_quantities(case)
        return case


def cancel(case_id: str | uuid.UUID, *, actor: Actor, reason: str = "") -> Case:
    """The customer withdraws the request; possible only before the items are received."""
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        if not machine.customer_may_cancel(case.kind, case.status):
            raise ServiceError(
                f"Case {case.number} can no longer be cancelled: it is {case.status}.", code="invalid_status"
            )
        case = transition(case.pk, S.CANCELLED, actor_type=actor.type, actor_id=actor.id, message=reason)
        _release_quantities(case)
        return case


def mark_received(case_id: str | uuid.UUID, *, actor: Actor, message: str = "") -> Case:
    return transition(case_id, S.RECEIVED, actor_type=actor.type, actor_id=actor.id, message=message)


def inspect(
    case_id: str | uuid.UUID, conditions: Mapping[str, str], *, actor: Actor, message: str = ""
) -> Case:
    """Record each line's condition and decide again: fees may change with the condition (e.g. opened items)."""
    valid = {c.value for c in ItemCondition} - {ItemCondition.UNKNOWN.value}
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        case_lines = {str(line.order_line.line_id): line for line in case.lines.select_related("order_line")}
        for line_id, condition in conditions.items():
            if line_id not in case_lines:
                raise ServiceError(
                    f"Case {case.number} has no line {line_id}.", code="not_found", field="lines"
                )
            if condition not in valid:
                raise ServiceError(
                    f"Unknown condition {condition!r}; use one of {', '.join(sorted(valid))}.",
                    code="invalid",
                    field="lines",
                )
        missing = sorted(set(case_lines) - set(conditions))
        if missing:
            raise ServiceError(
                f"Give the condition of every line; missing: {', '.join(missing)}.", field="lines"
            )
        for line_id, case_line in case_lines.items():
            case_line.condition = conditions[line_id]
            case_line.save(update_fields=["condition"])
        data = _redecide(case)
        case = transition(
            case.pk,
            S.INSPECTED,
            actor_type=actor.type,
            actor_id=actor.id,
            message=message,
            trace=data["lines"],
            payload={"conditions": dict(conditions)},
        )
        return case


def _line_requests(case: Case) -> list[LineRequest]:
    return [
        LineRequest(
            line_id=str(line.order_line.line_id),
            quantity=line.quantity,
            reason=line.reason,
            resolution=line.requested_resolution,
            condition=line.condition,
        )
        for line in case.lines.select_related("order_line").order_by("id")
    ]


def _redecide(case: Case) -> dict[str, Any]:
    """Decide the case again as of its request time (its own held units do not count as already returned), store
    the new decision and return it as data."""
    requests = _line_requests(case)
    decision, _ = evaluate(
        case.order,
        CaseKind(case.kind),
        requests,
        now=case.created_at,
        held={request.line_id: request.quantity for request in requests},
    )
    data = decision.to_dict()
    _store_money(case, decision, data)
    add_event(
        case.pk,
        EVENT_DECISION_UPDATED,
        actor_type=SYSTEM_ACTOR.type,
        actor_id=SYSTEM_ACTOR.id,
        message="Decision updated after inspection.",
        trace=data["lines"],
    )
    return data


def resolve(
    case_id: str | uuid.UUID,
    resolution: str,
    *,
    actor: Actor,
    host: HostPort,
    amount: Decimal | None = None,
    override_reason: str = "",
) -> Case:
    """Carry out the resolution through the host and mark the case resolved.

    ``amount`` lets staff override the refund with a reason (it is recorded). A host failure moves the case to
    ``resolution_failed`` with the message; calling resolve() again retries, skipping what already succeeded.
    """
    try:
        resolution = Resolution(resolution).value
    except ValueError:
        raise ServiceError(
            f"Unknown resolution {resolution!r}; use one of {', '.join(r.value for r in Resolution)}.",
            field="resolution",
        ) from None
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        allowed = (case.decision or {}).get("resolutions") or []
        if resolution not in allowed:
            raise ServiceError(
                f"The policy does not offer {resolution} for case {case.number}; offered: {', '.join(allowed)}.",
                code="not_allowed",
                field="resolution",
            )
        ready = (S.INSPECTED, S.RESOLUTION_FAILED) if resolution != Resolution.KEEP_ITEM else (S.APPROVED,)
        if case.status not in ready:
            raise ServiceError(
                f"Case {case.number} is {case.status}; resolve it with {resolution} when it is "
                f"{' or '.join(str(s) for s in ready)}.",
                code="invalid_status",
            )
        if amount is not None:
            if not override_reason.strip():
                raise ServiceError("Give a reason for changing the amount.", code="required", field="reason")
            amount = quantize(amount, case.currency)
            if amount < 0:
                raise ServiceError("The amount cannot be negative.", code="invalid", field="amount")
        net = amount if amount is not None else quantize(case.refund_amount or Decimal(0), case.currency)
        # The case row stays locked while the host acts, so concurrent resolves run one after the other and the
        # second finds the first one's recorded references instead of paying again.
        # A staff override sets the final figure; otherwise store credit includes the policy's bonus.
        store_credit = net if amount is not None else quantize(case.store_credit_amount or net, case.currency)
        references, error = _carry_out(case, resolution, _returned_lines(case, net), net, store_credit, host)
        if error is not None:
            case.failure_message = str(error)
            case.save(update_fields=["failure_message", "updated_at"])
            if case.status != S.RESOLUTION_FAILED:
                return transition(
                    case.pk,
                    S.RESOLUTION_FAILED,
                    actor_type=SYSTEM_ACTOR.type,
                    actor_id=host.name,
                    message=str(error),
                    payload={"resolution": resolution, "references": references},
                )
            add_event(
                case.pk,
                EVENT_RESOLUTION_FAILED,
                actor_type=SYSTEM_ACTOR.type,
                actor_id=host.name,
                message=str(error),
            )
            return get_case(case.pk)
        case.resolution = resolution
        case.failure_message = ""
        if amount is not None:
            case.refund_amount = amount
        case.save(update_fields=["resolution", "failure_message", "refund_amount", "updated_at"])
        payload: dict[str, Any] = {"resolution": resolution, "amount": str(net), "references": references}
        if amount is not None:
            payload["override_reason"] = override_reason
        return transition(
            case.pk,
            S.RESOLVED,
            actor_type=actor.type,
            actor_id=actor.id,
            message=override_reason or f"Resolved by {resolution.replace('_', ' ')}.",
            payload=payload,
        )


def _returned_lines(case: Case, net: Decimal) -> list[ReturnedLine]:
    case_lines = list(case.lines.select_related("order_line").order_by("id"))
    estimate = sum((line.refund_amount or Decimal(0) for line in case_lines), Decimal(0))
    lines = []
    remaining = net
    for index, line in enumerate(case_lines):
        if index == len(case_lines) - 1:
            share = remaining
        elif estimate:
            share = quantize(net * (line.refund_amount or Decimal(0)) / estimate, case.currency)
        else:
            share = Decimal(0)
        remaining -= share
        lines.append(ReturnedLine(str(line.order_line.line_id), line.quantity, share))
    return lines


def _done_reference(case: Case, event_type: str) -> str | None:
    event = case.events.filter(type=event_type).order_by("-at").first()
    return (event.payload or {}).get("reference") if event else None


def _carry_out(
    case: Case,
    resolution: str,
    lines: list[ReturnedLine],
    net: Decimal,
    store_credit: Decimal,
    host: HostPort,
) -> tuple[dict[str, str], HostError | None]:
    """Run the host actions not yet done for this case, recording each success; stops at the first failure."""
    references: dict[str, str] = {}
    order_id = str(case.order.order_id)

    def once(step: str, action: Any) -> None:
        event_type = _DONE_EVENTS[step]
        reference = _done_reference(case, event_type)
        if reference is None:
            result = action()
            reference = result.reference
            add_event(
                case.pk,
                event_type,
                actor_type=SYSTEM_ACTOR.type,
                actor_id=host.name,
                message=result.message,
                payload={"reference": reference, "pending": result.pending, "amount": str(net)},
            )
            if step == Resolution.REFUND.value:
                for line in lines:
                    OrderLineRecord.objects.filter(line_id=line.line_id).update(
                        refunded_amount=F("refunded_amount") + line.amount
                    )
        references[step] = reference

    try:
        if resolution != Resolution.KEEP_ITEM.value:
            once("mark_returned", lambda: host.mark_returned(order_id, str(case.pk), lines))
        if resolution in (Resolution.REFUND.value, Resolution.KEEP_ITEM.value) and net > 0:
            once(
                Resolution.REFUND.value,
                lambda: host.refund(order_id, str(case.pk), lines, net, case.currency, f"Case {case.number}"),
            )
        elif resolution == Resolution.STORE_CREDIT.value:
            once(
                Resolution.STORE_CREDIT.value,
                lambda: host.issue_store_credit(
                    order_id, str(case.pk), store_credit, case.currency, case.customer_email
                ),
            )
        elif resolution == Resolution.EXCHANGE.value:
            once(Resolution.EXCHANGE.value, lambda: host.create_exchange(order_id, str(case.pk), lines))
    except HostError as error:
        return references, error
    return references, None


def close(case_id: str | uuid.UUID, *, actor: Actor, message: str = "") -> Case:
    """Close a case; a return closed without being resolved gives its units back to the order."""
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        was_resolved = case.status == S.RESOLVED
        case = transition(case.pk, S.CLOSED, actor_type=actor.type, actor_id=actor.id, message=message)
        if case.kind in RETURN_KINDS and not was_resolved and case.status == S.CLOSED:
            held_back = CaseEvent.objects.filter(case=case, type=EVENT_ITEMS_RETURNED).exists()
            if not held_back:
                _release_quantities(case)
        return case


__all__ = [
    "approve",
    "cancel",
    "close",
    "decline",
    "inspect",
    "mark_received",
    "request_return",
    "resolve",
]
