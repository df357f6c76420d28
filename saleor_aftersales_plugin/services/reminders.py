"""The post-purchase reminder: after fulfilment, the customer hears which terms apply to each line and until when."""

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from ..delivery import deliver_after_commit
from ..domain.facts import CaseKind, LineRequest
from ..notifications import outbox
from ..rules.document import Policy
from .eligibility import evaluate, policy_for_order
from .orders import get_order

__all__ = ["enqueue_policy_reminder"]


def _last_day(ends_at: str | None, policy: Policy) -> dict[str, str] | None:
    """A window's exclusive end instant as its last local day (what "until" means to a customer)."""
    if not ends_at:
        return None
    end = datetime.fromisoformat(ends_at) - timedelta(microseconds=1)
    return {"date": policy.calendar.local_date(end).isoformat()}


def enqueue_policy_reminder(order_id: str, *, now: datetime | None = None) -> bool:
    """Enqueue the reminder of the terms that apply to each line of the order; True when it was enqueued now.

    Once per order (later calls return False), and not for orders without a customer e-mail. Lines are judged as a
    change-of-mind return by the order's pinned policy; a line that cannot be returned says so, and the warranty end
    is given where the policy has one. Raises ``ServiceError`` for an unknown order or a channel without a policy.
    """
    with transaction.atomic():
        order = get_order(order_id)
        if not order.customer_email:
            return False
        policy, _version = policy_for_order(order)
        lines = list(order.lines.order_by("id"))
        requests = [LineRequest(line_id=str(line.line_id), quantity=max(line.quantity, 1)) for line in lines]
        decided, warranties = (
            {line["line_id"]: line for line in decision.to_dict(with_trace=False)["lines"]}
            for decision in (
                evaluate(order, kind, requests, now=now, explain=False)[0]
                for kind in (CaseKind.RETURN, CaseKind.REPAIR)
            )
        )
        items: list[dict[str, Any]] = []
        for line in lines:
            data = decided.get(str(line.line_id)) or {}
            window = data.get("window") or {}
            warranty = (warranties.get(str(line.line_id)) or {}).get("warranty") or {}
            items.append(
                {
                    "name": line.product_name or line.sku,
                    "sku": line.sku,
                    "quantity": line.quantity,
                    "return_until": _last_day(window.get("ends_at"), policy)
                    if data.get("eligible")
                    else None,
                    "warranty_until": _last_day(warranty.get("ends_at"), policy),
                }
            )
        enqueued = outbox.enqueue_policy_reminder(order, policy, items)
        deliver_after_commit()
        return enqueued
