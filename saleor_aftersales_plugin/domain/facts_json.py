"""Case facts as JSON: the CLI's ``--case CASE.json`` files and the sandbox's order import.

The shape follows :mod:`.facts` one to one, so a case file reads like the dataclasses::

    {"kind": "return", "now": "2026-03-20T10:00:00+01:00",
     "order": {"order_id": "1001", "channel": "default-channel", "currency": "EUR",
               "created_at": "2026-03-01T09:00:00+01:00", "total": "899.00", "customer_id": null,
               "shipping_country": "DE", "delivered_at": "2026-03-03T15:00:00+01:00",
               "lines": [{"line_id": "1", "quantity": 1, "unit_price": "899.00",
                          "product": {"sku": "TV-55", "product_type": "electronics",
                                      "category_path": ["electronics", "tv"],
                                      "attributes": {"final-sale": ["true"]}}}]},
     "lines": [{"line_id": "1", "quantity": 1, "reason": "defective", "resolution": "refund"}],
     "history": {"prior_returns_count": 0, "prior_returns_value": "0"}}

Instants are ISO 8601 with an offset (a naive time is an error) and become UTC. Money is a string or a number and
becomes an exact ``Decimal``. Defaults: ``paid_total`` is ``unit_price`` x ``quantity``; ``quantity_fulfilled`` is
the line's quantity once the line or order has a fulfilment or delivery time, else 0; ``customer_id`` null or absent
means a guest checkout. Every problem is reported with its JSON path in :class:`FactsInvalid`.
"""

import difflib
import math
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from .facts import (
    CaseFacts,
    CaseKind,
    CustomerHistory,
    ItemCondition,
    LineRequest,
    OrderFacts,
    OrderLineFacts,
    ProductFacts,
    Resolution,
)

__all__ = ["FactsInvalid", "case_facts_from_dict", "case_facts_to_dict", "order_facts_from_dict"]


