"""Quotes for repairs: the shop quotes a repair outside the warranty, the customer accepts or declines it."""

from decimal import Decimal
from functools import partial

import graphene

from ....models import Case
from ....services import case_work, repairs
from ...cases.mutations.base import CaseAtHand, CaseStep, CaseWorkMutation
from ...core.bounds import amount_in
from ...core.permissions import Audience
from ...core.scalars import Decimal as DecimalScalar

__all__ = ["RepairQuoteAccept", "RepairQuoteCreate", "RepairQuoteDecline"]


class RepairQuoteCreate(CaseWorkMutation, audience=Audience.MANAGER):
    """Quote an out-of-warranty repair."""

    class Arguments:
        amount = DecimalScalar(required=True, description="Price of the repair.")
        message = graphene.String(description="Message to the customer.")
        override_reason = graphene.String(description="Why a repair inside the warranty is charged.")

    @classmethod
    def work(cls, at_hand: CaseAtHand, amount: Decimal, message: str = "", override_reason: str = "") -> Case:
        return repairs.create_quote(
            at_hand.case.pk,
            amount_in(amount, at_hand.case.currency, "amount"),
            actor=at_hand.actor,
            message=message or "",
            override_reason=override_reason or "",
        )


class RepairQuoteAccept(
    CaseStep, by=partial(case_work.answer_quote, accept=True), message="Message to the shop."
):
    """Accept a repair quote."""

    class Meta:
        audience = Audience.OWNER


class RepairQuoteDecline(
    CaseStep, by=partial(case_work.answer_quote, accept=False), message="Message to the shop."
):
    """Decline a repair quote; the item is sent back unrepaired."""

    class Meta:
        audience = Audience.OWNER
