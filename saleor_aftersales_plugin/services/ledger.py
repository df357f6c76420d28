"""The money bound, once: what each order line may still be refunded and how many units may still come back.

For every line: refundable now = what the customer paid for it (order-level discounts spread as
:func:`~..domain.money.spread_order_discount` does) - everything already refunded for it by anyone; returnable =
delivered - returned by anyone - units held by the plugin's open cases. "By anyone" is read from the host's ledger
(:meth:`~..domain.host.HostPort.ledger`: Saleor's own tables inside Saleor, the sandbox's ledger outside it), never
from the plugin's own records, which are only a cache. Refunds the host records for the whole order are attributed
to lines by :func:`~..domain.money.attribute_refunds` (in proportion to each line's remaining room, never above
it). Eligibility, the estimate and every resolution (automatic or staff override; refund, store credit) read these
figures through :func:`balances` / :func:`decision_facts`; resolutions re-read them under the lines' row locks.

A case's units are priced at their position on the line (:func:`~..domain.money.paid_for_units`), after the units
whose money is settled (:attr:`LineBalance.settled`), not after those other open cases merely hold: so cases open at
once are each priced by what was settled before them, and the line's last units settled get exactly what is left.

Open repair (and warranty) cases hold their units too, from the request until the item is shipped back (or the case
is declined, cancelled or closed): a unit in the workshop cannot also be returned, exchanged or sent in for a second
repair. Their units are never settled (a repair moves no money on the line), so they count for availability and
never for a return's position on the line.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.db import connection

from ..domain import cases as machine
from ..domain.facts import CaseKind, OrderFacts
from ..domain.host import HostPort, LineLedger, OrderLedger
from ..domain.money import attribute_refunds, quantize
from ..models import Case, CaseEvent, CaseLine, OrderLineRecord, OrderRecord

__all__ = [
    "LineBalance",
    "balances",
    "decision_facts",
    "holding_case_numbers",
    "lock_lines",
    "order_lines",
    "refresh_cache",
]

RETURN_KINDS = (CaseKind.RETURN, CaseKind.EXCHANGE)
REPAIR_RELEASED: frozenset[str] = machine.NOT_OPEN | {str(machine.CaseStatus.SHIPPED_BACK)}
"""Statuses of a repair case that no longer hold its units: the item went back to the customer (shipped back, repaired
or not), or the case is declined, cancelled or closed. Every other status, from the request on, holds them."""
EVENT_ITEMS_RETURNED = "items_returned"


@dataclass(frozen=True, slots=True)
class LineBalance:
    line_id: str
    product_name: str
    quantity: int
    paid: Decimal
    refunded: Decimal
    """Refunded for this line by anyone (its share of order-level refunds included); never above ``paid``."""
    delivered: int
    returned: int
    """Units returned (or replaced) at the host, by anyone."""
    held: int
    """Units held by the plugin's open cases and not yet returned at the host (open repair cases' units included)."""
    unsettled: int = 0
    """Of ``returned + held``, the units of the plugin's cases whose money is not settled yet (open, or failed), those
    the host already took back included, and every unit an open repair case holds. The rest are :attr:`settled`."""

    @property
    def refundable(self) -> Decimal:
        return max(self.paid - self.refunded, Decimal(0))

    @property
    def returnable(self) -> int:
        return max(self.delivered - self.returned - self.held, 0)

    @property
    def settled(self) -> int:
        """Units returned or held whose money is settled: the position of the next units' share of ``paid``
        (:attr:`~..domain.facts.OrderLineFacts.quantity_settled`)."""
        return max(self.returned + self.held - self.unsettled, 0)


def _tables(template: str, **fragments: str) -> str:
    return template.format(
        line=OrderLineRecord._meta.db_table,
        case_line=CaseLine._meta.db_table,
        case=Case._meta.db_table,
        event=CaseEvent._meta.db_table,
        **fragments,
    )


# When a case line ``held`` of case ``c`` holds its units. A return or exchange: from the request until the case is
# declined, cancelled or closed unresolved; once its items are marked returned at the host, the host's ledger counts
# them instead. A resolved keep-the-item case holds its units for good (they were settled without coming back). A
# repair: from the request until the item is shipped back or the case is declined, cancelled or closed
# (:data:`REPAIR_RELEASED`). The queries are SQL written once: the ORM's compilation of this subquery cost more than
# running it, on every eligibility check and request.
_REPAIR_HOLDS = "(c.kind = %(repair)s AND NOT (c.status = ANY(%(repair_released)s)))"
_HOLDS = _tables(
    """(c.kind = ANY(%(kinds)s)
       AND NOT (c.status = ANY(%(released)s))
       AND NOT (c.status = %(closed)s AND c.resolution = '')
       AND NOT EXISTS (SELECT 1 FROM "{event}" e WHERE e.case_id = c.id AND e.type = %(returned_event)s)
       OR {repair_holds})
      AND c.id IS DISTINCT FROM %(excluded)s""",
    repair_holds=_REPAIR_HOLDS,
)
# When a case line of case ``c`` counts among its line's returned or held units without its money being settled:
# the case has no resolution yet (or its resolution failed), and either it holds its units or the host already took
# them back. A unit's money is settled once its case is resolved (or waits for the provider to confirm the refund):
# refunded, credited, exchanged or kept. Units the host took back outside the plugin count as settled. A unit an open
# repair holds is never settled: it is the customer's, in the workshop, and no money moved for it.
_UNSETTLED = _tables(
    """(c.kind = ANY(%(kinds)s)
       AND (c.resolution = '' OR c.status = %(failed)s)
       AND (NOT (c.status = ANY(%(released)s) OR c.status = %(closed)s)
            OR EXISTS (SELECT 1 FROM "{event}" e WHERE e.case_id = c.id AND e.type = %(returned_event)s))
       OR {repair_holds})
      AND c.id IS DISTINCT FROM %(excluded)s""",
    repair_holds=_REPAIR_HOLDS,
)
# ``repairing``: of ``held``, the units open repair cases hold (the plugin's cached ``quantity_returned`` counts those
# of returns and exchanges only, so figures read without a host add these).
_ORDER_LINES = _tables(
    """
