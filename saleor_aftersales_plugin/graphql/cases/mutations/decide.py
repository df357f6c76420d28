"""Staff decide a request: approve it or decline it."""

import graphene

from ....domain.actors import Actor
from ....models import Case
from ....services import case_work, returns
from ...core.context import RequestContext
from ...core.permissions import Audience
from ..inputs import case_id_argument
from .base import CaseWorkMutation

__all__ = ["CaseApprove", "CaseDecline"]


class CaseApprove(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        message = graphene.String(description="Message to the customer.")

    class Meta:
        audience = Audience.MANAGER
        description = "Approve a requested return, exchange or repair."

    @classmethod
    def work(cls, context: RequestContext, case: Case, actor: Actor, message: str = "") -> Case:
        return case_work.approve(case, actor=actor, message=message or "")


class CaseDecline(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        reason = graphene.String(required=True, description="Why; the customer sees it.")

    class Meta:
        audience = Audience.MANAGER
        description = "Decline a requested return, exchange or repair."

    @classmethod
    def work(cls, context: RequestContext, case: Case, actor: Actor, reason: str) -> Case:
        return returns.decline(case.pk, actor=actor, reason=reason)
