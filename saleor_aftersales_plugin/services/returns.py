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
from django.db.models import Case as DbCase
from django.db.models import F, Value, When

from ..delivery import deliver_after_commit
from ..domain import cases as machine
from ..domain.actors import SYSTEM, SYSTEM_ACTOR, Actor
from ..domain.facts import CaseKind, ItemCondition, LineRequest, Resolution
from ..domain.host import HostError, HostPort, RefundOutcome, RefundRequest, ReturnedLine, StoreCreditRequest
from ..domain.money import allocate, currency_precision, quantize
from ..domain.wording import quoted_clause
from ..models import Case, CaseEvent, CaseLine, OrderLineRecord, OrderRecord
from ..notifications import outbox
from ..rules.decision import CaseDecision
from ..rules.engine import ENGINE_REASONS
from ..rules.zero_refund import REASON_ZERO_REFUND
from . import ServiceError
from .cases import CaseMoney, LineMoney, add_event, create_case, get_case, transition
from .eligibility import LEDGER_REASONS, checked_reasons, evaluate
from .idempotency import OPERATION_RETURN, case_for_key, earlier_request
from .ledger import balances, lock_lines, refresh_cache
from .orders import get_order
from .sla import case_policy

S = machine.CaseStatus
RETURN_KINDS = (CaseKind.RETURN, CaseKind.EXCHANGE)
EVENT_REFUND_ISSUED = "refund_issued"
EVENT_STORE_CREDIT_ISSUED = "store_credit_issued"
EVENT_EXCHANGE_CREATED = "exchange_created"
EVENT_ITEMS_RETURNED = "items_returned"
EVENT_RESOLUTION_FAILED = "resolution_failed"
EVENT_DECISION_UPDATED = "decision_updated"
EVENT_REFUND_COMPLETED = "refund_completed"
EVENT_REFUND_REFUSED = "refund_refused"
# Events whose host reference proves the money or stock action already happened.
_DONE_EVENTS = {
    "mark_returned": EVENT_ITEMS_RETURNED,
    Resolution.REFUND.value: EVENT_REFUND_ISSUED,
    Resolution.STORE_CREDIT.value: EVENT_STORE_CREDIT_ISSUED,
    Resolution.EXCHANGE.value: EVENT_EXCHANGE_CREATED,
}


_OTHER_REASONS = {REASON_ZERO_REFUND: "After the fees nothing would be refunded."}


def reject_ineligible(
    decision: CaseDecision, names: Mapping[str, str] | None = None, *, asked: str = "returned"
) -> None:
    """NOT_ELIGIBLE on the first line ``decision`` refuses, naming the item (``names``: line id -> product name) and
    why; ``asked``: what was asked of it ("returned", "sent in for repair")."""
    names = names or {}
    problems = [(index, line) for index, line in enumerate(decision.lines) if not line.eligible]
    if problems:
        index, line = problems[0]
        others = f" {len(problems) - 1} more line(s) cannot be {asked} either." if len(problems) > 1 else ""
        reasons = " ".join(
            LEDGER_REASONS.get(reason)
            or ENGINE_REASONS.get(reason)
            or _OTHER_REASONS.get(reason)
            or reason.replace("_", " ").capitalize() + "."
            for reason in line.reasons
        )
        raise ServiceError(
            f"{names.get(line.line_id) or 'This item'} cannot be {asked}: {reasons}{others}",
            code="not_eligible",
            field=f"lines.{index}",
        )


