"""What the Dashboard app's policy editor needs beyond the case API: the builder's registries, a draft checked and
rendered exactly as it would be published, the version history, publishing and rollback.

Publishing goes through the request's :class:`~.api.PolicyHost`: inside Saleor that saves the plugin configuration
(Saleor's own validate and pre-save path, so the configuration page and the app never disagree); in the sandbox it
publishes directly. Publishing needs MANAGE_PLUGINS besides managing the channel's orders.
"""

from typing import Any

import graphene

from ..domain.actors import MANAGE_PLUGINS
from ..publishing import policy_diff, render_policy_text
from ..publishing.language import SUPPORTED
from ..rules.builder import builder_data
from ..rules.document import Policy
from ..rules.validation import normalise_policy
from ..services.eligibility import load_policy
from ..services.policies import (
    DirectPolicyHost,
    PolicyRejected,
    current_policy,
    policy_version,
    read_policy_text,
)
from .access import PermissionDenied, require_manager
from .api import PolicyHost, RequestContext
from .types import JSON, AfterSalesError, PolicyValidationError

__all__ = ["DashboardMutation", "DashboardQuery"]

MAX_VERSIONS = 100


def policy_host(context: RequestContext) -> PolicyHost:
    return context.policy_host or DirectPolicyHost(context.channel)


def _problems(rejected: PolicyRejected) -> list[dict[str, str]]:
    return [{"path": e.path, "code": e.code, "message": e.message} for e in rejected.errors]


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


class PolicyText(graphene.ObjectType):
    language = graphene.String(required=True, description="Language code.")
    text = graphene.String(required=True, description="The customer-facing policy in that language.")

    class Meta:
        description = "The published policy text in one language."


class PolicyDraft(graphene.ObjectType):
    valid = graphene.Boolean(required=True, description="Whether the draft can be published as it is.")
    policy_errors = graphene.List(
        graphene.NonNull(PolicyValidationError),
        required=True,
        description="Every problem, with its JSON path.",
    )
    document = JSON(description="The document as it would be published (completed and normalised).")
    texts = graphene.List(
        graphene.NonNull(PolicyText),
        required=True,
        description="The policy customers would read, in every language of the draft.",
    )
    changes = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="What changes for customers compared with the current version, one sentence each.",
    )

    class Meta:
        description = "A draft policy checked and rendered exactly as publishing would; nothing is published."


class AfterSalesPolicyVersion(graphene.ObjectType):
    version = graphene.Int(required=True, description="Version number.")
    name = graphene.String(description="Name of the policy.")
    effective_from = graphene.DateTime(required=True, description="When it took effect.")
    created_at = graphene.DateTime(required=True, description="When it was published.")
    created_by = graphene.String(required=True, description="Who published it.")
    current = graphene.Boolean(required=True, description="Whether it is the version in force.")
    source = graphene.String(required=True, description="The text as it was written.")
    source_format = graphene.String(required=True, description="`yaml` or `json`.")
    document = JSON(required=True, description="The published document.")
    changes = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        language=graphene.String(description="Language of the sentences; the policy's first by default."),
        description="What changed from the previous version, one sentence each.",
    )

    class Meta:
        description = "One published version of the channel's policy."

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


def _version_view(row: Any, previous: Any, current_version: int | None) -> dict[str, Any]:
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


