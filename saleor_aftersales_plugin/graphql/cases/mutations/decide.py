"""Staff decide a request: approve it or decline it."""

import graphene

from ....models import Case
from ....services import case_work, returns
from ...core.permissions import Audience
from .base import CaseAtHand, CaseStep, CaseWorkMutation

__all__ = ["CaseApprove", "CaseDecline"]


class CaseApprove(
    CaseStep, by=case_work.approve, message="Message to the customer.", audience=Audience.MANAGER
):
    """Approve a requested return, exchange or repair."""


class CaseDecline(CaseWorkMutation, audience=Audience.MANAGER):
    """Decline a requested return, exchange or repair."""

    class Arguments:
        reason = graphene.String(required=True, description="Why; the customer sees it.")

    @classmethod
    def work(cls, at_hand: CaseAtHand, reason: str) -> Case:
        return returns.decline(at_hand.case.pk, actor=at_hand.actor, reason=reason)