SELECT line.*, COALESCE(holds.held, 0) AS held, COALESCE(holds.repairing, 0) AS repairing, COALESCE((
    SELECT SUM(unpaid.quantity) FROM "{case_line}" unpaid JOIN "{case}" c ON c.id = unpaid.case_id
    WHERE unpaid.order_line_id = line.id AND {unsettled}
), 0) AS unsettled
FROM "{line}" line LEFT JOIN LATERAL (
    SELECT SUM(held.quantity) AS held, SUM(held.quantity) FILTER (WHERE c.kind = %(repair)s) AS repairing
    FROM "{case_line}" held JOIN "{case}" c ON c.id = held.case_id
    WHERE held.order_line_id = line.id AND {holds}
) holds ON TRUE
WHERE line.order_id = %(order)s ORDER BY line.id
""",
    holds=_HOLDS,
    unsettled=_UNSETTLED,
)
_HOLDING_CASES = _tables(
    """
SELECT DISTINCT line.line_id, c.number
FROM "{case_line}" held JOIN "{case}" c ON c.id = held.case_id JOIN "{line}" line ON line.id = held.order_line_id
WHERE line.order_id = %(order)s AND {holds}
ORDER BY c.number
""",
    holds=_HOLDS,
)


def _holding_params(order: OrderRecord, exclude_case: Case | None = None) -> dict[str, Any]:
    return {
        "order": order.pk,
        "kinds": [kind.value for kind in RETURN_KINDS],
        "repair": CaseKind.REPAIR.value,
        "repair_released": sorted(REPAIR_RELEASED),
        "released": [machine.CaseStatus.DECLINED.value, machine.CaseStatus.CANCELLED.value],
        "closed": machine.CaseStatus.CLOSED.value,
        "failed": machine.CaseStatus.RESOLUTION_FAILED.value,
        "returned_event": EVENT_ITEMS_RETURNED,
        "excluded": exclude_case.pk if exclude_case is not None else None,
    }


def holding_case_numbers(order: OrderRecord) -> dict[str, list[int]]:
    """The numbers of the cases holding units of each of the order's lines (by line id), lowest first."""
    found: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(_HOLDING_CASES, _holding_params(order))
        for line_id, number in cursor.fetchall():
            found.setdefault(str(line_id), []).append(number)
    return found


def order_lines(order: OrderRecord, exclude_case: Case | None = None) -> list[OrderLineRecord]:
    """The order's lines in id order, each annotated with the units its cases hold (``held``; of them, those open
    repair cases hold: ``repairing``) and the units of its cases whose money is not settled yet (``unsettled``, see
    :class:`LineBalance`), in one query; those of ``exclude_case`` (the case being re-decided or resolved) not
    counted."""
    return list(OrderLineRecord.objects.raw(_ORDER_LINES, _holding_params(order, exclude_case)))


def _cached_ledger(order: OrderRecord, rows: list[OrderLineRecord]) -> OrderLedger:
    """The plugin's cached figures, for callers without a host (offline tools and tests of the rules)."""
    return OrderLedger(
        order.currency,
        {
            str(row.line_id): LineLedger(str(row.line_id), row.quantity_fulfilled, 0, row.refunded_amount)
            for row in rows
        },
    )


