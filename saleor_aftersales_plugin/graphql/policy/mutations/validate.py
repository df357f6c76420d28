from typing import Any

import graphene

from ....rules.document import SourceError, load_source
from ....rules.validation import PolicyError, parse_policy, validate_policy
from ....rules.warnings import policy_warnings
from ...core.context import RequestContext
from ...core.errors import AfterSalesError
from ...core.permissions import Audience
from ...core.types import NonNullList
from ..types import PolicyValidationError
from .base import PolicyMutation

__all__ = ["PolicyValidate"]


class PolicyValidatePayload(graphene.ObjectType):
    """The result of validating a policy document."""

    valid = graphene.Boolean(description="Whether the document is valid; null when the check was refused.")
    policy_errors = NonNullList(
        PolicyValidationError, required=True, description="Every problem of the document."
    )
    policy_warnings = NonNullList(
        PolicyValidationError,
        required=True,
        description="What a valid document should still change (what `policy check` warns about): "
        "`no_threshold_in_currency`, a money condition without an amount in `defaults.currency`, so it never "
        "matches that currency's orders; `below_statutory_minimum`, less than the law's minimum withdrawal period "
        "in a country it serves (the message names the countries and the source).",
    )
    errors = NonNullList(AfterSalesError, required=True, description="Why the check was refused.")


class PolicyValidate(PolicyMutation, audience=Audience.MANAGER):
    """Check a policy document: every error with its JSON path, code and a fix."""

    Output = PolicyValidatePayload

    class Arguments:
        policy = graphene.String(required=True, description="The policy document as JSON or YAML text.")

    @classmethod
    def perform_mutation(cls, context: RequestContext, policy: str) -> dict[str, Any]:
        try:
            data, _format = load_source(policy)
        except SourceError as error:
            where = f" (line {error.line}, column {error.column})" if error.line is not None else ""
            problem = PolicyError("$", "syntax_error", f"{error}{where}")
            return {"valid": False, "policy_errors": [problem], "policy_warnings": []}
        problems = validate_policy(data)
        warnings = [] if problems else policy_warnings(parse_policy(data))
        return {"valid": not problems, "policy_errors": problems, "policy_warnings": warnings}

    @classmethod
    def refused(cls, refusal: Exception) -> dict[str, Any]:
        return {**super().refused(refusal), "policy_warnings": []}
