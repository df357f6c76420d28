"""Types of the policy: the published version, the terms for a product, the reason catalogue, problems of a document,
and the editor's drafts, versions and simulation reports."""

from datetime import date
from typing import Any

import graphene

from ...i18n import negotiate_language
from ...models import PolicyVersion
from ...publishing import policy_diff, render_policy_text
from ...services import ServiceError
from ...services.eligibility import load_policy
from ..cases.enums import resolutions_offered
from ..core.scalars import JSON, Decimal
from ..core.types import Money, NonNullList

__all__ = [
    "AfterSalesPolicy",
    "AfterSalesPolicyVersion",
    "PolicyDraft",
    "PolicyForProduct",
    "PolicySimulationReport",
    "PolicyValidationError",
    "Reason",
    "ReturnReason",
]


class Reason(graphene.ObjectType):
    """Why a line is (or is not) eligible."""

    code = graphene.String(required=True, description="Stable reason code (from the policy or the engine).")
    text = graphene.String(required=True, description="The reason in the requested language, for customers.")


class ReturnWindow(graphene.ObjectType):
    """The period during which an item can be returned."""

    days = graphene.Int(required=True, description="Length of the window.")
    anchor = graphene.String(
        required=True, description="When the window starts: delivery, fulfillment or order."
    )
    day_kind = graphene.String(required=True, description="calendar or business days.")


class ReturnReason(graphene.ObjectType):
    """A return reason of the channel's policy catalogue, in the order storefronts show them."""

    code = graphene.String(required=True, description="What to send as a line's `reason`, e.g. `defective`.")
    label = graphene.String(required=True, description="What the customer reads, in the requested language.")
    parent = graphene.String(
        description="Code of the reason this one refines (nested reasons); null at the top."
    )
    counts_as_defect = graphene.Boolean(required=True, description="Counted as a product defect in the KPIs.")
    photos_required = graphene.Boolean(
        required=True, description="Ask the customer for photos when they give this reason."
    )
    no_reason = graphene.Boolean(
        required=True, description="The no-questions-asked return (`no_reason`, the only such code)."
    )


class FeeTerm(graphene.ObjectType):
    """A fee the policy would charge."""

    code = graphene.String(required=True, description="Fee code.")
    kind = graphene.String(required=True, description="percent or fixed.")
    amount = Decimal(required=True, description="Percentage, or the fixed amount in `currency`.")
    scope = graphene.String(required=True, description="line or case.")
    cap = Decimal(description="Upper limit of this fee in `currency`, if any.")
    currency = graphene.String(
        required=True, description="ISO 4217 currency of a fixed amount and of the cap."
    )
    estimate = graphene.Field(
        Money, description="What the fee would be for the given price; null without a price."
    )


class PolicyForProduct(graphene.ObjectType):
    """The terms for one product, e.g. for product and checkout pages."""

    eligible = graphene.Boolean(required=True, description="Whether the product can be returned at all.")
    reasons = NonNullList(Reason, required=True, description="Why (not).")
    window = graphene.Field(ReturnWindow, description="The return window.")
    resolutions = resolutions_offered()
    fees = NonNullList(FeeTerm, required=True, description="Fees that would apply.")
    review_required = graphene.Boolean(required=True, description="Whether returns are reviewed by staff.")
    photos_required = graphene.Int(required=True, description="Photos a return needs.")
    warranty_months = graphene.Int(required=True, description="Warranty length in months.")
    store_credit_bonus = Decimal(required=True, description="Extra percent for choosing store credit.")
    policy_version = graphene.Int(required=True, description="Policy version used.")
    summary = graphene.String(
        description="A short text for product pages; null when no renderer is installed."
    )


class AfterSalesPolicy(graphene.ObjectType):
    """The published after-sales policy of the channel."""

    channel = graphene.String(required=True, description="Channel slug.")
    version = graphene.Int(required=True, description="Published version number.")
    effective_from = graphene.DateTime(required=True, description="When this version took effect.")
    effective_date = graphene.Date(
        required=True,
        description="The day this version took effect on the shop's calendar (its time zone), as the published "
        "text and the policy page state it.",
    )
    name = graphene.String(description="Name of the policy.")
    languages = NonNullList(graphene.String, required=True, description="Policy languages.")
    document = JSON(required=True, description="The structured policy document.")
    text = graphene.String(
        language=graphene.String(description="Language, e.g. `en`; defaults to the policy's first language."),
        description="The policy as readable plain text, in the requested language.",
    )

    @staticmethod
    def resolve_effective_date(version: PolicyVersion, info: Any) -> date:
        return load_policy(version).calendar.local_date(version.effective_from)

    @staticmethod
    def resolve_name(version: PolicyVersion, info: Any) -> str:
        return load_policy(version).name

    @staticmethod
    def resolve_languages(version: PolicyVersion, info: Any) -> list[str]:
        return list(load_policy(version).defaults.languages)

    @staticmethod
    def resolve_text(version: PolicyVersion, info: Any, language: str | None = None) -> str:
        """The policy as plain text in ``language`` (the policy's first language when it has no such language)."""
        policy = load_policy(version)
        try:
            return render_policy_text(
                policy,
                negotiate_language([language], policy.defaults.languages),
                version=version.version,
                effective_from=version.effective_from,
            )
        except ValueError as error:  # e.g. a language the renderer does not support
            raise ServiceError(str(error), field="language") from None


