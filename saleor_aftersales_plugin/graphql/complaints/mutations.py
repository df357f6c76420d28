from collections.abc import Mapping
from typing import Any

from ...domain.actors import Actor
from ...models import Case, OrderRecord
from ...services import conversations
from ...services.idempotency import OPERATION_COMPLAINT
from ..cases.mutations.base import CaseRequestMutation
from ..core.context import RequestContext
from ..core.permissions import Audience
from .inputs import ComplaintCreateInput

__all__ = ["ComplaintCreate"]


class ComplaintCreate(CaseRequestMutation):
    operation = OPERATION_COMPLAINT

    class Arguments:
        input = ComplaintCreateInput(required=True, description="The complaint.")

    class Meta:
        audience = Audience.OWNER
        description = "Open a complaint about an order."

    @classmethod
    def create(
        cls,
        context: RequestContext,
        request: Mapping[str, Any],
        order: OrderRecord,
        actor: Actor,
        key: str | None,
    ) -> tuple[Case, bool]:
        return conversations.open_complaint(
            order.order_id,
            category=request["category"],
            comment=request["comment"],
            actor=actor,
            idempotency_key=key,
        )
