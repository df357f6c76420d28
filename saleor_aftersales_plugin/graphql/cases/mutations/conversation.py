"""The conversation around a case: replies from either side, and the staff's assignment, escalation and notes."""

import graphene

from ....models import Case
from ....services import conversations
from ...core.permissions import Audience
from .base import CaseAtHand, CaseMessage, CaseWorkMutation

__all__ = ["CaseAssign", "CaseEscalate", "CaseNoteAdd", "CaseReply"]


class CaseReply(
    CaseMessage, by=conversations.reply, message="The reply; the other side sees it.", audience=Audience.OWNER
):
    """Reply on a case (the customer or the shop); the shop's first reply is its first response."""


class CaseAssign(
    CaseMessage,
    by=conversations.assign,
    argument="assignee",
    message="Who works on the case; empty to unassign.",
    audience=Audience.MANAGER,
):
    """Assign a case."""


class CaseEscalate(CaseWorkMutation, audience=Audience.MANAGER):
    """Escalate an open case to a higher tier."""

    class Arguments:
        reason = graphene.String(required=True, description="Why the case is escalated.")
        tier = graphene.Int(description="Tier to escalate to; the next one by default.")

    @classmethod
    def work(cls, at_hand: CaseAtHand, reason: str, tier: int | None = None) -> Case:
        return conversations.escalate(at_hand.case.pk, actor=at_hand.actor, reason=reason, tier=tier)


class CaseNoteAdd(
    CaseMessage,
    by=conversations.add_note,
    message="The note; customers never see it.",
    audience=Audience.MANAGER,
):
    """Add an internal note to a case."""
