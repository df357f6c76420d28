"""A return on its way: the customer withdraws it, or the shop receives the items."""

import graphene

from ....models import Case
from ....services import case_work
from ...cases.mutations.base import CaseAtHand, CaseStep, CaseWorkMutation
from ...core.permissions import Audience

__all__ = ["ReturnRequestCancel", "ReturnRequestMarkReceived"]


class ReturnRequestCancel(CaseWorkMutation, audience=Audience.OWNER):
    """Withdraw a return or exchange request (before the items are received)."""

    class Arguments:
        reason = graphene.String(description="Why the request is withdrawn.")

    @classmethod
    def work(cls, at_hand: CaseAtHand, reason: str = "") -> Case:
        return case_work.cancel_request(at_hand.case, actor=at_hand.actor, reason=reason or "")


class ReturnRequestMarkReceived(
    CaseStep, by=case_work.mark_received, message="Note on the delivery.", audience=Audience.MANAGER
):
    """Record that the returned items (or the item to repair) arrived."""
