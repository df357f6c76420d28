"""Complaints and the conversation around every case: replies, internal notes, assignment, manual escalation."""

import uuid

from django.db import transaction

from ..delivery import deliver_after_commit
from ..domain import cases as machine
from ..domain.actors import Actor
from ..domain.facts import CaseKind
from ..models import Case, CaseEvent
from ..notifications import outbox
from . import ServiceError
from .cases import EVENT_REPLY, add_event, create_case, get_case, transition
from .eligibility import evaluate
from .idempotency import OPERATION_COMPLAINT, earlier_request
from .orders import get_order
from .sla import EVENT_ESCALATED, case_policy, escalation_tiers

S = machine.CaseStatus
COMPLAINT_CATEGORIES = ("product_quality", "logistics", "service", "other")
EVENT_NOTE = "note"
EVENT_ASSIGNED = "assigned"
EVENT_REOPENED = "reopened"


def open_complaint(
    order_id: str | uuid.UUID,
    *,
    category: str,
    comment: str,
    actor: Actor,
    idempotency_key: str | None = None,
) -> tuple[Case, bool]:
    if category not in COMPLAINT_CATEGORIES:
        raise ServiceError(
            f"Unknown complaint category {category!r}; use one of {', '.join(COMPLAINT_CATEGORIES)}.",
            code="invalid",
            field="category",
        )
    if not comment.strip():
        raise ServiceError("Describe the problem so staff can help.", code="required", field="comment")
    with transaction.atomic():
        order = get_order(order_id)
        stored_key, existing = earlier_request(order, actor, OPERATION_COMPLAINT, idempotency_key)
        if existing is not None:
            return existing, False
        decision, _ = evaluate(order, CaseKind.COMPLAINT, [])
        data = decision.to_dict()
        return create_case(
            order.order_id,
            CaseKind.COMPLAINT,
            actor=actor,
            category=category,
            comment=comment,
            decision=data,
            idempotency_key=stored_key,
        )


def reply(case_id: str | uuid.UUID, message: str, *, actor: Actor) -> CaseEvent:
    """A message the customer sees; staff's first reply is the first response and answers an open complaint."""
    if not message.strip():
        raise ServiceError("A reply needs a message.", code="required", field="message")
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        event = add_event(case.pk, EVENT_REPLY, actor=actor, message=message)
        if event.actor_type != CaseEvent.ActorType.CUSTOMER:  # the customer's own replies are not echoed back
            outbox.enqueue_reply(case, event, case_policy(case))
            deliver_after_commit()
        if not actor.is_customer and case.kind == CaseKind.COMPLAINT and case.status == S.OPEN:
            transition(case.pk, S.RESPONDED, actor=actor, message="Replied.")
        return event


def add_note(case_id: str | uuid.UUID, message: str, *, actor: Actor) -> CaseEvent:
    """An internal note: staff and apps only; never shown to the customer."""
    if actor.is_customer:
        raise ServiceError("Customers cannot add internal notes.", code="forbidden")
    if not message.strip():
        raise ServiceError("A note needs a message.", code="required", field="message")
    return add_event(case_id, EVENT_NOTE, actor=actor, message=message)


def assign(case_id: str | uuid.UUID, assignee: str, *, actor: Actor) -> Case:
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        previous = case.assignee
        case.assignee = assignee.strip()
        case.save(update_fields=["assignee", "updated_at"])
        add_event(
            case.pk,
            EVENT_ASSIGNED,
            actor=actor,
            message=f"Assigned to {case.assignee or 'nobody'}.",
            payload={"from": previous, "to": case.assignee},
        )
        return case


MAX_ESCALATION_TIER = 20
"""The highest tier a case escalates to where its policy has no escalation path (with one: its last tier)."""


def escalate(case_id: str | uuid.UUID, *, actor: Actor, reason: str, tier: int | None = None) -> Case:
    """Raise the case to the next tier of its escalation path (or to ``tier``, at most the path's last); never lowers
    it. The tier's contacts get a ``staff_escalated`` message with the reason, as the SLA sweep's escalations do."""
    if not reason.strip():
        raise ServiceError("Say why the case is escalated.", code="required", field="reason")
    with transaction.atomic():
        case = get_case(case_id, lock=True)
        if not machine.is_open(case.kind, case.status):
            raise ServiceError(
                f"Case {case.number} is {case.status}; only open cases escalate.", code="invalid_status"
            )
        target = case.escalation_tier + 1 if tier is None else tier
        if target <= case.escalation_tier:
            raise ServiceError(
                f"Case {case.number} is already at tier {case.escalation_tier}; escalate to a higher tier.",
                code="invalid",
                field="tier",
            )
        policy = case_policy(case)
        tiers = escalation_tiers(case, policy)
        if target > (len(tiers) or MAX_ESCALATION_TIER):
            named = ", ".join(f"{number} {each.name}" for number, each in enumerate(tiers, start=1))
            raise ServiceError(
                f"Case {case.number}'s escalation path has {len(tiers)} tiers ({named}); "
                f"escalate to at most tier {len(tiers)}."
                if tiers
                else f"Escalate case {case.number} to at most tier {MAX_ESCALATION_TIER}.",
                code="invalid",
                field="tier",
            )
        reached = tiers[target - 1] if tiers else None
        previous = case.escalation_tier
        case.escalation_tier = target
        case.save(update_fields=["escalation_tier", "updated_at"])
        add_event(
            case.pk,
            EVENT_ESCALATED,
            actor=actor,
            message=reason,
            payload={
                "from_tier": previous,
                "to_tier": target,
                "tier_name": reached.name if reached else "",
                "path": (case.decision or {}).get("escalation_path"),
            },
        )
        if reached is not None and outbox.enqueue_staff(
            case,
            policy,
            "staff_escalated",
            reached.notify,
            f"staff_escalated:{case.pk}:{target}",
            reason=reason,
            tier_name=reached.name,
            tier_number=target,
        ):
            deliver_after_commit()
        return case


def resolve_complaint(case_id: str | uuid.UUID, *, actor: Actor, message: str) -> Case:
    if not message.strip():
        raise ServiceError(
            "Say how the complaint was resolved; the customer sees it.", code="required", field="message"
        )
    return transition(case_id, S.RESOLVED, actor=actor, message=message)


def reopen(case_id: str | uuid.UUID, *, actor: Actor, message: str) -> Case:
    return transition(case_id, S.OPEN, actor=actor, message=message)
