import graphene

from ....domain.actors import Actor
from ....models import Case
from ....services import repairs
from ...cases.enums import AfterSalesCaseStatus
from ...cases.inputs import case_id_argument
from ...cases.mutations.base import CaseWorkMutation
from ...core.context import RequestContext
from ...core.permissions import Audience

__all__ = ["RepairStatusUpdate"]


class RepairStatusUpdate(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        status = AfterSalesCaseStatus(
            required=True, description="RECEIVED, DIAGNOSING, REPAIRING, SHIPPED_BACK or CLOSED."
        )
        message = graphene.String(description="Message to the customer.")

    class Meta:
        audience = Audience.MANAGER
        description = "Move a repair along."

    @classmethod
    def work(cls, context: RequestContext, case: Case, actor: Actor, status: str, message: str = "") -> Case:
        return repairs.update_repair_status(case.pk, status, actor=actor, message=message or "")
