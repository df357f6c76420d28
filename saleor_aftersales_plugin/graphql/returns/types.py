"""What the policy says about a possible request on an order, line by line."""

import graphene

from ..cases.enums import AfterSalesCaseKind, resolutions_offered
from ..core.scalars import JSON
from ..core.types import Money, NonNullList
from ..policy.types import Reason

__all__ = ["ReturnEligibility"]


class Fee(graphene.ObjectType):
    """A fee deducted from a refund."""

    code = graphene.String(required=True, description="Fee code, e.g. `restocking` or `return_shipping`.")
    amount = graphene.Field(Money, required=True, description="The fee charged.")
    line_id = graphene.ID(description="Order line the fee is charged on; null for a case-wide fee.")


class ShopLocalTime(graphene.ObjectType):
    """A moment as the shop's wall clock shows it, with the zone it is read in."""

    date = graphene.Date(required=True, description="The day on the shop's calendar, e.g. `2026-11-17`.")
    time = graphene.String(required=True, description="The time on the shop's clock, `HH:MM`, e.g. `23:59`.")
    time_zone = graphene.String(
        required=True, description="The shop's IANA time zone, e.g. `America/New_York`."
    )


class LineEligibility(graphene.ObjectType):
    """The answer for one order line."""

    line_id = graphene.ID(required=True, description="Saleor order line id (`OrderLine` global id).")
    product_name = graphene.String(description="Name of the product, as the order recorded it.")
    sku = graphene.String(description="SKU of the item, as the order recorded it.")
    quantity = graphene.Int(required=True, description="Units asked about.")
    eligible = graphene.Boolean(required=True, description="Whether these units can go back.")
    reasons = NonNullList(Reason, required=True, description="Why not (or the policy's reason to allow).")
    window_ends_at = graphene.DateTime(
        description="When the return window of this line ends: the first instant a request is no longer accepted."
    )
    window_ends_at_local = graphene.Field(
        ShopLocalTime,
        description="The last minute a request is accepted, on the shop's clock (e.g. 2026-11-17 23:59 "
        "America/New_York); null without a window.",
    )
    window_ends_text = graphene.String(
        description="The same in words in the requested language, e.g. 'until November 17, 2026, 23:59 New York "
        "time'; null without a window."
    )
    fees = NonNullList(Fee, required=True, description="Fees charged on this line.")
    refund_estimate = graphene.Field(Money, description="Refund for this line after fees.")
    allowed_resolutions = resolutions_offered("for this line")
    photos_required = graphene.Int(required=True, description="Photos the customer must attach.")
    review_required = graphene.Boolean(required=True, description="Whether staff review the request.")
    warranty_ends_at = graphene.DateTime(description="End of the warranty (repair requests).")
    in_warranty = graphene.Boolean(description="Whether the item is inside its warranty (repair requests).")


class ReturnEligibility(graphene.ObjectType):
    """What the policy says about a possible request, line by line."""

    order_id = graphene.ID(required=True, description="Saleor order id.")
    kind = AfterSalesCaseKind(required=True, description="The kind of request decided.")
    eligible = graphene.Boolean(required=True, description="Whether at least one line is eligible.")
    lines = NonNullList(LineEligibility, required=True, description="Per line answers.")
    refund_estimate = graphene.Field(
        Money, required=True, description="Refund for the eligible lines after fees."
    )
    fees_total = graphene.Field(Money, required=True, description="All fees together.")
    store_credit_estimate = graphene.Field(
        Money, required=True, description="Store credit instead of a refund (bonus included)."
    )
    allowed_resolutions = resolutions_offered("for all lines")
    review_required = graphene.Boolean(required=True, description="Whether staff will review the request.")
    photos_required = graphene.Int(required=True, description="Photos the request needs.")
    policy_version = graphene.Int(description="Version of the policy the order is judged by.")
    trace = JSON(description="Full rule trace per line: staff and apps only, null for customers.")
