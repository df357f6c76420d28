import graphene

from ..cases.inputs import CaseRequestInput, idempotency_key_argument
from .enums import ComplaintCategory

__all__ = ["ComplaintCreateInput"]


class ComplaintCreateInput(CaseRequestInput):
    """A complaint about an order."""

    category = ComplaintCategory(required=True, description="What the complaint is about.")
    comment = graphene.String(required=True, description="The problem.")
    idempotency_key = idempotency_key_argument()
