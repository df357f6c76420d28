"""Who may call what. Every root field and mutation declares its :class:`Audience`; the field
(:class:`~.fields.AudienceField`) or the mutation (:class:`~.mutations.BaseMutation`) checks it before anything else.

Managers are staff or apps with MANAGE_ORDERS in the channel; owners are the customer of a registered customer's order
or a guest giving the email of an order placed without an account. Operations for managers refuse everyone else with
PERMISSION_DENIED before looking anything up; operations on an order or case answer NOT_FOUND for anything the caller
does not own, exactly as for what does not exist.
"""

from enum import Enum

from ...domain.actors import CUSTOMER, MANAGE_ORDERS, MANAGE_PLUGINS, Actor, actor_for
from ...services import ServiceError
from ...services.queries import Viewer
from .context import RequestContext

__all__ = [
    "Audience",
    "PermissionDenied",
    "check_audience",
    "is_manager",
    "require_manager",
    "viewer",
]


class Audience(Enum):
    """Who may call an operation."""

    PUBLIC = "public"
    """Anyone, signed in or not."""
    OWNER = "owner"
    """Managers, and the owner of the order or case the operation names (anyone else gets NOT_FOUND)."""
    SIGNED_IN = "signed-in"
    """A signed-in customer or staff member, for their own cases."""
    MANAGER = "manager"
    """Staff with MANAGE_ORDERS in the channel, and apps with MANAGE_ORDERS."""
    PUBLISHER = "publisher"
    """Managers who also hold MANAGE_PLUGINS: publishing the policy changes the plugin's configuration."""


class PermissionDenied(ServiceError):
    code = "permission_denied"


def is_manager(context: RequestContext) -> bool:
    principal = context.principal
    if principal.kind not in ("staff", "app") or MANAGE_ORDERS not in principal.permissions:
        return False
    return principal.kind == "app" or principal.channels is None or context.channel in principal.channels


def acting_actor(context: RequestContext) -> Actor:
    """Who the request acts as on case events: staff and apps managing the channel as themselves; anyone else as
    the customer who owns the order (a staff member shopping for themselves replies as a customer: the shop has not
    answered, and the SLA goes on)."""
    principal = context.principal
    if is_manager(context):
        return actor_for(principal)
    return Actor(CUSTOMER, principal.id, principal.email)


def require_manager(context: RequestContext) -> None:
    if not is_manager(context):
        principal = context.principal
        if principal.kind in ("staff", "app") and MANAGE_ORDERS in principal.permissions:
            raise PermissionDenied(
                f"You manage orders only in channel(s) {', '.join(sorted(principal.channels or ()))}, "
                f"not in {context.channel!r}."
            )
        raise PermissionDenied("This needs the MANAGE_ORDERS permission (staff or apps).")


def require_publisher(context: RequestContext) -> None:
    require_manager(context)
    if MANAGE_PLUGINS not in context.principal.permissions:
        raise PermissionDenied(
            "Publishing the policy changes the channel's plugin settings: it needs the MANAGE_PLUGINS permission."
        )


def require_signed_in(context: RequestContext) -> None:
    principal = context.principal
    if principal.kind not in ("customer", "staff") or not principal.id:
        raise PermissionDenied("Sign in to see your cases; guests look a case up with its order's email.")


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


_CHECKS = {
    Audience.PUBLIC: lambda context: None,
    # Who owns the order or case is known once it is looked up; an app may own nothing, so it is refused here.
    Audience.OWNER: viewer,
    Audience.SIGNED_IN: require_signed_in,
    Audience.MANAGER: require_manager,
    Audience.PUBLISHER: require_publisher,
}


def check_audience(audience: Audience, context: RequestContext) -> None:
    """Refuse with PERMISSION_DENIED a caller outside ``audience``."""
    _CHECKS[audience](context)
