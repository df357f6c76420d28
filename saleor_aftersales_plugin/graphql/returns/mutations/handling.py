"""A return on its way: the customer withdraws it, or the shop receives the items."""

import graphene

from ....domain.actors import Actor
from ....models import Case
from ....services import case_work
from ...cases.inputs import case_id_argument, email_argument
from ...cases.mutations.base import CaseWorkMutation
from ...core.context import RequestContext
from ...core.permissions import Audience

__all__ = ["ReturnRequestCancel", "ReturnRequestMarkReceived"]


class ReturnRequestCancel(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        email = email_argument()
        reason = graphene.String(description="Why the request is withdrawn.")

    class Meta:
        audience = Audience.OWNER
        description = "Withdraw a return or exchange request (before the items are received)."

    @classmethod
    def work(cls, context: RequestContext, case: Case, actor: Actor, reason: str = "") -> Case:
        return case_work.cancel_request(case, actor=actor, reason=reason or "")


class ReturnRequestMarkReceived(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        message = graphene.String(description="Note on the delivery.")

    class Meta:
        audience = Audience.MANAGER
        description = "Record that the returned items (or the item to repair) arrived."

    @classmethod
    def work(cls, context: RequestContext, case: Case, actor: Actor, message: str = "") -> Case:
        return case_work.mark_received(case, actor=actor, message=message or "")
