from collections.abc import Mapping
from typing import Any

from ....domain.actors import Actor
from ....models import Case, OrderRecord
from ....services import repairs
from ....services.idempotency import OPERATION_REPAIR
from ...cases.inputs import line_requests
from ...cases.mutations.base import CaseRequestMutation, photo_urls
from ...core.context import RequestContext
from ...core.permissions import Audience
from ..inputs import RepairRequestCreateInput

__all__ = ["RepairRequestCreate"]


class RepairRequestCreate(CaseRequestMutation):
    operation = OPERATION_REPAIR

    class Arguments:
        input = RepairRequestCreateInput(required=True, description="The claim.")

    class Meta:
        audience = Audience.OWNER
        description = "Open a repair or warranty claim for one order line."

    @classmethod
    def create(
        cls,
        context: RequestContext,
        request: Mapping[str, Any],
        order: OrderRecord,
        actor: Actor,
        key: str | None,
    ) -> tuple[Case, bool]:
        (line,) = line_requests(order, [request["line"]], request.get("reason") or "")
        photos = photo_urls(request.get("photo_urls"))
        return repairs.request_repair(
            order.order_id,
            line,
            actor=actor,
            comment=request.get("comment") or "",
            photo_urls=photos,
            idempotency_key=key,
        )
