"""Quotes for repairs: the shop quotes a repair outside the warranty, the customer accepts or declines it."""

from decimal import Decimal

import graphene

from ....domain.actors import Actor
from ....models import Case
from ....services import case_work, repairs
from ...cases.inputs import case_id_argument, email_argument
from ...cases.mutations.base import CaseWorkMutation
from ...core.bounds import amount_in
from ...core.context import RequestContext
from ...core.permissions import Audience
from ...core.scalars import Decimal as DecimalScalar

__all__ = ["RepairQuoteAccept", "RepairQuoteCreate", "RepairQuoteDecline"]


class RepairQuoteCreate(CaseWorkMutation):
    class Arguments:
        id = case_id_argument()
        amount = DecimalScalar(required=True, description="Price of the repair.")
        message = graphene.String(description="Message to the customer.")
        override_reason = graphene.String(description="Why a repair inside the warranty is charged.")

    class Meta:
        audience = Audience.MANAGER
        description = "Quote an out-of-warranty repair."

    @classmethod
    def work(
        cls,
        context: RequestContext,
        case: Case,
        actor: Actor,
        amount: Decimal,
        message: str = "",
        override_reason: str = "",
    ) -> Case:
        return repairs.create_quote(
            case.pk,
            amount_in(amount, case.currency, "amount"),
            actor=actor,
            message=message or "",
            override_reason=override_reason or "",
        )


class QuoteAnswer(CaseWorkMutation):
    """The customer's answer to a quote: ``accept`` says which."""

    accept: bool

    class Arguments:
        id = case_id_argument()
        email = email_argument()
        message = graphene.String(description="Message to the shop.")

    class Meta:
        abstract = True

    @classmethod
    def work(cls, context: RequestContext, case: Case, actor: Actor, message: str = "") -> Case:
        return case_work.answer_quote(case, accept=cls.accept, actor=actor, message=message or "")


class RepairQuoteAccept(QuoteAnswer):
    accept = True

    class Meta:
        audience = Audience.OWNER
        description = "Accept a repair quote."


class RepairQuoteDecline(QuoteAnswer):
    accept = False

    class Meta:
        audience = Audience.OWNER
        description = "Decline a repair quote; the item is sent back unrepaired."
