"""What customers and guests may see of a case: the one place that hides staff-only data.

Staff and apps that manage the channel see everything. Everyone else — the customer, a guest with the order's
email — gets null for every field in :data:`STAFF_ONLY_FIELDS` (escalation, assignment, failure reasons, actor
ids, rule traces), sees only the events in :data:`CUSTOMER_EVENTS` (never notes, assignment or escalation) and
never reads a staff override reason as an event's message. :class:`CustomerView` enforces this as GraphQL
middleware on every field of every operation, so a new operation returning a case cannot forget it.
"""

from typing import Any

from promise import Promise

from ...domain import cases as machine
from ...models import CaseEvent
from ..core.permissions import is_manager

__all__ = ["CUSTOMER_EVENTS", "STAFF_ONLY_FIELDS", "CustomerView", "customer_message", "customer_visible"]

STAFF_ONLY_FIELDS: dict[str, frozenset[str]] = {
    "AfterSalesCase": frozenset({"assignee", "escalationTier", "failureMessage"}),
    "DecisionSummary": frozenset({"escalationPath"}),
    "AfterSalesCaseLine": frozenset({"decision", "paid", "alreadyRefunded"}),
    "AfterSalesCaseEvent": frozenset({"actorId", "trace", "payload"}),
    "ReturnEligibility": frozenset({"trace"}),
}
"""GraphQL type -> fields that are null for anyone but a manager of the channel."""

CUSTOMER_EVENTS = frozenset(
    {
        "created",
        "status_changed",
        "reply",
        "refund_issued",
        "store_credit_issued",
        "exchange_created",
        "items_returned",
    }
)
"""Events a customer sees on their case; notes, assignment, escalation and internal decisions stay with staff."""

_NEUTRAL_MESSAGES = {
    machine.CaseStatus.RESOLVED: "Your request has been resolved.",
    machine.CaseStatus.QUOTED: "A quote for the repair is ready.",
    machine.CaseStatus.RESOLUTION_FAILED: "We could not complete the resolution yet; the shop is on it.",
}


def customer_visible(event: CaseEvent) -> bool:
    return event.type in CUSTOMER_EVENTS


def customer_message(event: CaseEvent) -> str:
    """The event's message as a customer reads it: staff override reasons and failure details are replaced."""
    if event.message and not event.customer_message:
        return _NEUTRAL_MESSAGES.get(event.to_status, "The shop updated your request.")
    return event.message


class CustomerView:
    """GraphQL middleware: managers pass through; for everyone else staff-only data is removed."""

    def resolve(self, next_resolver: Any, root: Any, info: Any, **arguments: Any) -> Any:
        hidden = STAFF_ONLY_FIELDS.get(info.parent_type.name)
        special = info.parent_type.name in ("AfterSalesCase", "AfterSalesCaseEvent")
        if (hidden is None and not special) or is_manager(info.context):
            return next_resolver(root, info, **arguments)
        if hidden is not None and info.field_name in hidden:
            return None
        if info.parent_type.name == "AfterSalesCaseEvent" and info.field_name == "message":
            return customer_message(root)
        result = next_resolver(root, info, **arguments)
        if info.parent_type.name == "AfterSalesCase" and info.field_name == "events":
            # graphql-core hands middleware a promise of the resolver's value.
            return Promise.resolve(result).then(
                lambda events: [event for event in events if customer_visible(event)]
            )
        return result
