from ...models import Case
from ...services import conversations
from ...services.idempotency import OPERATION_COMPLAINT
from ..cases.mutations.base import CaseOpening, CaseRequestMutation
from .inputs import ComplaintCreateInput

__all__ = ["ComplaintCreate"]


def open_complaint(opening: CaseOpening) -> tuple[Case, bool]:
    return conversations.open_complaint(
        opening.order.order_id,
        category=opening.request["category"],
        comment=opening.request["comment"],
        actor=opening.actor,
        idempotency_key=opening.key,
    )


class ComplaintCreate(CaseRequestMutation, operation=OPERATION_COMPLAINT, opens=open_complaint):
    """Open a complaint about an order."""

    class Arguments:
        input = ComplaintCreateInput(required=True, description="The complaint.")