class PolicyValidationError(graphene.ObjectType):
    """A problem in a policy document."""

    path = graphene.String(required=True, description="JSON path of the problem, e.g. `$.rules[0].actions`.")
    code = graphene.String(required=True, description="Stable code of the problem (see docs/policy.md).")
    message = graphene.String(required=True, description="What is wrong and how to fix it.")


class PolicyText(graphene.ObjectType):
    """The published policy text in one language."""

    language = graphene.String(required=True, description="Language code.")
    text = graphene.String(required=True, description="The customer-facing policy in that language.")


class PolicyDraft(graphene.ObjectType):
    """A draft policy checked and rendered exactly as publishing would; nothing is published."""

    valid = graphene.Boolean(required=True, description="Whether the draft can be published as it is.")
    policy_errors = NonNullList(
        PolicyValidationError,
        required=True,
        description="Every problem, with its JSON path.",
    )
    policy_warnings = NonNullList(
        PolicyValidationError,
        required=True,
        description="What a valid draft should still change, as `policyValidate` reports it (e.g. "
        "`no_threshold_in_currency`); empty for an invalid draft.",
    )
    document = JSON(description="The document as it would be published (completed and normalised).")
    texts = NonNullList(
        PolicyText,
        required=True,
        description="The policy customers would read, in every language of the draft.",
    )
    changes = NonNullList(
        graphene.String,
        required=True,
        description="What changes for customers compared with the current version, one sentence each.",
    )


class AfterSalesPolicyVersion(graphene.ObjectType):
    """One published version of the channel's policy."""

    version = graphene.Int(required=True, description="Version number.")
    name = graphene.String(description="Name of the policy.")
    effective_from = graphene.DateTime(required=True, description="When it took effect.")
    created_at = graphene.DateTime(required=True, description="When it was published.")
    created_by = graphene.String(required=True, description="Who published it.")
    current = graphene.Boolean(required=True, description="Whether it is the version in force.")
    source = graphene.String(required=True, description="The text as it was written.")
    source_format = graphene.String(required=True, description="`yaml` or `json`.")
    document = JSON(required=True, description="The published document.")
    changes = NonNullList(
        graphene.String,
        required=True,
        language=graphene.String(description="Language of the sentences; the policy's first by default."),
        description="What changed from the previous version, one sentence each.",
    )

    @staticmethod
    def resolve_name(root: dict[str, Any], info: Any) -> str | None:
        return root["row"].document.get("name")

    @staticmethod
    def resolve_changes(root: dict[str, Any], info: Any, language: str | None = None) -> list[str]:
        previous = root["previous"]
        policy = load_policy(root["row"])
        if previous is None:
            return []
        return policy_diff(load_policy(previous), policy, language or policy.defaults.languages[0])


class PolicySimulationReport(graphene.ObjectType):
    """What a draft policy would change, decided on recorded data; nothing is published."""

    channel = graphene.String(required=True, description="The channel simulated.")
    start = graphene.DateTime(required=True, description="Start of the period (inclusive).")
    end = graphene.DateTime(required=True, description="End of the period (exclusive).")
    current_version = graphene.Int(
        required=True, description="The published version the draft is compared with."
    )
    draft_name = graphene.String(required=True, description="The draft's name.")
    newly_eligible = graphene.Int(required=True, description="Lines the draft would let customers return.")
    newly_ineligible = graphene.Int(required=True, description="Lines the draft would no longer accept.")
    window_longer = graphene.Int(required=True, description="Lines whose return window would end later.")
    window_shorter = graphene.Int(required=True, description="Lines whose return window would end earlier.")
    fees_changed = graphene.Int(required=True, description="Eligible lines whose fees would change.")
    refund_changed = graphene.Int(required=True, description="Eligible lines whose refund would change.")
    resolutions_changed = graphene.Int(
        required=True, description="Eligible lines whose allowed resolutions would change."
    )
    evaluated = JSON(required=True, description="Cases, case lines, orders and order lines evaluated.")
    counts = JSON(
        required=True, description="Each kind of change, for recorded requests and for order lines."
    )
    totals = JSON(
        required=True, description="Per currency: refunds and fees of the period's requests, both ways."
    )
    changes = JSON(required=True, description="Every changed line with both outcomes.")
    text = graphene.String(required=True, description="The report as plain text.")