class DashboardQuery(graphene.ObjectType):
    after_sales_policy_builder = JSON(
        required=True,
        description=(
            "The policy language for a visual builder: variables with field types and value options, operators "
            "per field type, actions with parameter specs (business-rules' export_rule_data plus the registries)."
        ),
    )
    after_sales_policy_draft = graphene.Field(
        PolicyDraft,
        required=True,
        policy=graphene.String(required=True, description="The draft as YAML or JSON text."),
        description="Check and render a draft exactly as publishing would. Staff and apps with MANAGE_ORDERS.",
    )
    after_sales_policy_versions = graphene.List(
        graphene.NonNull(AfterSalesPolicyVersion),
        required=True,
        description=f"The channel's published versions, newest first (at most {MAX_VERSIONS}).",
    )

    @staticmethod
    def resolve_after_sales_policy_builder(root: Any, info: Any) -> dict[str, Any]:
        data = builder_data()
        data["languages"] = list(SUPPORTED)
        return data

    @staticmethod
    def resolve_after_sales_policy_draft(root: Any, info: Any, policy: str) -> dict[str, Any]:
        context: RequestContext = info.context
        require_manager(context)
        host = policy_host(context)
        try:
            data, _format = read_policy_text(policy, host.complete)
        except PolicyRejected as rejected:
            return {"valid": False, "policy_errors": _problems(rejected), "texts": [], "changes": []}
        document = normalise_policy(data)
        draft = Policy.from_dict(document)
        current = current_policy(context.channel)
        changes = (
            [] if current is None else policy_diff(load_policy(current), draft, draft.defaults.languages[0])
        )
        return {
            "valid": True,
            "policy_errors": [],
            "document": document,
            "texts": _texts(draft),
            "changes": changes,
        }

    @staticmethod
    def resolve_after_sales_policy_versions(root: Any, info: Any) -> list[dict[str, Any]]:
        from ..models import PolicyVersion

        context: RequestContext = info.context
        require_manager(context)
        rows = list(
            PolicyVersion.objects.filter(channel=context.channel).order_by("-version")[: MAX_VERSIONS + 1]
        )
        current = current_policy(context.channel)
        current_version = current.version if current is not None else None
        return [
            _version_view(row, rows[index + 1] if index + 1 < len(rows) else None, current_version)
            for index, row in enumerate(rows[:MAX_VERSIONS])
        ]


class PolicyPublishPayload(graphene.ObjectType):
    version = graphene.Field(AfterSalesPolicyVersion, description="The version in force after the call.")
    created = graphene.Boolean(description="False when the text was already the current version.")
    policy_errors = graphene.List(
        graphene.NonNull(PolicyValidationError), required=True, description="Every problem of a refused text."
    )
    errors = graphene.List(
        graphene.NonNull(AfterSalesError), required=True, description="Why it was refused."
    )

    class Meta:
        description = "The result of publishing a policy."


def _require_publisher(context: RequestContext) -> None:
    require_manager(context)
    if MANAGE_PLUGINS not in context.principal.permissions:
        raise PermissionDenied(
            "Publishing the policy changes the channel's plugin settings: it needs the MANAGE_PLUGINS permission."
        )


def _publish(context: RequestContext, text: str) -> dict[str, Any]:
    from .mutations import run

    problems: list[dict[str, str]] = []
    principal = context.principal
    published_by = principal.email or f"{principal.kind}:{principal.id}"

    def perform() -> dict[str, Any]:
        _require_publisher(context)
        try:
            row, created = policy_host(context).publish(text, published_by)
        except PolicyRejected as rejected:
            problems.extend(_problems(rejected))
            raise
        previous = policy_version(context.channel, row.version - 1) if row.version > 1 else None
        return {"version": _version_view(row, previous, row.version), "created": created}

    result, errors = run(perform)
    return {**(result or {}), "policy_errors": problems, "errors": errors}


class PolicyPublish(graphene.Mutation):
    Output = PolicyPublishPayload

    class Arguments:
        policy = graphene.String(required=True, description="The policy as YAML or JSON text.")

    class Meta:
        description = (
            "Publish a new version of the channel's policy through the same validation and publishing path as the "
            "plugin configuration (publishing the current text again creates nothing). Needs MANAGE_ORDERS in the "
            "channel and MANAGE_PLUGINS."
        )

    @staticmethod
    def mutate(root: Any, info: Any, policy: str) -> dict[str, Any]:
        return _publish(info.context, policy)


class PolicyRollback(graphene.Mutation):
    Output = PolicyPublishPayload

    class Arguments:
        version = graphene.Int(required=True, description="The older version whose text is published again.")

    class Meta:
        description = (
            "Publish an older version's text again as a new version (orders keep the version they were placed "
            "under). Same permissions and path as policyPublish."
        )

    @staticmethod
    def mutate(root: Any, info: Any, version: int) -> dict[str, Any]:
        from .mutations import run

        context: RequestContext = info.context
        row, errors = run(lambda: (_require_publisher(context), policy_version(context.channel, version))[1])
        if errors:
            return {"policy_errors": [], "errors": errors}
        return _publish(context, row.source)


class DashboardMutation(graphene.ObjectType):
    policy_publish = PolicyPublish.Field(description=PolicyPublish._meta.description)
    policy_rollback = PolicyRollback.Field(description=PolicyRollback._meta.description)