def request_return(
    order_id: str | uuid.UUID | OrderRecord,
    requests: Sequence[LineRequest],
    *,
    actor: Actor,
    kind: CaseKind = CaseKind.RETURN,
    reason: str = "",
    comment: str = "",
    photo_urls: Sequence[str] = (),
    idempotency_key: str | None = None,
    host: HostPort | None = None,
) -> tuple[Case, bool]:
    """Open a return or exchange case; returns ``(case, created)``. The same caller's idempotency key returns the
    same case (:mod:`.idempotency`).

    With ``host`` the units and money still available come from the host's ledger (see :mod:`.ledger`). A caller
    that already read the order row passes it instead of its id.

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
        order = order_id if isinstance(order_id, OrderRecord) else get_order(order_id)
        stored_key, existing = earlier_request(order, actor, OPERATION_RETURN, idempotency_key)
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
        decision, _version = evaluate(order, kind, requests, host=host)
        reject_ineligible(decision, {str(line.line_id): line.product_name for line in locked})
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
            actor=actor,
            lines=requests,
            reason=reason or (requests[0].reason if requests else ""),
            comment=comment,
            requested_resolution=requests[0].resolution if requests else "",
            photo_urls=photo_urls,
            decision=data,
            idempotency_key=stored_key,
            trace=data["lines"],
            host=host,
            money=money_of(decision, data),
            order_lines=locked,
        )
        if not created:
            return case, False
        units = {str(request.line_id): request.quantity for request in requests}
        OrderLineRecord.objects.filter(pk__in=[line.pk for line in locked]).update(
            quantity_returned=F("quantity_returned")
            + DbCase(*(When(pk=line.pk, then=Value(units[str(line.line_id)])) for line in locked))
        )
        if not decision.review_required:
            case = _approve(
                case, SYSTEM_ACTOR, "Approved automatically: the policy needs no review for this request."
            )
    return case, True


def money_of(decision: CaseDecision, data: dict[str, Any]) -> CaseMoney:
    """The money of ``decision`` (``data``: its to_dict()) as the case and its lines keep it."""
    settlement = decision.settlement
    fees_by_line: dict[str, Decimal] = {}
    for charge in settlement.charges:
        if charge.line_id:
            fees_by_line[charge.line_id] = fees_by_line.get(charge.line_id, Decimal(0)) + charge.amount
    line_data = {line["line_id"]: line for line in data["lines"]}
    return CaseMoney(
        settlement.net,
        settlement.fees_total,
        decision.store_credit_amount,
        {
            line_id: LineMoney(
                settlement.net_by_line.get(line_id, Decimal(0)),
                fees_by_line.get(line_id, Decimal(0)),
                line_data.get(line_id),
            )
            for line_id in {*settlement.net_by_line, *fees_by_line, *line_data}
        },
    )


def _store_money(case: Case, decision: CaseDecision, data: dict[str, Any]) -> None:
    """Keep the decision (``data``: its to_dict()) and its money figures on the case and its lines."""
    money = money_of(decision, data)
    case.decision = data
    case.refund_amount = money.refund_amount
    case.fees_amount = money.fees_amount
    case.store_credit_amount = money.store_credit_amount
    case.save(update_fields=["decision", "refund_amount", "fees_amount", "store_credit_amount", "updated_at"])
    for case_line in case.lines.select_related("order_line"):
        share = money.line(str(case_line.order_line.line_id))
        case_line.refund_amount = share.refund_amount
        case_line.fee_amount = share.fee_amount
        if share.decision is not None:
            case_line.decision = share.decision
        case_line.save(update_fields=["refund_amount", "fee_amount", "decision"])


def _release_quantities(case: Case) -> None:
    for case_line in case.lines.all():
        OrderLineRecord.objects.filter(pk=case_line.order_line_id).update(
            quantity_returned=F("quantity_returned") - case_line.quantity
        )


def _approve(case: Case, actor: Actor, message: str) -> Case:
    trace = (case.decision or {}).get("lines")
    case = transition(case.pk, S.APPROVED, actor=actor, message=message, trace=trace)
    if case.requested_resolution == Resolution.KEEP_ITEM.value:
        return case
    return transition(
        case.pk,
        S.AWAITING_RETURN,
        actor=SYSTEM_ACTOR,
        message="Waiting for the customer to ship the items back.",
    )


def approve(case_id: str | uuid.UUID, *, actor: Actor, message: str = "") -> Case:
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        return _approve(case, actor, message)


def decline(case_id: str | uuid.UUID, *, actor: Actor, reason: str) -> Case:
    if not reason.strip():
        raise ServiceError(
            "Say why the request is declined; the customer sees it.", code="required", field="reason"
        )
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        case = transition(case.pk, S.DECLINED, actor=actor, message=reason)
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
        case = transition(case.pk, S.CANCELLED, actor=actor, message=reason)
        _release_quantities(case)
        return case


def mark_received(case_id: str | uuid.UUID, *, actor: Actor, message: str = "") -> Case:
    return transition(case_id, S.RECEIVED, actor=actor, message=message)


def inspect(
    case_id: str | uuid.UUID,
    conditions: Mapping[str, str],
    *,
    actor: Actor,
    message: str = "",
    host: HostPort | None = None,
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
        data = _redecide(case, host)
        case = transition(
            case.pk,
            S.INSPECTED,
            actor=actor,
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


def _redecide(case: Case, host: HostPort | None = None) -> dict[str, Any]:
    """Decide the case again as of its request time (its own held units do not count as already returned), store
    the new decision and return it as data."""
    requests = _line_requests(case)
    decision, _ = evaluate(
        case.order,
        CaseKind(case.kind),
        requests,
        now=case.created_at,
        held={request.line_id: request.quantity for request in requests},
        host=host,
        exclude_case=case,
    )
    data = decision.to_dict()
    _store_money(case, decision, data)
    add_event(
        case.pk,
        EVENT_DECISION_UPDATED,
        actor=SYSTEM_ACTOR,
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
    """Carry out the resolution through the host; the case is resolved when the host confirms the money moved.

    The amount is bounded by :mod:`.ledger`, re-read from the host under the lines' row locks: per line, what was
    paid for the case's units minus everything refunded for the line by anyone. The decided amount follows the
    units' share as of now (units settled since the decision may have moved them to a share a cent larger, see
    :func:`_priced_now`), so a line returned over cases open at once is refunded all that was paid. ``amount`` lets staff override
    the figure with a reason (recorded); above the bound it is refused with ``refund_exceeds_paid``. A refund the
    payment provider has not confirmed leaves the case ``refund_pending`` (see :func:`reconcile_refunds`); a host
    failure or refusal moves it to ``resolution_failed`` with the message, and resolving again retries, skipping
    what already succeeded and never refunding twice.
    """
    try:
        resolution = Resolution(resolution).value
    except ValueError:
        raise ServiceError(
            f"Unknown resolution {resolution!r}; use one of {', '.join(r.value for r in Resolution)}.",
            field="resolution",
        ) from None
    reconcile_refunds(get_case(case_id).order.order_id, host)
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        allowed = (case.decision or {}).get("resolutions") or []
        if resolution not in allowed:
            raise ServiceError(
                f"The policy does not offer {resolution} for case {case.number}; offered: {', '.join(allowed)}.",
                code="not_allowed",
                field="resolution",
            )
        if case.status == S.REFUND_PENDING:
            raise ServiceError(
                f"Case {case.number} waits for the payment provider to confirm its refund; it is resolved (or "
                "shown as failed) when the answer arrives.",
                code="refund_pending",
            )
        ready = (
            (S.INSPECTED, S.RESOLUTION_FAILED)
            if resolution != Resolution.KEEP_ITEM
            else (S.APPROVED, S.RESOLUTION_FAILED)
        )
        if case.status not in ready:
            raise ServiceError(
                f"Case {case.number} is {case.status}; resolve it with {resolution} when it is "
                f"{' or '.join(str(s) for s in ready)}.",
                code="invalid_status",
            )
        if amount is not None:
            amount = checked_amount(amount, case.currency)
            if resolution == Resolution.EXCHANGE.value:
                raise ServiceError(
                    "An exchange moves no money, so it takes no amount; leave the amount empty or resolve with "
                    "refund, store credit or keep the item.",
                    field="amount",
                )
            if not override_reason.strip():
                raise ServiceError("Give a reason for changing the amount.", code="required", field="reason")
        # The case row and its lines stay locked while the host acts, so concurrent resolves run one after the
        # other and the second finds the first one's recorded references instead of paying again.
        lock_lines(
            case.order, [str(line.order_line.line_id) for line in case.lines.select_related("order_line")]
        )
        lines = _settled_lines(case, resolution, amount, host)
        net = sum((line.amount for line in lines), Decimal(0))
        store_credit = _store_credit(case, net, amount)
        moves_refund = resolution in (Resolution.REFUND.value, Resolution.KEEP_ITEM.value) and net > 0
        if moves_refund and _done_reference(case, EVENT_REFUND_ISSUED) is None:
            blocker = host.refund_blocker(str(case.order.order_id))
            if blocker:
                raise ServiceError(blocker, code="refund_reason_required", field="resolution")
        references, pending, error = _carry_out(case, resolution, lines, net, store_credit, host)
        if host is not None:
            refresh_cache(case.order, balances(case.order, host))
        if error is not None:
            return _fail(
                case,
                str(error),
                host,
                {"resolution": resolution, "references": references},
                net if moves_refund else None,
            )
        case.resolution = resolution
        case.failure_message = ""
        case.refund_amount = net
        if resolution == Resolution.STORE_CREDIT.value:
            case.store_credit_amount = store_credit
        case.save(
            update_fields=[
                "resolution",
                "failure_message",
                "refund_amount",
                "store_credit_amount",
                "updated_at",
            ]
        )
        moved = store_credit if resolution == Resolution.STORE_CREDIT.value else net
        payload: dict[str, Any] = {"resolution": resolution, "amount": str(moved), "references": references}
        if amount is not None:
            payload["override_reason"] = override_reason
        if pending:
            return transition(
                case.pk,
                S.REFUND_PENDING,
                actor=actor,
                message=f"Refund of {net} {case.currency} requested; waiting for the payment provider to confirm.",
                payload=payload,
            )
        return transition(
            case.pk,
            S.RESOLVED,
            actor=actor,
            message=override_reason,  # staff-only (hidden from the customer); the resolution is on the case
            payload=payload,
        )


def checked_amount(amount: Any, currency: str) -> Decimal:
    """A staff amount as money of ``currency``, or a ServiceError ``invalid`` on the ``amount`` field."""
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int | str):
        raise ServiceError(f"The amount must be a decimal number, not {amount!r}.", field="amount")
    try:
        value = Decimal(str(amount).strip())
    except ArithmeticError:
        raise ServiceError(f"The amount {amount!r} is not a number.", field="amount") from None
    if not value.is_finite():
        raise ServiceError(f"The amount must be a finite number, not {value}.", field="amount")
    if value < 0:
        raise ServiceError(f"The amount cannot be negative ({value}).", field="amount")
    precision = currency_precision(currency)
    if value != quantize(value, currency):
        raise ServiceError(
            f"The amount {value} has more decimals than {currency} allows ({precision}).", field="amount"
        )
    return quantize(value, currency)


def _fail(
    case: Case,
    message: str,
    host: HostPort,
    payload: dict[str, Any],
    amount: Decimal | None = None,
) -> Case:
    """Record a failed resolution (``amount``: the money that did not move) and tell staff (the channel's contacts
    as ``host`` knows them); the customer hears nothing, so no one is told "refunded" for money that did not move."""
    actor_id = host.name
    case.failure_message = message
    case.save(update_fields=["failure_message", "updated_at"])
    if case.status != S.RESOLUTION_FAILED:
        case = transition(
            case.pk,
            S.RESOLUTION_FAILED,
            actor=Actor(SYSTEM, actor_id),
            message=message,
            payload=payload,
        )
        failure = case.events.order_by("-id").first()
    else:
        failure = add_event(case.pk, EVENT_RESOLUTION_FAILED, actor=Actor(SYSTEM, actor_id), message=message)
        case = get_case(case.pk)
    if failure is not None:
        outbox.enqueue_resolution_failed(case, failure, amount, case_policy(case), host)
        deliver_after_commit()
    return case


def refund_bounds(case: Case, host: HostPort) -> dict[str, Decimal]:
    """Per case line: the most that may still be refunded for its units now (see :mod:`.ledger`)."""
    decision, _ = evaluate(
        case.order,
        CaseKind(case.kind),
        _line_requests(case),
        now=case.created_at,
        explain=False,
        host=host,
        exclude_case=case,
        customer_favourable=False,
    )
    return {line.line_id: line.refundable if line.eligible else Decimal(0) for line in decision.lines}


def _settled_lines(
    case: Case, resolution: str, override: Decimal | None, host: HostPort
) -> list[ReturnedLine]:
    """The case's lines with the money each settles: the decided (or overridden) amount within the bound.

    Once the money of this resolution moved, the amounts it moved are kept (a retry only finishes the rest).
    """
    case_lines = list(case.lines.select_related("order_line").order_by("id"))
    done = _done_event(case, _DONE_EVENTS.get(resolution, ""))
    if done is not None and (done.payload or {}).get("lines"):
        recorded = done.payload["lines"]
        return [
            ReturnedLine(
                str(line.order_line.line_id),
                line.quantity,
                Decimal(str(recorded.get(str(line.order_line.line_id), "0"))),
            )
            for line in case_lines
        ]
    if resolution == Resolution.EXCHANGE.value:
        return [ReturnedLine(str(line.order_line.line_id), line.quantity, Decimal(0)) for line in case_lines]
    bounds = refund_bounds(case, host)
    keys = [str(line.order_line.line_id) for line in case_lines]
    limits = [quantize(bounds.get(key, Decimal(0)), case.currency) for key in keys]
    if override is None:
        amounts = [
            _priced_now(line, limit, case.currency) for line, limit in zip(case_lines, limits, strict=True)
        ]
    else:
        bound = sum(limits, Decimal(0))
        if override > bound:
            raise ServiceError(
                f"{override} {case.currency} is more than may still be refunded for these items: at most "
                f"{bound} {case.currency} (what was paid for them minus what was already refunded).",
                code="refund_exceeds_paid",
                field="amount",
            )
        amounts = allocate(override, limits, case.currency) if bound > 0 else [Decimal(0)] * len(limits)
    return [
        ReturnedLine(key, line.quantity, amount)
        for key, line, amount in zip(keys, case_lines, amounts, strict=True)
    ]


def _priced_now(line: CaseLine, limit: Decimal, currency: str) -> Decimal:
    """The decided amount of a case line, settled now: at most ``limit`` (its bound now), and at least its decided
    amount plus what its units' share of the paid total grew by since the decision.

    A case is decided (at its request, again at inspection) with its units priced after the units settled so far;
    units settled since then (other cases resolved first) move its units later on the line, where their share may be
    a cent more (1000 JPY over 3 units: 333, 334, 333). The fees stay as decided; a line whose fees took all of its
    share gets nothing more.
    """
    decided = quantize(line.refund_amount or Decimal(0), currency)
    shown = (line.decision or {}).get("refundable")
    if shown is None:
        return min(decided, limit)
    gross = quantize(Decimal(str(shown)), currency)
    if decided <= 0 < gross:
        return min(decided, limit)
    return min(decided + max(limit - gross, Decimal(0)), limit)


def _store_credit(case: Case, net: Decimal, override: Decimal | None) -> Decimal:
    """Store credit for ``net``: a staff override is the final figure; otherwise the policy's bonus is added."""
    if override is not None:
        return net
    if case.store_credit_amount is not None and net == quantize(case.refund_amount or 0, case.currency):
        return quantize(case.store_credit_amount, case.currency)
    bonus = Decimal(str((case.decision or {}).get("store_credit_bonus") or 0))
    return quantize(net * (Decimal(100) + bonus) / Decimal(100), case.currency)


