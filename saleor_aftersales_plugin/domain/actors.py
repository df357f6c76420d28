"""Who acts: the Principal calling an endpoint (customer, staff, app, anonymous) and the Actor recorded on a case.

Both hosts (the sandbox and Saleor) build Principals; services record Actors. Permission names are Saleor's codenames.
"""

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    """Who an event on a case is recorded as acting."""

    CUSTOMER = "customer"
    STAFF = "staff"
    APP = "app"
    SYSTEM = "system"


CUSTOMER = ActorKind.CUSTOMER
STAFF = ActorKind.STAFF
APP = ActorKind.APP
SYSTEM = ActorKind.SYSTEM
ANONYMOUS_KIND = "anonymous"

MANAGE_ORDERS = "MANAGE_ORDERS"
"""Saleor's OrderPermissions.MANAGE_ORDERS codename: staff and apps with it work the after-sales queue."""

MANAGE_PLUGINS = "MANAGE_PLUGINS"
"""Saleor's PluginsPermissions.MANAGE_PLUGINS codename: needed to publish a channel's policy (its plugin settings)."""

PRINCIPAL_KINDS = (CUSTOMER, STAFF, APP, ANONYMOUS_KIND)


@dataclass(frozen=True, slots=True)
class Actor:
    type: str
    id: str = ""
    email: str = ""

    @property
    def is_customer(self) -> bool:
        return self.type == CUSTOMER


SYSTEM_ACTOR = Actor(SYSTEM, "rules")


@dataclass(frozen=True)
class Principal:
    kind: str
    """"customer" | "staff" | "app" | "anonymous"."""
    id: str = ""
    """Customer or staff user id, or app id."""
    email: str = ""
    permissions: frozenset[str] = frozenset()
    channels: frozenset[str] | None = None
    """Channel slugs a staff user is limited to; None means every channel."""

    def __post_init__(self) -> None:
        if self.kind not in PRINCIPAL_KINDS:
            raise ValueError(
                f"Unknown principal kind {self.kind!r}; use one of {', '.join(PRINCIPAL_KINDS)}."
            )


ANONYMOUS = Principal(ANONYMOUS_KIND)


def actor_for(principal: Principal) -> Actor:
    """The actor recorded on case events for ``principal``; guests act as customers known by their email."""
    if principal.kind == STAFF:
        return Actor(STAFF, principal.id, principal.email)
    if principal.kind == APP:
        return Actor(APP, principal.id, principal.email)
    return Actor(CUSTOMER, principal.id, principal.email)
