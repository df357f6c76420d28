from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from ...domain.facts import CaseKind
from ...models import OrderRecord
from ...rules.decision import CaseDecision, LineDecision
from ...rules.document import Policy
from ...rules.zero_refund import REASON_ZERO_REFUND
from ...services.eligibility import (
    REASON_IN_OPEN_CASE,
    ZeroRefundDecision,
    evaluate,
    policy_for_order,
    read_lines,
)
from ...services.ledger import holding_case_numbers
from ..cases.inputs import line_requests
from ..core.context import RequestContext
from ..core.ids import to_global_id
from ..core.lookups import order_for
from ..core.permissions import is_manager
from ..core.types import money
from ..policy.texts import phrases, reason_entries, window_end

__all__ = ["resolve_return_eligibility"]


def resolve_return_eligibility(
    context: RequestContext,
    order_global_id: str,
    email: str | None,
    lines: Sequence[Mapping[str, Any]] | None,
    reason: str,
    resolution: str,
    kind: str | None,
    language: str | None,
) -> dict[str, Any]:
    order = order_for(context, order_global_id, email)
    rows = read_lines(order)  # read once: for the requests, the decision and the lines' names
    requests = line_requests(order, lines, reason, resolution)
    manager = is_manager(context)
    decision, _version = evaluate(
        order,
        CaseKind(kind or CaseKind.RETURN),
        requests,
        explain=manager,
        host=context.host,
        rows=rows,
        versions=context.policy_versions,
    )
    policy, _ = policy_for_order(order)
    return eligibility_answer(policy, decision, order, language, manager)


def eligibility_answer(
    policy: Policy, decision: CaseDecision, order: OrderRecord, language: str | None, manager: bool
) -> dict[str, Any]:
    """A ``ReturnEligibility`` answer: the texts in ``language``, the rule trace only for managers."""
    currency = decision.currency
    settlement = decision.settlement
    fees_by_line: dict[str, list[dict[str, Any]]] = {}
    for charge in settlement.charges:
        if charge.line_id:
            fees_by_line.setdefault(charge.line_id, []).append(
                {
                    "code": charge.code,
                    "amount": money(charge.amount, currency),
                    "line_id": to_global_id("OrderLine", charge.line_id),
                }
            )

    texts = phrases(policy, language)
    zeroed = (
        {item.line_id: item for item in decision.zero_refunds}
        if isinstance(decision, ZeroRefundDecision)
        else {}
    )

    # Which open cases hold the units of a line that cannot be asked for again (read only when one says so).
    held_by = (
        holding_case_numbers(order)
        if any(REASON_IN_OPEN_CASE in item.reasons for item in decision.lines)
        else {}
    )
    records = {str(row.line_id): row for row in order.lines.all()}

    def reasons(item: LineDecision) -> list[dict[str, str]]:
        found = reason_entries(policy, item.reasons, language)
        specific: dict[str, str] = {}
        if item.line_id in zeroed:
            zero = zeroed[item.line_id]
            specific[REASON_ZERO_REFUND] = texts.zero_refund(
                zero.before_fees, zero.fees, currency, zero.outcome.value
            )
        if held_by.get(item.line_id):
            specific[REASON_IN_OPEN_CASE] = texts.in_open_case(held_by[item.line_id])
        return [{**reason, "text": specific.get(reason["code"], reason["text"])} for reason in found]

    def line(item: LineDecision) -> dict[str, Any]:
        record = records.get(item.line_id)
        return {
            "line_id": to_global_id("OrderLine", item.line_id),
            "product_name": (record.product_name or None) if record is not None else None,
            "sku": (record.sku or None) if record is not None else None,
            "quantity": item.quantity,
            "eligible": item.eligible,
            "reasons": reasons(item),
            "window_ends_at": item.window_ends_at,
            **window_end(item.window_ends_at, policy, language),
            "fees": fees_by_line.get(item.line_id, []),
            "refund_estimate": money(settlement.net_by_line.get(item.line_id, Decimal(0)), currency),
            "allowed_resolutions": list(item.resolutions),
            "photos_required": item.photos_required,
            "review_required": item.review_required,
            "warranty_ends_at": item.warranty_ends_at,
            "in_warranty": item.in_warranty,
        }

    data = decision.to_dict() if manager else None
    return {
        "order_id": to_global_id("Order", order.order_id),
        "kind": decision.kind.value,
        "eligible": decision.eligible,
        "lines": [line(item) for item in decision.lines],
        "refund_estimate": money(settlement.net, currency),
        "fees_total": money(settlement.fees_total, currency),
        "store_credit_estimate": money(decision.store_credit_amount, currency),
        "allowed_resolutions": list(decision.resolutions),
        "review_required": decision.review_required,
        "photos_required": decision.photos_required,
        "policy_version": decision.policy_version,
        "trace": [{"line_id": item["line_id"], "trace": item.get("trace")} for item in data["lines"]]
        if data
        else None,
    }