def _done_event(case: Case, event_type: str) -> CaseEvent | None:
    """The event recording that ``event_type``'s host action happened (a refund the provider refused does not)."""
    event = case.events.filter(type=event_type).order_by("-at", "-id").first()
    if event is None:
        return None
    if (
        event_type == EVENT_REFUND_ISSUED
        and case.events.filter(type=EVENT_REFUND_REFUSED, payload__request_event=event.pk).exists()
    ):
        return None
    return event


def _done_reference(case: Case, event_type: str) -> str | None:
    event = _done_event(case, event_type)
    return (event.payload or {}).get("reference") if event else None


def _carry_out(
    case: Case,
    resolution: str,
    lines: list[ReturnedLine],
    net: Decimal,
    store_credit: Decimal,
    host: HostPort,
) -> tuple[dict[str, str], bool, HostError | None]:
    """Run the host actions not yet done for this case, recording each success; stops at the first failure.

    Returns the references, whether the refund still waits for the payment provider, and the failure if any.
    """
    references: dict[str, str] = {}
    order_id = str(case.order.order_id)
    pending = False
    by_line = {line.line_id: str(line.amount) for line in lines}

    def once(step: str, action: Any, amount: Decimal | None = None) -> None:
        nonlocal pending
        event_type = _DONE_EVENTS[step]
        done = _done_event(case, event_type)
        if done is None:
            result = action()
            payload: dict[str, Any] = {"reference": result.reference, "pending": result.pending}
            if amount is not None:
                payload["amount"] = str(amount)
                payload["lines"] = by_line
            add_event(
                case.pk,
                event_type,
                actor=Actor(SYSTEM, host.name),
                message=result.message,
                payload=payload,
            )
            reference, pending_now = result.reference, result.pending
        else:
            reference = (done.payload or {}).get("reference")
            pending_now = (
                bool((done.payload or {}).get("pending"))
                and not case.events.filter(
                    type=EVENT_REFUND_COMPLETED, payload__request_event=done.pk
                ).exists()
            )
        if step == Resolution.REFUND.value:
            pending = pending_now
        references[step] = reference

    try:
        if resolution != Resolution.KEEP_ITEM.value:
            once("mark_returned", lambda: host.mark_returned(order_id, str(case.pk), lines))
        if resolution in (Resolution.REFUND.value, Resolution.KEEP_ITEM.value) and net > 0:
            once(
                Resolution.REFUND.value,
                lambda: host.refund(
                    RefundRequest(order_id, str(case.pk), lines, net, case.currency, f"Case {case.number}")
                ),
                net,
            )
        elif resolution == Resolution.STORE_CREDIT.value:
            once(
                Resolution.STORE_CREDIT.value,
                lambda: host.issue_store_credit(
                    StoreCreditRequest(
                        order_id, str(case.pk), store_credit, case.currency, case.customer_email, lines
                    )
                ),
                store_credit,
            )
        elif resolution == Resolution.EXCHANGE.value:
            once(Resolution.EXCHANGE.value, lambda: host.create_exchange(order_id, str(case.pk), lines))
    except HostError as error:
        return references, pending, error
    return references, pending, None


