import graphene

from ....models import Case
from ....services import repairs
from ...cases.enums import AfterSalesCaseStatus
from ...cases.mutations.base import CaseAtHand, CaseWorkMutation
from ...core.permissions import Audience

__all__ = ["RepairStatusUpdate"]


class RepairStatusUpdate(CaseWorkMutation, audience=Audience.MANAGER):
    """Move a repair along."""

    class Arguments:
        status = AfterSalesCaseStatus(
            required=True, description="RECEIVED, DIAGNOSING, REPAIRING, SHIPPED_BACK or CLOSED."
        )
        message = graphene.String(description="Message to the customer.")

    @classmethod
    def work(cls, at_hand: CaseAtHand, status: str, message: str = "") -> Case:
        return repairs.update_repair_status(
            at_hand.case.pk, status, actor=at_hand.actor, message=message or ""
        )
