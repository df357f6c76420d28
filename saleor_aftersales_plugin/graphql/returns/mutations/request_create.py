from collections.abc import Mapping
from typing import Any

from ....domain.actors import Actor
from ....domain.facts import CaseKind, Resolution
from ....models import Case, OrderRecord
from ....rules.reasons import canonical_reason
from ....services import returns
from ....services.idempotency import OPERATION_RETURN
from ...cases.inputs import line_requests
from ...cases.mutations.base import CaseRequestMutation, photo_urls
from ...core.context import RequestContext
from ...core.permissions import Audience
from ..inputs import ReturnRequestCreateInput

__all__ = ["ReturnRequestCreate"]


class ReturnRequestCreate(CaseRequestMutation):
    operation = OPERATION_RETURN

    class Arguments:
        input = ReturnRequestCreateInput(required=True, description="The request.")

    class Meta:
        audience = Audience.OWNER
        description = "Request a return (or an exchange) of order lines."

    @classmethod
    def create(
        cls,
        context: RequestContext,
        request: Mapping[str, Any],
        order: OrderRecord,
        actor: Actor,
        key: str | None,
    ) -> tuple[Case, bool]:
        resolution = request.get("desired_resolution") or ""
        reason = request.get("reason") or ""
        requests = line_requests(order, request["lines"], reason, resolution)
        photos = photo_urls(request.get("photo_urls"))
        return returns.request_return(
            order.order_id,
            requests,
            actor=actor,
            kind=CaseKind.EXCHANGE if resolution == Resolution.EXCHANGE else CaseKind.RETURN,
            reason=canonical_reason(reason),
            comment=request.get("comment") or "",
            photo_urls=photos,
            idempotency_key=key,
            host=context.host,
        )
