"""Who may do what: managers (staff or apps with MANAGE_ORDERS in the channel), owners (customer or guest + email).

Operations for managers refuse everyone else with PERMISSION_DENIED before looking anything up; operations on an
order or case answer NOT_FOUND for anything the caller does not own, exactly as for what does not exist.
"""

import base64
import binascii
import uuid

from graphene import Node

from ..domain.actors import MANAGE_ORDERS
from ..models import Case, OrderRecord
from ..services import NotFoundError, ServiceError
from ..services.queries import Viewer, find_case, find_order
from .api import RequestContext


class PermissionDenied(ServiceError):
    code = "permission_denied"


def is_manager(context: RequestContext) -> bool:
    principal = context.principal
    if principal.kind not in ("staff", "app") or MANAGE_ORDERS not in principal.permissions:
        return False
    return principal.kind == "app" or principal.channels is None or context.channel in principal.channels


def require_manager(context: RequestContext) -> None:
    if not is_manager(context):
        principal = context.principal
        if principal.kind in ("staff", "app") and MANAGE_ORDERS in principal.permissions:
            raise PermissionDenied(
                f"You manage orders only in channel(s) {', '.join(sorted(principal.channels or ()))}, "
                f"not in {context.channel!r}."
            )
        raise PermissionDenied("This needs the MANAGE_ORDERS permission (staff or apps).")


def viewer(context: RequestContext, email: str | None = None) -> Viewer:
    """What the caller may see: a manager sees the channel; a user their own; a guest what the email opens."""
    if is_manager(context):
        return Viewer(manager=True)
    principal = context.principal
    if principal.kind == "app":
        raise PermissionDenied("This app needs the MANAGE_ORDERS permission.")
    if principal.kind == "anonymous":
        return Viewer(email=(email or "").strip())
    return Viewer(customer_id=principal.id)


def decode_id(global_id: str, expected: str, field: str) -> str:
    """The object id inside a Saleor-style global id ``base64("<Type>:<id>")``; a raw UUID is accepted too."""
    if not isinstance(global_id, str) or not global_id.strip():
        raise ServiceError(f"Give the {expected} id.", code="required", field=field)
    value = global_id.strip()
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        decoded = ""
    if ":" in decoded:
        type_name, _, object_id = decoded.partition(":")
        if type_name != expected:
            raise ServiceError(
                f"{value!r} is the id of a {type_name}, not of a {expected}.", code="invalid", field=field
            )
        return object_id
    return value


def decode_uuid(global_id: str, expected: str, field: str) -> str:
    """Like :func:`decode_id`, for objects identified by a UUID: its canonical text, or an INVALID error."""
    raw = decode_id(global_id, expected, field)
    key = _uuid_or_none(raw)
    if key is None:
        raise ServiceError(
            f"{global_id!r} is not a {expected} id: give its global id or its UUID.",
            code="invalid",
            field=field,
        )
    return str(key)


def order_id(order: OrderRecord) -> str:
    return Node.to_global_id("Order", str(order.order_id))


def order_for(
    context: RequestContext, global_id: str, email: str | None, field: str = "order"
) -> OrderRecord:
    """The order if the caller may see it; the host is asked to record an order the plugin has not seen yet."""
    order_id = decode_id(global_id, "Order", field)
    who = viewer(context, email)
    try:
        return find_order(context.channel, order_id, who)
    except NotFoundError:
        key = _uuid_or_none(order_id)
        if (
            context.load_order is None
            or key is None
            or OrderRecord.objects.filter(order_id=key).exists()
            or not context.load_order(str(key))
        ):
            raise
    return find_order(context.channel, order_id, who)


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def case_for(
    context: RequestContext, global_id: str, email: str | None = None, *, details: bool = False
) -> Case:
    return find_case(
        context.channel, decode_id(global_id, "AfterSalesCase", "id"), viewer(context, email), details=details
    )
