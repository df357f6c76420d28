from decimal import Decimal

import graphene

from ....models import Case
from ....services import case_work
from ...core.bounds import amount_in
from ...core.permissions import Audience
from ...core.scalars import Decimal as DecimalScalar
from ..enums import AfterSalesResolution
from .base import CaseAtHand, CaseWorkMutation

__all__ = ["CaseResolve"]


class CaseResolve(CaseWorkMutation, audience=Audience.MANAGER):
    """Resolve a case: money actions go through the shop platform."""

    class Arguments:
        resolution = AfterSalesResolution(description="Refund, store credit, exchange or keep the item.")
        amount = DecimalScalar(description="Refund amount overriding the policy's figure (needs a reason).")
        reason = graphene.String(
            description="Why the amount was changed; for complaints, how it was resolved."
        )

    @classmethod
    def work(
        cls,
        at_hand: CaseAtHand,
        resolution: str | None = None,
        amount: Decimal | None = None,
        reason: str = "",
    ) -> Case:
        case = at_hand.case
        return case_work.resolve(
            case,
            actor=at_hand.actor,
            host=at_hand.context.host,
            resolution=resolution,
            amount=amount_in(amount, case.currency, "amount"),
            reason=reason or "",
        )