def reconcile_refunds(order_id: str | uuid.UUID, host: HostPort) -> int:
    """Bring every refund-pending case of the order in line with the host's answer; returns the cases changed.

    Idempotent: each refund request gets one outcome event. A confirmed refund resolves the case (the customer is
    told then); a refused one moves it to ``resolution_failed`` with the reason for staff, and the amount stays
    refundable for a retry.
    """
    changed = 0
    for case_id in Case.objects.filter(order__order_id=order_id, status=S.REFUND_PENDING).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            case = get_case(case_id, lock=True)
            if case.status != S.REFUND_PENDING:
                continue
            request = _done_event(case, EVENT_REFUND_ISSUED)
            if request is None:
                continue
            reference = str((request.payload or {}).get("reference"))
            outcome, message = host.refund_outcome(str(order_id), reference)
            if outcome == RefundOutcome.PENDING:
                continue
            host_actor = Actor(SYSTEM, host.name)
            marker = {"reference": reference, "request_event": request.pk}
            if outcome == RefundOutcome.SUCCESS:
                add_event(case.pk, EVENT_REFUND_COMPLETED, actor=host_actor, message=message, payload=marker)
                transition(
                    case.pk,
                    S.RESOLVED,
                    actor=host_actor,
                    message=f"Refund of {request.payload.get('amount')} {case.currency} confirmed.",
                    payload={
                        "resolution": case.resolution,
                        "amount": request.payload.get("amount"),
                        "references": {"refund": reference},
                    },
                )
            else:
                reason = (
                    f"The payment provider refused the refund: {quoted_clause(message) or 'no reason given'}. The "
                    "amount stays refundable; resolve the case again to retry."
                )
                add_event(case.pk, EVENT_REFUND_REFUSED, actor=host_actor, message=reason, payload=marker)
                _fail(
                    case,
                    reason,
                    host,
                    {"resolution": case.resolution, "references": {"refund": reference}},
                    Decimal(str(request.payload.get("amount") or 0)),
                )
            refresh_cache(case.order, balances(case.order, host))
            changed += 1
    return changed


