from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from babel.numbers import is_currency

from ...domain.facts import ProductFacts
from ...i18n import negotiate_language
from ...models import PolicyVersion
from ...publishing import policy_diff, product_summary, render_policy_text
from ...publishing.language import SUPPORTED
from ...rules.builder import builder_data
from ...rules.document import Policy
from ...rules.fees import FeeKind
from ...rules.reasons import DEFAULT_REASONS
from ...rules.validation import normalise_policy
from ...rules.warnings import policy_warnings
from ...services import ServiceError
from ...services.eligibility import decide_product, load_policy
from ...services.policies import PolicyRejected, current_policy, read_policy_text
from ..core.bounds import amount_in
from ..core.context import RequestContext
from ..core.types import money
from .texts import default_language, reason_entries, reason_label

__all__ = [
    "MAX_VERSIONS",
    "resolve_policy_builder",
    "resolve_policy_draft",
    "resolve_policy_for_product",
    "resolve_policy_versions",
    "resolve_return_reasons",
    "version_view",
]

MAX_VERSIONS = 100


def resolve_return_reasons(context: RequestContext, language: str | None) -> list[dict[str, Any]]:
    version = current_policy(context.channel)
    policy = load_policy(version) if version is not None else None
    catalogue = policy.reasons if policy is not None else DEFAULT_REASONS
    wanted = language or default_language(policy)
    return [
        {
            "code": spec.code,
            "label": reason_label(spec, wanted),
            "parent": spec.parent,
            "counts_as_defect": spec.counts_as_defect,
            "photos_required": spec.photos_required,
            "no_reason": spec.no_reason,
        }
        for spec in catalogue
    ]


def resolve_policy_for_product(
    context: RequestContext,
    product: ProductFacts,
    price: Decimal | None,
    currency: str | None,
    reason: str,
    condition: str,
    language: str | None,
) -> dict[str, Any]:
    version = current_policy(context.channel)
    if version is None:
        raise ServiceError(
            f"No after-sales policy is published for channel {context.channel!r} yet.", code="no_policy"
        )
    if price is not None and price < 0:
        raise ServiceError("price cannot be negative.", field="price")
    policy = load_policy(version)
    currency = policy.defaults.currency if currency is None else currency
    if not is_currency(currency):
        raise ServiceError(
            f"{currency!r} is not an ISO 4217 currency code such as 'EUR', 'USD' or 'JPY' (in capitals).",
            field="currency",
        )
    price = amount_in(price, currency, "price")
    decision = decide_product(policy, version.version, product, price, reason, condition, currency)
    item = decision.lines[0]
    charges = {charge.code: charge.amount for charge in decision.settlement.charges}
    try:
        summary = product_summary(
            policy,
            product,
            negotiate_language([language], policy.defaults.languages),
            unit_price=price,
            currency=currency,
        )
    except ValueError as error:
        raise ServiceError(str(error), field="language") from None
    return {
        "eligible": item.eligible,
        "reasons": reason_entries(policy, item.reasons, language),
        "window": item.window,
        "resolutions": list(item.resolutions),
        "fees": [
            {
                "code": fee.code,
                "kind": fee.kind.value,
                "amount": fee.amount,
                "scope": fee.scope.value,
                "cap": fee.cap,
                "currency": currency,
                "estimate": money(charges.get(fee.code, Decimal(0)), currency)
                if price is not None
                else (money(fee.amount, currency) if fee.kind is FeeKind.FIXED else None),
            }
            for fee in item.fees
        ],
        "review_required": item.review_required,
        "photos_required": item.photos_required,
        "warranty_months": item.warranty_months,
        "store_credit_bonus": item.store_credit_bonus,
        "policy_version": version.version,
        "summary": summary,
    }


def product_facts(
    product_type: str,
    category_path: Sequence[str],
    collections: Sequence[str],
    sku: str,
    attributes: Sequence[Mapping[str, Any]],
    is_gift_card: bool,
) -> ProductFacts:
    return ProductFacts(
        sku=sku or "",
        product_type=product_type or "",
        category_path=tuple(category_path or ()),
        collections=tuple(collections or ()),
        attributes={item["slug"]: tuple(item["values"]) for item in attributes or ()},
        is_gift_card=bool(is_gift_card),
    )


def resolve_policy_builder() -> dict[str, Any]:
    data = builder_data()
    data["languages"] = list(SUPPORTED)
    return data


def _texts(policy: Policy) -> list[dict[str, str]]:
    texts = []
    for language in policy.defaults.languages:
        try:
            text = render_policy_text(
                policy, language, customer_favourable=policy.defaults.customer_favourable
            )
        except ValueError as error:  # a language the renderer does not speak
            text = f"({error})"
        texts.append({"language": language, "text": text})
    return texts


def resolve_policy_draft(context: RequestContext, text: str) -> dict[str, Any]:
    try:
        data, _format = read_policy_text(text, context.policy_publisher().complete)
    except PolicyRejected as rejected:
        return {
            "valid": False,
            "policy_errors": rejected.errors,
            "policy_warnings": [],
            "texts": [],
            "changes": [],
        }
    document = normalise_policy(data)
    draft = Policy.from_dict(document)
    current = current_policy(context.channel)
    changes = [] if current is None else policy_diff(load_policy(current), draft, draft.defaults.languages[0])
    return {
        "valid": True,
        "policy_errors": [],
        "policy_warnings": policy_warnings(draft),
        "document": document,
        "texts": _texts(draft),
        "changes": changes,
    }


def version_view(
    row: PolicyVersion, previous: PolicyVersion | None, current_version: int | None
) -> dict[str, Any]:
    """An ``AfterSalesPolicyVersion`` answer: the version, and the one before it to tell what changed."""
    return {
        "row": row,
        "previous": previous,
        "version": row.version,
        "effective_from": row.effective_from,
        "created_at": row.created_at,
        "created_by": row.created_by or "",
        "current": row.version == current_version,
        "source": row.source,
        "source_format": row.source_format,
        "document": row.document,
    }


def resolve_policy_versions(context: RequestContext) -> list[dict[str, Any]]:
    rows = list(
        PolicyVersion.objects.filter(channel=context.channel).order_by("-version")[: MAX_VERSIONS + 1]
    )
    current = current_policy(context.channel)
    current_version = current.version if current is not None else None
    return [
        version_view(row, rows[index + 1] if index + 1 < len(rows) else None, current_version)
        for index, row in enumerate(rows[:MAX_VERSIONS])
    ]
