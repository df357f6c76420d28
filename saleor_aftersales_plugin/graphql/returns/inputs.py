import graphene

from ..cases.enums import AfterSalesResolution, ItemConditionEnum
from ..cases.inputs import CaseLineInput, CaseRequestInput, idempotency_key_argument
from ..core.types import NonNullList

__all__ = ["LineConditionInput", "ReturnRequestCreateInput", "reason_argument"]


def reason_argument() -> graphene.String:
    return graphene.String(
        description="Reason code of the policy catalogue (afterSalesReturnReasons), e.g. `no_reason` or "
        "`defective`; applies to lines without their own reason. `changed_mind` is read as `no_reason`."
    )


class ReturnRequestCreateInput(CaseRequestInput):
    """A return or exchange request."""

    lines = NonNullList(CaseLineInput, required=True, description="Lines and units to return.")
    reason = reason_argument()
    comment = graphene.String(description="Customer's comment.")
    photo_urls = NonNullList(graphene.String, description="Photos of the items.")
    desired_resolution = AfterSalesResolution(
        description="What the customer wants; EXCHANGE opens an exchange."
    )
    idempotency_key = idempotency_key_argument()


class LineConditionInput(graphene.InputObjectType):
    """The condition of one inspected line."""

    line_id = graphene.ID(required=True, description="Saleor order line id.")
    condition = ItemConditionEnum(required=True, description="Condition found.")