def reconcile_pending_refunds(host: HostPort) -> int:
    """:func:`reconcile_refunds` for every order with a refund-pending case; returns the cases changed.

    Run periodically (:mod:`..tasks`): a payment app that answers later, or refuses without the host firing a hook,
    still gets its answer recorded, and staff hear of a refusal.
    """
    orders = (
        Case.objects.filter(status=S.REFUND_PENDING)
        .values_list("order__order_id", flat=True)
        .distinct()
        .order_by("order__order_id")
    )
    return sum(reconcile_refunds(order_id, host) for order_id in list(orders))


def close(case_id: str | uuid.UUID, *, actor: Actor, message: str = "") -> Case:
    """Close a case; a return closed without being resolved gives its units back to the order."""
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        was_resolved = case.status == S.RESOLVED
        case = transition(case.pk, S.CLOSED, actor=actor, message=message)
        if case.kind in RETURN_KINDS and not was_resolved and case.status == S.CLOSED:
            held_back = CaseEvent.objects.filter(case=case, type=EVENT_ITEMS_RETURNED).exists()
            if not held_back:
                _release_quantities(case)
        return case


__all__ = [
    "approve",
    "checked_amount",
    "reconcile_pending_refunds",
    "reconcile_refunds",
    "refund_bounds",
    "cancel",
    "close",
    "decline",
    "inspect",
    "mark_received",
    "request_return",
    "resolve",
]
