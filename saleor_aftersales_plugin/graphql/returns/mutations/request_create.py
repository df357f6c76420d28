from ....domain.facts import CaseKind, Resolution
from ....models import Case
from ....rules.reasons import canonical_reason
from ....services import returns
from ....services.idempotency import OPERATION_RETURN
from ...cases.inputs import line_requests
from ...cases.mutations.base import CaseOpening, CaseRequestMutation
from ..inputs import ReturnRequestCreateInput

__all__ = ["ReturnRequestCreate"]


def open_return(opening: CaseOpening) -> tuple[Case, bool]:
    """A return, or an exchange when the customer wants one."""
    request = opening.request
    resolution = request.get("desired_resolution") or ""
    reason = request.get("reason") or ""
    return returns.request_return(
        opening.order,
        line_requests(opening.order, request["lines"], reason, resolution),
        kind=CaseKind.EXCHANGE if resolution == Resolution.EXCHANGE else CaseKind.RETURN,
        reason=canonical_reason(reason),
        **opening.with_photos(),
    )


class ReturnRequestCreate(CaseRequestMutation, operation=OPERATION_RETURN, opens=open_return):
    """Request a return (or an exchange) of order lines."""

    class Arguments:
        input = ReturnRequestCreateInput(required=True, description="The request.")
