from ....models import Case
from ....services import repairs
from ....services.idempotency import OPERATION_REPAIR
from ...cases.inputs import line_requests
from ...cases.mutations.base import CaseOpening, CaseRequestMutation
from ..inputs import RepairRequestCreateInput

__all__ = ["RepairRequestCreate"]


def open_repair(opening: CaseOpening) -> tuple[Case, bool]:
    request = opening.request
    (line,) = line_requests(opening.order, [request["line"]], request.get("reason") or "")
    return repairs.request_repair(
        opening.order.order_id,
        line,
        **opening.with_photos(),
    )


class RepairRequestCreate(CaseRequestMutation, operation=OPERATION_REPAIR, opens=open_repair):
    """Open a repair or warranty claim for one order line."""

    class Arguments:
        input = RepairRequestCreateInput(required=True, description="The claim.")
