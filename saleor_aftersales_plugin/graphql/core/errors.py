"""Errors of mutations, Saleor style: every refusal is an entry ``{ field code message }`` of the payload's
``errors`` with a stable code, never a top-level error.

ServiceError codes map onto :data:`ERROR_CODES`; state machine refusals become INVALID_STATUS (naming the allowed
next statuses); anything the caller may not see is NOT_FOUND.
"""

from typing import Any

import graphene

from ...domain import cases as machine
from ...rules.engine import ENGINE_REASONS
from ...services import ServiceError

__all__ = ["ERROR_CODES", "REFUSALS", "AfterSalesError", "AfterSalesErrorCode", "error_entries"]

ERROR_CODES = (
    "GRAPHQL_ERROR",
    "INVALID",
    "REQUIRED",
    "NOT_FOUND",
    "PERMISSION_DENIED",
    "INVALID_STATUS",
    "INVALID_KIND",
    "NOT_ELIGIBLE",
    "NOT_ALLOWED",
    "PHOTOS_REQUIRED",
    "DUPLICATED",
    "IN_WARRANTY",
    "QUOTE_REQUIRED",
    "REFUND_EXCEEDS_PAID",
    "REFUND_REASON_REQUIRED",
    "REFUND_PENDING",
    "NO_POLICY",
    "FORBIDDEN",
)
AfterSalesErrorCode = graphene.Enum(
    "AfterSalesErrorCode",
    [(code, code) for code in ERROR_CODES],
    description="Stable error codes of after-sales mutations.",
)

REFUSALS = (machine.CaseStateError, ServiceError)
"""What a use case raises to refuse a request; anything else is an internal error."""


class AfterSalesError(graphene.ObjectType):
    """An error of an after-sales mutation."""

    field = graphene.String(
        description="Name of the input field the error is about (e.g. `lines.0.quantity`); null when it is about "
        "the request as a whole."
    )
    code = AfterSalesErrorCode(required=True, description="The error code.")
    message = graphene.String(required=True, description="What went wrong and how to fix it.")


def _entry(code: str, message: str, field: str | None) -> dict[str, Any]:
    upper = (code or "").upper()
    return {"code": upper if upper in ERROR_CODES else "INVALID", "message": message, "field": field}


def error_entries(refusal: machine.CaseStateError | ServiceError) -> list[dict[str, Any]]:
    """The payload errors for one of :data:`REFUSALS`."""
    if isinstance(refusal, ServiceError):
        message = refusal.message
        if refusal.code == "not_eligible":
            # The service names engine reason codes; add what they mean for the customer.
            message += "".join(f" {text}" for code, text in ENGINE_REASONS.items() if code in message)
        return [_entry(refusal.code, message, refusal.field)]
    if isinstance(refusal, machine.TransitionError):
        allowed = ", ".join(s.upper() for s in refusal.allowed) or "none (the case is final)"
        message = (
            f"The case is {refusal.current.upper()} and cannot move to {refusal.target.upper()}; "
            f"allowed next: {allowed}."
        )
        return [_entry("invalid_status", message, "id")]
    return [_entry("invalid_status", str(refusal), "status")]
