from typing import Any

import graphene

from ..core.connection import MAX_PAGE
from ..core.fields import AudienceField, ConnectionField
from ..core.permissions import Audience
from ..core.types import NonNullList
from .inputs import AfterSalesCaseFilterInput, AfterSalesCaseSortingInput, case_id_argument, email_argument
from .resolvers import resolve_case, resolve_cases, resolve_my_cases, resolve_outbox
from .types import AfterSalesCase, AfterSalesCaseCountableConnection, AfterSalesMessage

__all__ = ["CaseQueries"]


class CaseQueries(graphene.ObjectType):
    after_sales_case = AudienceField(
        AfterSalesCase,
        id=case_id_argument(),
        email=email_argument(),
        audience=Audience.OWNER,
        description="One case: staff and apps see any case of the channel, customers their own.",
    )
    after_sales_cases = ConnectionField(
        graphene.NonNull(AfterSalesCaseCountableConnection),
        filter=AfterSalesCaseFilterInput(description="Filters."),
        sort_by=AfterSalesCaseSortingInput(description="Sorting; newest first by default."),
        audience=Audience.MANAGER,
        description="The channel's cases: staff and apps with MANAGE_ORDERS.",
    )
    my_after_sales_cases = ConnectionField(
        graphene.NonNull(AfterSalesCaseCountableConnection),
        audience=Audience.SIGNED_IN,
        description="The signed-in customer's cases, newest first.",
    )
    after_sales_outbox = AudienceField(
        graphene.NonNull(NonNullList(AfterSalesMessage)),
        include_waiting=graphene.Boolean(
            description="Also messages not tried yet; by default only failing ones (failed, or last attempt failed)."
        ),
        first=graphene.Int(description=f"How many, newest first; at most {MAX_PAGE}."),
        audience=Audience.MANAGER,
        description=(
            "Messages the channel could not deliver, each with its last error (e.g. no mail backend configured): "
            "staff and apps with MANAGE_ORDERS."
        ),
    )

    @staticmethod
    def resolve_after_sales_case(root: Any, info: Any, id: str, email: str | None = None) -> Any:
        return resolve_case(info.context, id, email)

    @staticmethod
    def resolve_after_sales_cases(
        root: Any,
        info: Any,
        filter: dict[str, Any] | None = None,
        sort_by: dict[str, Any] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Any:
        return resolve_cases(info.context, filter, sort_by, first, after)

    @staticmethod
    def resolve_my_after_sales_cases(
        root: Any, info: Any, first: int | None = None, after: str | None = None
    ) -> Any:
        return resolve_my_cases(info.context, first, after)

    @staticmethod
    def resolve_after_sales_outbox(
        root: Any, info: Any, include_waiting: bool = False, first: int | None = None
    ) -> Any:
        return resolve_outbox(info.context, bool(include_waiting), first)
