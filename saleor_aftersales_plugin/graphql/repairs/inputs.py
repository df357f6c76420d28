import graphene

from ..cases.inputs import CaseLineInput, CaseRequestInput, idempotency_key_argument
from ..core.types import NonNullList

__all__ = ["RepairRequestCreateInput"]


class RepairRequestCreateInput(CaseRequestInput):
    """A repair or warranty claim."""

    line = CaseLineInput(required=True, description="The item to repair.")
    reason = graphene.String(description="What is wrong, e.g. `defective`.")
    comment = graphene.String(description="Description of the fault.")
    photo_urls = NonNullList(graphene.String, description="Photos of the fault.")
    idempotency_key = idempotency_key_argument()