class FactsInvalid(ValueError):
    """The case data has problems; ``errors`` lists (JSON path, message) pairs in document order."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{path}: {message}" for path, message in errors))


_MISSING: Any = object()


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:60] + "…")
    if isinstance(value, int) and value.bit_length() > 128:
        return "a very large number"
    if isinstance(value, int | float | Decimal):
        return str(value)[:60]
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


class _Reader:
    """Reads one JSON mapping into typed values, collecting every error instead of stopping at the first."""

    def __init__(self, errors: list[tuple[str, str]], path: str, data: Any, keys: tuple[str, ...]) -> None:
        self.errors = errors
        self.path = path
        self.ok = isinstance(data, Mapping)
        self.data: Mapping[Any, Any] = data if self.ok else {}
        if not self.ok:
            errors.append((path, f"{_show(data)} is not a mapping (JSON object)."))
            return
        for key in self.data:
            if key not in keys:
                match = difflib.get_close_matches(str(key), keys, n=1)
                hint = f" Did you mean '{match[0]}'?" if match else f" Known keys: {', '.join(keys)}."
                errors.append((self.at(key), f"Unknown key {_show(key)}.{hint}"))

    def at(self, key: Any) -> str:
        return f"{self.path}.{key}"

    def error(self, key: str, message: str) -> None:
        self.errors.append((self.at(key), message))

    def get(self, key: str, required: bool) -> Any:
        if key not in self.data:
            if required and self.ok:
                self.error(key, "Required.")
            return _MISSING
        return self.data[key]

    def text(self, key: str, *, required: bool = False, default: str = "", nullable: bool = False) -> Any:
        value = self.get(key, required)
        if value is _MISSING:
            return None if nullable else default
        if value is None and nullable:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)  # ids such as "line_id": 1
        if not isinstance(value, str):
            self.error(key, f"{_show(value)} is not text; write a JSON string.")
            return default
        if required and not value.strip():
            self.error(key, "Must not be empty.")
        return value

    def choice(self, key: str, options: list[str], *, required: bool = False, default: str = "") -> str:
        value = self.text(key, required=required, default=default)
        if isinstance(value, str) and value not in options and (value or required):
            match = difflib.get_close_matches(value, options, n=1)
            hint = f" Did you mean '{match[0]}'?" if match else ""
            self.error(key, f"{_show(value)} is not one of: {', '.join(options)}.{hint}")
            return default
        return value

    def integer(self, key: str, *, required: bool = False, default: int = 0, minimum: int = 0) -> int:
        value = self.get(key, required)
        if value is _MISSING:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(key, f"{_show(value)} is not a whole number.")
            return default
        if value < minimum:
            self.error(key, f"{value} is below {minimum}.")
            return default
        return value

    def money(self, key: str, *, required: bool = False, default: Decimal | None = None) -> Decimal | None:
        value = self.get(key, required)
        if value is _MISSING:
            return default
        amount = _to_money(value)
        if amount is None:
            self.error(key, f'{_show(value)} is not an amount; write a number or a string such as "19.99".')
            return default
        if amount < 0:
            self.error(key, f"{_show(value)} is negative; amounts are zero or more.")
            return default
        return amount

    def instant(self, key: str, *, required: bool = False) -> datetime | None:
        value = self.get(key, required)
        if value is _MISSING or (value is None and not required):
            return None
        if not isinstance(value, str):
            self.error(
                key,
                f'{_show(value)} is not a date and time; write ISO 8601, e.g. "2026-03-01T09:00:00+01:00".',
            )
            return None
        try:
            instant = datetime.fromisoformat(value)
        except ValueError:
            self.error(key, f'{_show(value)} is not ISO 8601; write e.g. "2026-03-01T09:00:00+01:00".')
            return None
        if instant.tzinfo is None or instant.utcoffset() is None:
            self.error(
                key, f'{_show(value)} has no time zone offset; add one, e.g. "{value}+01:00" or "{value}Z".'
            )
            return None
        return instant.astimezone(UTC)

    def boolean(self, key: str) -> bool:
        value = self.get(key, False)
        if value is _MISSING:
            return False
        if not isinstance(value, bool):
            self.error(key, f"{_show(value)} is not true or false.")
            return False
        return value

    def text_list(self, key: str) -> tuple[str, ...]:
        value = self.get(key, False)
        if value is _MISSING or value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.error(key, f'{_show(value)} is not a list of text, e.g. ["electronics", "tv"].')
            return ()
        return tuple(value)

    def items(self, key: str, read: Callable[[str, Any], Any], *, required: bool = True) -> list[Any]:
        value = self.get(key, required)
        if value is _MISSING:
            return []
        if not isinstance(value, list):
            self.error(key, f"{_show(value)} is not a list.")
            return []
        if required and not value:
            self.error(key, "Must hold at least one line.")
        return [read(f"{self.at(key)}[{index}]", item) for index, item in enumerate(value)]


def _to_money(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, int):
            amount = Decimal(value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                return None
            amount = Decimal(repr(value))
        elif isinstance(value, Decimal):
            amount = value
        elif isinstance(value, str):
            amount = Decimal(value.strip())
        else:
            return None
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


_PRODUCT_KEYS = (
    "sku",
    "product_id",
    "variant_id",
    "product_name",
    "product_type",
    "category_path",
    "collections",
    "attributes",
    "is_gift_card",
)
_ORDER_LINE_KEYS = (
    "line_id",
    "quantity",
    "unit_price",
    "paid_total",
    "quantity_fulfilled",
    "quantity_returned",
    "refunded_amount",
    "fulfilled_at",
    "delivered_at",
    "product",
)
_ORDER_KEYS = (
    "order_id",
    "number",
    "channel",
    "currency",
    "created_at",
    "total",
    "customer_email",
    "customer_id",
    "shipping_country",
    "language_code",
    "fulfilled_at",
    "delivered_at",
    "policy_version",
    "lines",
)
_REQUEST_KEYS = ("line_id", "quantity", "reason", "resolution", "condition")
_HISTORY_KEYS = ("prior_returns_count", "prior_returns_value")
_CASE_KEYS = ("kind", "now", "order", "lines", "history")


def _product(errors: list[tuple[str, str]], path: str, data: Any) -> ProductFacts:
    r = _Reader(errors, path, data, _PRODUCT_KEYS)
    attributes: dict[str, tuple[str, ...]] = {}
    raw = r.get("attributes", False)
    if raw is not _MISSING and raw is not None:
        if not isinstance(raw, Mapping):
            r.error("attributes", f"{_show(raw)} is not a mapping of attribute slugs to values.")
        else:
            for slug, values in raw.items():
                if isinstance(values, str):
                    values = [values]
                if (
                    not isinstance(slug, str)
                    or not isinstance(values, list)
                    or not all(isinstance(v, str) for v in values)
                ):
                    errors.append(
                        (
                            f"{r.at('attributes')}.{slug}",
                            'Give attribute values as a list of text, e.g. ["true"].',
                        )
                    )
                    continue
                attributes[slug] = tuple(values)
    return ProductFacts(
        sku=r.text("sku"),
        product_id=r.text("product_id", nullable=True),
        variant_id=r.text("variant_id", nullable=True),
        product_name=r.text("product_name"),
        product_type=r.text("product_type"),
        category_path=r.text_list("category_path"),
        collections=r.text_list("collections"),
        attributes=attributes,
        is_gift_card=r.boolean("is_gift_card"),
    )


def _order_line(
    errors: list[tuple[str, str]], path: str, data: Any, order_shipped: bool
) -> OrderLineFacts | None:
    r = _Reader(errors, path, data, _ORDER_LINE_KEYS)
    if not r.ok:
        return None
    line_id = r.text("line_id", required=True)
    quantity = r.integer("quantity", required=True, minimum=1, default=1)
    unit_price = r.money("unit_price", required=True, default=Decimal(0)) or Decimal(0)
    paid_total = r.money("paid_total")
    fulfilled_at = r.instant("fulfilled_at")
    delivered_at = r.instant("delivered_at")
    shipped = order_shipped or fulfilled_at is not None or delivered_at is not None
    raw_product = r.get("product", False)
    return OrderLineFacts(
        line_id=line_id,
        product=ProductFacts() if raw_product is _MISSING else _product(errors, r.at("product"), raw_product),
        quantity=quantity,
        unit_price=unit_price,
        paid_total=unit_price * quantity if paid_total is None else paid_total,
        quantity_fulfilled=r.integer("quantity_fulfilled", default=quantity if shipped else 0),
        quantity_returned=r.integer("quantity_returned"),
        refunded_amount=r.money("refunded_amount", default=Decimal(0)) or Decimal(0),
        fulfilled_at=fulfilled_at,
        delivered_at=delivered_at,
    )


def _order(errors: list[tuple[str, str]], path: str, data: Any) -> OrderFacts | None:
    r = _Reader(errors, path, data, _ORDER_KEYS)
    if not r.ok:
        return None
    order_id = r.text("order_id", required=True)
    number = r.text("number")
    channel = r.text("channel", required=True)
    currency = r.text("currency", required=True)
    if isinstance(currency, str) and currency and (len(currency) != 3 or not currency.isalpha()):
        r.error("currency", f'{_show(currency)} is not an ISO 4217 code such as "EUR".')
    created_at = r.instant("created_at", required=True)
    total = r.money("total", required=True, default=Decimal(0))
    customer_email = r.text("customer_email")
    customer_id = r.text("customer_id", nullable=True)
    shipping_country = r.text("shipping_country")
    language_code = r.text("language_code")
    fulfilled_at = r.instant("fulfilled_at")
    delivered_at = r.instant("delivered_at")
    raw_version = r.get("policy_version", False)
    policy_version = None if raw_version is _MISSING or raw_version is None else r.integer("policy_version")
    shipped = fulfilled_at is not None or delivered_at is not None
    lines = r.items("lines", lambda p, item: _order_line(errors, p, item, shipped))
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if line is not None and line.line_id:
            if line.line_id in seen:
                errors.append(
                    (f"{r.at('lines')}[{index}].line_id", f"Line id '{line.line_id}' appears twice.")
                )
            seen.add(line.line_id)
    if created_at is None:
        return None
    return OrderFacts(
        order_id=order_id,
        number=number,
        channel=channel,
        currency=currency.upper() if isinstance(currency, str) else "",
        created_at=created_at,
        lines=tuple(line for line in lines if line is not None),
        total=total if total is not None else Decimal(0),
        customer_email=customer_email,
        customer_id=customer_id,
        shipping_country=shipping_country.upper(),
        language_code=language_code,
        fulfilled_at=fulfilled_at,
        delivered_at=delivered_at,
        policy_version=policy_version,
    )


def _request(
    errors: list[tuple[str, str]], path: str, data: Any, line_ids: list[str] | None
) -> LineRequest | None:
    r = _Reader(errors, path, data, _REQUEST_KEYS)
    if not r.ok:
        return None
    line_id = r.text("line_id", required=True)
    if line_ids is not None and line_id and line_id not in line_ids:
        match = difflib.get_close_matches(line_id, line_ids, n=1)
        hint = f" Did you mean '{match[0]}'?" if match else f" The order has: {', '.join(line_ids)}."
        r.error("line_id", f"The order has no line '{line_id}'.{hint}")
    return LineRequest(
        line_id=line_id,
        quantity=r.integer("quantity", required=True, minimum=1, default=1),
        reason=r.text("reason"),
        resolution=r.choice("resolution", [res.value for res in Resolution]),
        condition=r.choice(
            "condition", [c.value for c in ItemCondition], default=ItemCondition.UNKNOWN.value
        ),
    )


def case_facts_from_dict(data: Mapping[str, Any]) -> CaseFacts:
    """Read a case from JSON data; raises :class:`FactsInvalid` listing every problem with its path."""
    errors: list[tuple[str, str]] = []
    r = _Reader(errors, "$", data, _CASE_KEYS)
    if not r.ok:
        raise FactsInvalid(errors)
    kind = r.choice("kind", [k.value for k in CaseKind], required=True)
    now = r.instant("now", required=True)
    raw_order = r.get("order", True)
    order = None if raw_order is _MISSING else _order(errors, r.at("order"), raw_order)
    line_ids = [line.line_id for line in order.lines] if order is not None else None
    requests = r.items("lines", lambda p, item: _request(errors, p, item, line_ids))
    raw_history = r.get("history", False)
    history = CustomerHistory()
    if raw_history is not _MISSING and raw_history is not None:
        h = _Reader(errors, r.at("history"), raw_history, _HISTORY_KEYS)
        history = CustomerHistory(
            prior_returns_count=h.integer("prior_returns_count"),
            prior_returns_value=h.money("prior_returns_value", default=Decimal(0)) or Decimal(0),
        )
    if errors or order is None or now is None or not kind:
        raise FactsInvalid(errors or [("$", "The case is incomplete.")])
    return CaseFacts(
        kind=CaseKind(kind),
        order=order,
        lines=tuple(request for request in requests if request is not None),
        now=now,
        history=history,
    )


def order_facts_from_dict(data: Mapping[str, Any], path: str = "$") -> OrderFacts:
    """Read one order (the ``order`` part of a case); raises :class:`FactsInvalid` listing every problem."""
    errors: list[tuple[str, str]] = []
    order = _order(errors, path, data)
    if errors or order is None:
        raise FactsInvalid(errors or [(path, "The order is incomplete.")])
    return order


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def case_facts_to_dict(facts: CaseFacts) -> dict[str, Any]:
    """The JSON form read by :func:`case_facts_from_dict` (money as strings, instants as ISO 8601)."""
    order = facts.order
    return {
        "kind": facts.kind.value,
        "now": _instant(facts.now),
        "order": {
            "order_id": order.order_id,
            "number": order.number,
            "channel": order.channel,
            "currency": order.currency,
            "created_at": _instant(order.created_at),
            "total": str(order.total),
            "customer_email": order.customer_email,
            "customer_id": order.customer_id,
            "shipping_country": order.shipping_country,
            "language_code": order.language_code,
            "fulfilled_at": _instant(order.fulfilled_at),
            "delivered_at": _instant(order.delivered_at),
            "policy_version": order.policy_version,
            "lines": [
                {
                    "line_id": line.line_id,
                    "quantity": line.quantity,
                    "unit_price": str(line.unit_price),
                    "paid_total": str(line.paid_total),
                    "quantity_fulfilled": line.quantity_fulfilled,
                    "quantity_returned": line.quantity_returned,
                    "refunded_amount": str(line.refunded_amount),
                    "fulfilled_at": _instant(line.fulfilled_at),
                    "delivered_at": _instant(line.delivered_at),
                    "product": {
                        "sku": line.product.sku,
                        "product_id": line.product.product_id,
                        "variant_id": line.product.variant_id,
                        "product_name": line.product.product_name,
                        "product_type": line.product.product_type,
                        "category_path": list(line.product.category_path),
                        "collections": list(line.product.collections),
                        "attributes": {
                            slug: list(values) for slug, values in line.product.attributes.items()
                        },
                        "is_gift_card": line.product.is_gift_card,
                    },
                }
                for line in order.lines
            ],
        },
        "lines": [
            {
                "line_id": request.line_id,
                "quantity": request.quantity,
                "reason": request.reason,
                "resolution": request.resolution,
                "condition": str(request.condition),
            }
            for request in facts.lines
        ],
        "history": {
            "prior_returns_count": facts.history.prior_returns_count,
            "prior_returns_value": str(facts.history.prior_returns_value),
        },
    }
