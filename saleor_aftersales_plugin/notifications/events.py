"""The messages the plugin sends: their names, who receives them and the variables their templates may use.

Every template of an event renders with the common variables plus the event's own. Overrides are validated against
this registry, so a merchant's template that names a variable the event does not have is refused on save.
``SAMPLE_CONTEXT`` is the context overrides are test-rendered with; it also documents the shape of each variable.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

CUSTOMER = "customer"
STAFF = "staff"

PARTS = ("subject", "txt", "html")
"""Template parts: a one-line subject, a plain-text body and an HTML body."""


@dataclass(frozen=True, slots=True)
class MessageEvent:
    name: str
    audience: str
    description: str
    variables: tuple[str, ...]


COMMON_VARIABLES = (
    "shop_name",
    "case_number",
    "case_kind",
    "order_number",
    "customer_email",
    "status",
    "message",
    "language",
    "time_zone",
)
"""Available in every template. ``case_kind`` and ``status`` are already translated into the message's language."""

_EVENTS = (
    MessageEvent("request_received", CUSTOMER, "A return, exchange or repair request was received.",
                 ("items", "resolution_due")),
    MessageEvent("approved", CUSTOMER, "The request was approved; says how to send the items back.",
                 ("items", "return_required", "return_instructions", "refund_amount")),
    MessageEvent("declined", CUSTOMER, "The request was declined, with the reason.", ("reason",)),
    MessageEvent("item_received", CUSTOMER, "The shop received the returned items.", ("items",)),
    MessageEvent("inspection_result", CUSTOMER, "The items were inspected; the condition and the amount.",
                 ("items", "refund_amount", "fees_amount")),
    MessageEvent("refund_issued", CUSTOMER, "The refund was issued.", ("amount",)),
    MessageEvent("store_credit_issued", CUSTOMER, "Store credit was issued.", ("amount",)),
    MessageEvent("exchange_shipped", CUSTOMER, "The replacement is on its way.", ("items",)),
    MessageEvent("repair_quote", CUSTOMER, "A repair outside the warranty was quoted.", ("quote_amount",)),
    MessageEvent("repair_status", CUSTOMER, "The repair moved to a new status.", ()),
    MessageEvent("complaint_acknowledged", CUSTOMER, "A complaint was received.",
                 ("category", "first_response_due")),
    MessageEvent("complaint_resolved", CUSTOMER, "A complaint was resolved.", ()),
    MessageEvent("reply", CUSTOMER, "Staff replied to the customer on a case.", ()),
    MessageEvent("policy_reminder", CUSTOMER, "After fulfilment: the terms that apply and until when.",
                 ("items", "policy_name")),
    MessageEvent("staff_new_case", STAFF, "A new case was opened.", ("items", "first_response_due", "comment")),
    MessageEvent("staff_sla_warning", STAFF, "A case's deadline is near.", ("deadline_kind", "deadline")),
    MessageEvent("staff_resolution_failed", STAFF,
                 "A resolution failed (e.g. the payment app refused the refund); the amount stays refundable.",
                 ("reason", "amount")),
    MessageEvent("staff_escalation", STAFF, "A case is overdue and was escalated to a tier.",
                 ("deadline_kind", "deadline", "tier_name", "tier_number")),
    MessageEvent("staff_escalated", STAFF, "A staff member escalated a case to a tier, saying why.",
                 ("reason", "tier_name", "tier_number")),
)  # fmt: skip

EVENTS: Mapping[str, MessageEvent] = MappingProxyType({event.name: event for event in _EVENTS})


def event(name: str) -> MessageEvent:
    try:
        return EVENTS[name]
    except KeyError:
        raise ValueError(f"Unknown message event {name!r}; known: {', '.join(EVENTS)}.") from None


def variables_of(name: str) -> frozenset[str]:
    return frozenset(COMMON_VARIABLES) | frozenset(event(name).variables)


_ITEM = {
    "name": "Noise-cancelling headphones",
    "sku": "HP-200",
    "quantity": 1,
    "condition": "opened",
    "return_until": {"date": "2026-12-07"},
    "warranty_until": {"date": "2028-11-30"},
}

SAMPLE_CONTEXT: Mapping[str, Any] = MappingProxyType(
    {
        "shop_name": "Volt Electronics",
        "case_number": 42,
        "case_kind": "return",
        "order_number": "1001",
        "customer_email": "ada@example.com",
        "status": "approved",
        "message": "Thanks for your patience.",
        "language": "en",
        "time_zone": "Europe/Berlin",
        "items": [_ITEM],
        "resolution_due": {"instant": "2026-12-09T16:00:00+00:00"},
        "first_response_due": {"instant": "2026-12-02T16:00:00+00:00"},
        "return_required": True,
        "return_instructions": "Pack the items with the case number on the parcel.",
        "refund_amount": {"amount": "424.15", "currency": "EUR"},
        "fees_amount": {"amount": "74.85", "currency": "EUR"},
        "amount": {"amount": "424.15", "currency": "EUR"},
        "quote_amount": {"amount": "89.00", "currency": "EUR"},
        "reason": "The item was used.",
        "category": "logistics",
        "policy_name": "Volt Electronics",
        "comment": "The left earcup crackles.",
        "deadline_kind": "first_response",
        "deadline": {"instant": "2026-12-02T16:00:00+00:00"},
        "tier_name": "supervisor",
        "tier_number": 2,
    }
)
"""One value of every variable, in payload form (money and instants as tagged dicts, formatted at render time)."""
