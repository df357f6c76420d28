"""Publishing goes through the request's :class:`~...core.context.PolicyHost`: inside Saleor that saves the plugin
configuration (Saleor's own validate and pre-save path, so the configuration page and the app never disagree); in
the sandbox it publishes directly. Publishing needs MANAGE_PLUGINS besides managing the channel's orders."""

from typing import Any

import graphene

from ....services.policies import policy_version
from ...core.context import RequestContext
from ...core.errors import AfterSalesError
from ...core.permissions import Audience
from ...core.types import NonNullList
from ..resolvers import version_view
from ..types import AfterSalesPolicyVersion, PolicyValidationError
from .base import PolicyMutation

__all__ = ["PolicyPublish", "PolicyRollback"]


class PolicyPublishPayload(graphene.ObjectType):
    """The result of publishing a policy."""

    version = graphene.Field(AfterSalesPolicyVersion, description="The version in force after the call.")
    created = graphene.Boolean(description="False when the text was already the current version.")
    policy_errors = NonNullList(
        PolicyValidationError, required=True, description="Every problem of a refused text."
    )
    errors = NonNullList(AfterSalesError, required=True, description="Why it was refused.")


class PolicyPublishing(PolicyMutation):
    """Publishes the text the subclass picks, ``text(context, **arguments)``, through the request's policy host; the
    answer is the version in force. Publishers only."""

    Output = PolicyPublishPayload

    class Meta:
        abstract = True

    @classmethod
    def __init_subclass_with_meta__(cls, **options: Any) -> None:
        super().__init_subclass_with_meta__(audience=Audience.PUBLISHER, **options)

    @classmethod
    def text(cls, context: RequestContext, **arguments: Any) -> str:
        raise NotImplementedError

    @classmethod
    def perform_mutation(cls, context: RequestContext, **arguments: Any) -> dict[str, Any]:
        principal = context.principal
        published_by = principal.email or f"{principal.kind}:{principal.id}"
        row, created = context.policy_publisher().publish(cls.text(context, **arguments), published_by)
        previous = policy_version(context.channel, row.version - 1) if row.version > 1 else None
        return {"version": version_view(row, previous, row.version), "created": created, "policy_errors": []}


class PolicyPublish(PolicyPublishing):
    """Publish a new version of the channel's policy through the same validation and publishing path as the
    plugin configuration (publishing the current text again creates nothing). Needs MANAGE_ORDERS in the
    channel and MANAGE_PLUGINS."""

    class Arguments:
        policy = graphene.String(required=True, description="The policy as YAML or JSON text.")

    @classmethod
    def text(cls, context: RequestContext, policy: str) -> str:
        return policy


class PolicyRollback(PolicyPublishing):
    """Publish an older version's text again as a new version (orders keep the version they were placed
    under). Same permissions and path as policyPublish."""

    class Arguments:
        version = graphene.Int(required=True, description="The older version whose text is published again.")

    @classmethod
    def text(cls, context: RequestContext, version: int) -> str:
        return policy_version(context.channel, version).source
