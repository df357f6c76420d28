from collections.abc import Mapping, Sequence
from typing import Any

import graphene

from ..cases.enums import AfterSalesCaseKind, AfterSalesResolution
from ..cases.inputs import LineQuantityInput, email_argument
from ..core.fields import AudienceField
from ..core.permissions import Audience
from ..core.types import NonNullList
from .inputs import reason_argument
from .resolvers import resolve_return_eligibility
from .types import ReturnEligibility

__all__ = ["ReturnQueries"]


class ReturnQueries(graphene.ObjectType):
    return_eligibility = AudienceField(
        graphene.NonNull(ReturnEligibility),
        order=graphene.ID(required=True, description="Saleor order id."),
        email=email_argument(),
        lines=NonNullList(
            LineQuantityInput, description="Lines and units; all returnable units when omitted."
        ),
        reason=reason_argument(),
        resolution=AfterSalesResolution(description="Desired resolution."),
        kind=AfterSalesCaseKind(description="Kind of request; RETURN by default."),
        language=graphene.String(description="Language of the reason texts."),
        audience=Audience.OWNER,
        description="Whether lines of an order can be returned, and what the customer would receive.",
    )

    @staticmethod
    def resolve_return_eligibility(
        root: Any,
        info: Any,
        order: str,
        email: str | None = None,
        lines: Sequence[Mapping[str, Any]] | None = None,
        reason: str = "",
        resolution: str = "",
        kind: str | None = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        return resolve_return_eligibility(
            info.context, order, email, lines, reason or "", resolution or "", kind, language
        )
