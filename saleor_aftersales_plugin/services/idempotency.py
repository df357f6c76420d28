"""Idempotency keys, scoped to who asks and for what: the one place that stores and looks them up.

A client's key means "the same request again" only from the same caller (customer id, guest email, staff user or
app) for the same operation in the same channel. The key stored on the case is a digest of all four, so another
caller reusing a key creates their own case, and nothing about the first case can be learnt from the key. The same
caller reusing a key for another order answers DUPLICATED, naming nothing but the key.
"""

import hashlib
import uuid

from ..domain.actors import Actor
from ..models import Case, OrderRecord
from . import ServiceError

__all__ = [
    "OPERATION_COMPLAINT",
    "OPERATION_REPAIR",
    "OPERATION_RETURN",
    "case_for_key",
    "earlier_request",
    "scoped_key",
]

OPERATION_RETURN = "return"
"""Returns and exchanges (returnRequestCreate)."""
OPERATION_REPAIR = "repair"
OPERATION_COMPLAINT = "complaint"


def caller_identity(actor: Actor) -> str:
    """Who asks: the user or app id, or the email a guest identifies with (case-insensitively)."""
    if actor.id:
        return f"{actor.type}:{actor.id}"
    return f"{actor.type}:email:{actor.email.strip().lower()}"


def scoped_key(channel: str, actor: Actor, operation: str, key: str | None) -> str | None:
    """The key as stored on the case (a SHA-256 digest of channel, caller, operation and key); None without key."""
    if not key:
        return None
    scope = "\n".join((channel, caller_identity(actor), operation, key))
    return hashlib.sha256(scope.encode("utf-8", "surrogatepass")).hexdigest()


def case_for_key(
    channel: str, stored_key: str | None, order_id: str | uuid.UUID | None = None
) -> Case | None:
    """The case an earlier request with ``stored_key`` created, if any.

    With ``order_id``, a case of another order means the caller reused a key for a different request: DUPLICATED.
    """
    if not stored_key:
        return None
    case = Case.objects.filter(channel=channel, idempotency_key=stored_key).select_related("order").first()
    if case is not None and order_id is not None and str(case.order.order_id) != str(order_id):
        raise ServiceError(
            "This idempotencyKey was already used for another request; send a new key for a new request.",
            code="duplicated",
            field="idempotencyKey",
        )
    return case


def earlier_request(
    order: OrderRecord, actor: Actor, operation: str, key: str | None
) -> tuple[str | None, Case | None]:
    """For a request opening a case on ``order``: the key to store on the new case, and the case an earlier request
    with the same key created (None if there is none); a key reused for another order raises DUPLICATED."""
    stored_key = scoped_key(order.channel, actor, operation, key)
    return stored_key, case_for_key(order.channel, stored_key, order.order_id)
