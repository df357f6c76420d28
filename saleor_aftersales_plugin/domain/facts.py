"""Plain facts about orders and requests: what the rules decide on.

Hooks and the sandbox translate their host's objects into these; nothing here knows Django or Saleor.
All money amounts are ``Decimal`` in the order's currency; all instants are timezone-aware UTC ``datetime``.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class CaseKind(StrEnum):
    RETURN = "return"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    COMPLAINT = "complaint"


class Resolution(StrEnum):
    REFUND = "refund"
    STORE_CREDIT = "store_credit"
    EXCHANGE = "exchange"
    REPAIR = "repair"
    KEEP_ITEM = "keep_item"


class ItemCondition(StrEnum):
    """Condition of a returned item; ``unknown`` until staff inspect it."""

    UNKNOWN = "unknown"
    UNOPENED = "unopened"
    OPENED = "opened"
    USED = "used"
    DAMAGED = "damaged"
    DEFECTIVE = "defective"
    MISSING_PARTS = "missing_parts"


@dataclass(frozen=True, slots=True)
class ProductFacts:
    sku: str = ""
    product_id: str | None = None
    variant_id: str | None = None
    product_name: str = ""
    product_type: str = ""
    # Category slugs from the root to the product's own category, so rules can match any ancestor.
    category_path: tuple[str, ...] = ()
    collections: tuple[str, ...] = ()
    # Attribute slug -> values (slugs), e.g. {"final-sale": ("true",)}.
    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    is_gift_card: bool = False


@dataclass(frozen=True, slots=True)
class OrderLineFacts:
    line_id: str
    product: ProductFacts
    quantity: int
    unit_price: Decimal
    """Gross unit price charged on the line, before order-level discounts."""
    paid_total: Decimal
    """What the customer paid for the whole line: unit price x quantity minus its share of order-level discounts."""
    quantity_fulfilled: int = 0
    quantity_returned: int = 0
    """Units already returned or held by open cases."""
    refunded_amount: Decimal = Decimal(0)
    """Money already refunded for this line, through the plugin or outside it."""
    fulfilled_at: datetime | None = None
    delivered_at: datetime | None = None
    quantity_settled: int | None = None
    """Of ``quantity_returned``, the units whose money is settled (refunded, credited, exchanged, kept, or returned
    outside the plugin): the position on the line of the next units' share of ``paid_total``. Units merely held by
    other open cases are not settled, so each case is priced by what was settled before it and the line's last units
    settled get what is left. ``None``: all of ``quantity_returned``."""


@dataclass(frozen=True, slots=True)
class OrderFacts:
    order_id: str
    channel: str
    currency: str
    created_at: datetime
    lines: tuple[OrderLineFacts, ...]
    total: Decimal
    number: str = ""
    customer_email: str = ""
    customer_id: str | None = None
    """None for a guest checkout."""
    shipping_country: str = ""
    language_code: str = ""
    """The customer's language for messages (Saleor's order.language_code), e.g. 'en' or 'zh-hans'."""
    fulfilled_at: datetime | None = None
    delivered_at: datetime | None = None
    policy_version: int | None = None
    """Version of the channel's policy in force when the order was placed."""

    @property
    def is_guest(self) -> bool:
        return self.customer_id is None

    def line(self, line_id: str) -> OrderLineFacts:
        for line in self.lines:
            if line.line_id == line_id:
                return line
        raise KeyError(line_id)


@dataclass(frozen=True, slots=True)
class CustomerHistory:
    """The customer's earlier returns within the policy's look-back period."""

    prior_returns_count: int = 0
    prior_returns_value: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class LineRequest:
    """What the customer asks for one order line."""

    line_id: str
    quantity: int
    reason: str = ""
    resolution: str = ""
    condition: str = ItemCondition.UNKNOWN


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """Everything a decision needs: the order, the request and when it is asked."""

    kind: CaseKind
    order: OrderFacts
    lines: tuple[LineRequest, ...]
    now: datetime
    history: CustomerHistory = CustomerHistory()


def one_unit_case(
    kind: CaseKind,
    product: ProductFacts,
    price: Decimal,
    currency: str,
    *,
    ordered_at: datetime,
    shipped_at: datetime,
    delivered_at: datetime,
    now: datetime,
    reason: str = "",
    condition: str = ItemCondition.UNKNOWN,
    customer_id: str | None = None,
    country: str = "",
) -> CaseFacts:
    """A request about one unit of ``product`` bought at ``price``: what a policy's terms for a product are decided on
    where there is no real order (product pages, the published summary)."""
    line = OrderLineFacts(
        line_id="product",
        product=product,
        quantity=1,
        unit_price=price,
        paid_total=price,
        quantity_fulfilled=1,
        fulfilled_at=shipped_at,
        delivered_at=delivered_at,
    )
    order = OrderFacts(
        order_id="product-terms",
        channel="",
        currency=currency,
        created_at=ordered_at,
        lines=(line,),
        total=price,
        customer_id=customer_id,
        shipping_country=country,
    )
    return CaseFacts(
        kind=kind,
        order=order,
        lines=(LineRequest("product", 1, reason=reason, condition=condition),),
        now=now,
    )
