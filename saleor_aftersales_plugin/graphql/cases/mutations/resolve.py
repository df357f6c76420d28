from decimal import Decimal

import graphene

from ....domain.actors import Actor
from ....models import Case
from ....services import case_work
from ...core.bounds import amount_in
from ...core.context import RequestContext
from ...core.permissions import Audience
from ...core.scalars import Decimal as DecimalScalar
from ..enums import AfterSalesResolution
from ..inputs import case_id_argument
from .base import CaseWorkMutation

__all__ = ["CaseResolve"]


class CaseResolve(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        resolution = AfterSalesResolution(description="Refund, store credit, exchange or keep the item.")
        amount = DecimalScalar(description="Refund amount overriding the policy's figure (needs a reason).")
        reason = graphene.String(
            description="Why the amount was changed; for complaints, how it was resolved."
        )

    class Meta:
        audience = Audience.MANAGER
        description = "Resolve a case: money actions go through the shop platform."

    @classmethod
    def work(
        cls,
        context: RequestContext,
        case: Case,
        actor: Actor,
        resolution: str | None = None,
        amount: Decimal | None = None,
        reason: str = "",
    ) -> Case:
        return case_work.resolve(
            case,
            actor=actor,
            host=context.host,
            resolution=resolution,
            amount=amount_in(amount, case.currency, "amount"),
            reason=reason or "",
        )
