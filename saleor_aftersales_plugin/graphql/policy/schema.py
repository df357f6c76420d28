from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import graphene

from ...models import PolicyVersion
from ...services.policies import current_policy
from ..cases.enums import ItemConditionEnum
from ..core.fields import AudienceField
from ..core.permissions import Audience
from ..core.scalars import JSON
from ..core.scalars import Decimal as DecimalScalar
from ..core.types import NonNullList
from .inputs import AttributeInput
from .resolvers import (
    MAX_VERSIONS,
    product_facts,
    resolve_policy_builder,
    resolve_policy_draft,
    resolve_policy_for_product,
    resolve_policy_versions,
    resolve_return_reasons,
)
from .types import AfterSalesPolicy, AfterSalesPolicyVersion, PolicyDraft, PolicyForProduct, ReturnReason

__all__ = ["PolicyQueries"]


class PolicyQueries(graphene.ObjectType):
    after_sales_policy_builder = AudienceField(
        JSON,
        required=True,
        audience=Audience.PUBLIC,
        description=(
            "The policy language for a visual builder: variables with field types and value options, operators "
            "per field type, actions with parameter specs (business-rules' export_rule_data plus the registries)."
        ),
    )
    after_sales_policy_draft = AudienceField(
        PolicyDraft,
        required=True,
        policy=graphene.String(required=True, description="The draft as YAML or JSON text."),
        audience=Audience.MANAGER,
        description="Check and render a draft exactly as publishing would. Staff and apps with MANAGE_ORDERS.",
    )
    after_sales_policy_versions = AudienceField(
        NonNullList(AfterSalesPolicyVersion),
        required=True,
        audience=Audience.MANAGER,
        description=f"The channel's published versions, newest first (at most {MAX_VERSIONS}).",
    )
    after_sales_policy = AudienceField(
        AfterSalesPolicy,
        audience=Audience.PUBLIC,
        description="The channel's published after-sales policy (null when none is published).",
    )
    after_sales_return_reasons = AudienceField(
        NonNullList(ReturnReason),
        required=True,
        language=graphene.String(
            description="Language of the labels; defaults to the policy's first language (a label missing in a "
            "language falls back to English)."
        ),
        audience=Audience.PUBLIC,
        description="The return reasons customers choose from, per line: the published policy's catalogue, or the "
        "default catalogue while none is published.",
    )
    after_sales_policy_for_product = AudienceField(
        graphene.NonNull(PolicyForProduct),
        product_type=graphene.String(description="Product type slug."),
        category_path=NonNullList(
            graphene.String, description="Category slugs from the root to the product's category."
        ),
        collections=NonNullList(graphene.String, description="Collection slugs."),
        sku=graphene.String(description="SKU of the variant."),
        attributes=NonNullList(AttributeInput, description="Attributes and their values."),
        is_gift_card=graphene.Boolean(description="Whether the product is a gift card."),
        price=DecimalScalar(description="Unit price, to estimate fees in money."),
        currency=graphene.String(
            description="ISO 4217 currency of `price` and of the fees quoted; the channel's currency (the policy's "
            "defaults.currency) by default. Fixed fees are quoted from the policy's amount in this currency, never "
            "converted: without one the product is not returnable automatically (reason `no_amount_in_currency`)."
        ),
        reason=graphene.String(description="Return reason to assume, e.g. `defective`."),
        condition=ItemConditionEnum(description="Item condition to assume, e.g. OPENED."),
        language=graphene.String(
            description="Language of the texts; defaults to the policy's first language."
        ),
        audience=Audience.PUBLIC,
        description="The terms that apply to one product or variant: window, resolutions and fees.",
    )

    @staticmethod
    def resolve_after_sales_policy_builder(root: Any, info: Any) -> dict[str, Any]:
        return resolve_policy_builder()

    @staticmethod
    def resolve_after_sales_policy_draft(root: Any, info: Any, policy: str) -> dict[str, Any]:
        return resolve_policy_draft(info.context, policy)

    @staticmethod
    def resolve_after_sales_policy_versions(root: Any, info: Any) -> list[dict[str, Any]]:
        return resolve_policy_versions(info.context)

    @staticmethod
    def resolve_after_sales_policy(root: Any, info: Any) -> PolicyVersion | None:
        return current_policy(info.context.channel)

    @staticmethod
    def resolve_after_sales_return_reasons(
        root: Any, info: Any, language: str | None = None
    ) -> list[dict[str, Any]]:
        return resolve_return_reasons(info.context, language)

    @staticmethod
    def resolve_after_sales_policy_for_product(
        root: Any,
        info: Any,
        product_type: str = "",
        category_path: Sequence[str] = (),
        collections: Sequence[str] = (),
        sku: str = "",
        attributes: Sequence[Mapping[str, Any]] = (),
        is_gift_card: bool = False,
        price: Decimal | None = None,
        currency: str | None = None,
        reason: str = "",
        condition: str | None = None,
        language: str | None = None,
    ) -> dict[str, Any]:
        product = product_facts(product_type, category_path, collections, sku, attributes, is_gift_card)
        return resolve_policy_for_product(
            info.context, product, price, currency, reason or "", condition or "", language
        )
