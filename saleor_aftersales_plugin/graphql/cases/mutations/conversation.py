"""The conversation around a case: replies from either side, and the staff's assignment, escalation and notes."""

import graphene

from ....domain.actors import Actor
from ....models import Case
from ....services import conversations
from ...core.context import RequestContext
from ...core.permissions import Audience
from ..inputs import case_id_argument, email_argument
from .base import CaseWorkMutation

__all__ = ["CaseAssign", "CaseEscalate", "CaseNoteAdd", "CaseReply"]


class CaseReply(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        email = email_argument()
        message = graphene.String(required=True, description="The reply; the other side sees it.")

    class Meta:
        audience = Audience.OWNER
        description = (
            "Reply on a case (the customer or the shop); the shop's first reply is its first response."
        )

    @classmethod
    def work(cls, context: RequestContext, case: Case, actor: Actor, message: str) -> Case:
        conversations.reply(case.pk, message, actor=actor)
        return case


class CaseAssign(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        assignee = graphene.String(required=True, description="Who works on the case; empty to unassign.")

    class Meta:
        audience = Audience.MANAGER
        description = "Assign a case."

    @classmethod
    def work(cls, context: RequestContext, case: Case, actor: Actor, assignee: str) -> Case:
        return conversations.assign(case.pk, assignee, actor=actor)


class CaseEscalate(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        reason = graphene.String(required=True, description="Why the case is escalated.")
        tier = graphene.Int(description="Tier to escalate to; the next one by default.")

    class Meta:
        audience = Audience.MANAGER
        description = "Escalate an open case to a higher tier."

    @classmethod
    def work(
        cls, context: RequestContext, case: Case, actor: Actor, reason: str, tier: int | None = None
    ) -> Case:
        return conversations.escalate(case.pk, actor=actor, reason=reason, tier=tier)


class CaseNoteAdd(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        message = graphene.String(required=True, description="The note; customers never see it.")

    class Meta:
        audience = Audience.MANAGER
        description = "Add an internal note to a case."

    @classmethod
    def work(cls, context: RequestContext, case: Case, actor: Actor, message: str) -> Case:
        conversations.add_note(case.pk, message, actor=actor)
        return case