def balances(
    order: OrderRecord,
    host: HostPort | None,
    *,
    exclude_case: Case | None = None,
    rows: list[OrderLineRecord] | None = None,
) -> dict[str, LineBalance]:
    """Every line's balance, from the host's ledger (``host`` None: from the plugin's cached figures).

    ``exclude_case``: the case being resolved, whose own units count as not yet held or returned, so its lines
    show what it may still settle. ``rows``: the order's lines as :func:`order_lines` read them (else read here).
    """
    if host is None:
        rows = order_lines(order, exclude_case)
        ledger = _cached_ledger(order, rows)
        # The cached count holds the units of returns and exchanges; open repairs' units are added.
        held = {str(row.line_id): row.quantity_returned + row.repairing for row in rows}
        if exclude_case is not None:
            for line in exclude_case.lines.select_related("order_line"):
                key = str(line.order_line.line_id)
                held[key] = max(held.get(key, 0) - line.quantity, 0)
    else:
        rows = rows if rows is not None else order_lines(order, exclude_case)
        ledger = host.ledger(str(order.order_id))
        held = {str(row.line_id): row.held for row in rows}
    currency = order.currency
    paid = [quantize(row.paid_total, currency) for row in rows]
    own = [
        ledger.lines[str(row.line_id)].refunded if str(row.line_id) in ledger.lines else row.refunded_amount
        for row in rows
    ]
    refunded = attribute_refunds(paid, own, ledger.order_refunded, currency)
    own_returned = _own_returned(exclude_case) if host is not None else {}
    result = {}
    for row, line_paid, line_refunded in zip(rows, paid, refunded, strict=True):
        key = str(row.line_id)
        facts = ledger.lines.get(key)
        delivered = facts.delivered if facts is not None else row.quantity_fulfilled
        returned = (facts.returned if facts is not None else 0) - own_returned.get(key, 0)
        result[key] = LineBalance(
            line_id=key,
            product_name=row.product_name or row.sku or "this item",
            quantity=row.quantity,
            paid=line_paid,
            refunded=line_refunded,
            delivered=delivered,
            returned=max(returned, 0),
            held=held.get(key, 0),
            unsettled=row.unsettled,
        )
    return result


def _own_returned(case: Case | None) -> dict[str, int]:
    """Units of ``case`` that the host already took back (they count for the case, not against it)."""
    if case is None or not case.events.filter(type=EVENT_ITEMS_RETURNED).exists():
        return {}
    return {str(line.order_line.line_id): line.quantity for line in case.lines.select_related("order_line")}


def decision_facts(
    order: OrderRecord, figures: Mapping[str, LineBalance], rows: list[OrderLineRecord] | None = None
) -> OrderFacts:
    """The order's facts for the rules with the ledger's figures: delivered units, units returned or held (and of
    them, those whose money is settled: the position of a case's units on the line), refunds.

    ``rows``: the order's lines already read (by :func:`order_lines`), so they are not read again.
    """
    facts = order.to_facts(rows)
    lines = []
    for line in facts.lines:
        balance = figures.get(line.line_id)
        if balance is None:
            lines.append(line)
            continue
        returned = min(balance.returned + balance.held, line.quantity)
        lines.append(
            replace(
                line,
                quantity_fulfilled=min(balance.delivered, line.quantity),
                quantity_returned=returned,
                quantity_settled=min(balance.settled, returned),
                refunded_amount=balance.refunded,
            )
        )
    return replace(facts, lines=tuple(lines))


def lock_lines(order: OrderRecord, line_ids: Iterable[str] | None = None) -> list[OrderLineRecord]:
    """Lock the order's line rows (in id order, so concurrent use cases cannot deadlock)."""
    queryset = OrderLineRecord.objects.select_for_update().filter(order=order)
    if line_ids is not None:
        queryset = queryset.filter(line_id__in=list(line_ids))
    return list(queryset.order_by("id"))


def refresh_cache(order: OrderRecord, figures: Mapping[str, LineBalance]) -> None:
    """Make the plugin's cached per-line figures equal the host's (delivered units and refunds)."""
    for row in order.lines.all():
        balance = figures.get(str(row.line_id))
        if balance is None:
            continue
        if row.refunded_amount != balance.refunded or row.quantity_fulfilled != min(
            balance.delivered, row.quantity
        ):
            row.refunded_amount = balance.refunded
            row.quantity_fulfilled = min(balance.delivered, row.quantity)
            row.save(update_fields=["refunded_amount", "quantity_fulfilled"])
