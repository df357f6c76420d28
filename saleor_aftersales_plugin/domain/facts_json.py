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

The pydantic models below are the one definition of that shape; every value is read by a validator of its own, with no
coercion (``"3"`` is no quantity, ``"no"`` no boolean). Instants are ISO 8601 with an offset (a naive time is an
error) and become UTC. Money is a string or a number and becomes an exact ``Decimal``. Defaults: ``paid_total`` is
``unit_price`` x ``quantity``; ``quantity_fulfilled`` is the line's quantity once the line or order has a fulfilment
or delivery time, else 0; ``customer_id`` null or absent means a guest checkout. Every problem is reported with its
JSON path in :class:`FactsInvalid`: unknown keys of a mapping first, then its fields in the order of the models.
"""

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from . import facts
from .wording import closest, described

__all__ = ["FactsInvalid", "case_facts_from_dict", "case_facts_to_dict", "jsonable", "order_facts_from_dict"]


class FactsInvalid(ValueError):
    """The case data has problems; ``errors`` lists (JSON path, message) pairs in document order."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{path}: {message}" for path, message in errors))


def _problem(message: str, at: tuple[Any, ...] = ()) -> PydanticCustomError:
    """A validation error whose message is ours; ``at`` extends its path below the value being read."""
    return PydanticCustomError("facts", "{message}", {"message": message, "at": at})


# --- values, each read without coercion


def _text(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # ids such as "line_id": 1
    if not isinstance(value, str):
        raise _problem(f"{described(value)} is not text; write a JSON string.")
    return value


def _id(value: Any) -> str:
    text = _text(value)
    if not text.strip():
        raise _problem("Must not be empty.")
    return text


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _whole(minimum: int) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _problem(f"{described(value)} is not a whole number.")
        if value < minimum:
            raise _problem(f"{value} is below {minimum}.")
        return value

    return read


def _amount(value: Any) -> Decimal:
    number: Decimal | None = None
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        number = Decimal(value)
    elif isinstance(value, float) and math.isfinite(value):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite():
        raise _problem(f'{described(value)} is not an amount; write a number or a string such as "19.99".')
    if number < 0:
        raise _problem(f"{described(value)} is negative; amounts are zero or more.")
    return number


def _instant(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _problem(
            f'{described(value)} is not a date and time; write ISO 8601, e.g. "2026-03-01T09:00:00+01:00".'
        )
    try:
        instant = datetime.fromisoformat(value)
    except ValueError:
        raise _problem(
            f'{described(value)} is not ISO 8601; write e.g. "2026-03-01T09:00:00+01:00".'
        ) from None
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise _problem(
            f'{described(value)} has no time zone offset; add one, e.g. "{value}+01:00" or "{value}Z".'
        )
    return instant.astimezone(UTC)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise _problem(f"{described(value)} is not true or false.")
    return value


def _text_list(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _problem(f'{described(value)} is not a list of text, e.g. ["electronics", "tv"].')
    return tuple(value)


def _attribute_values(value: Any) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(item, str) for item in values):
        raise _problem('Give attribute values as a list of text, e.g. ["true"].')
    return tuple(values)


def _currency(value: Any) -> str:
    code = _id(value)
    if len(code) != 3 or not code.isalpha():
        raise _problem(f'{described(code)} is not an ISO 4217 code such as "EUR".')
    return code.upper()


def _choice(options: type[StrEnum], *, required: bool = False) -> Callable[[Any], str]:
    names = [option.value for option in options]

    def read(value: Any) -> str:
        text = _text(value)
        if text not in names and (text or required):
            match = closest(text, names)
            hint = f" Did you mean '{match}'?" if match else ""
            raise _problem(f"{described(text)} is not one of: {', '.join(names)}.{hint}")
        return text

    return read


Text = Annotated[str, PlainValidator(_text)]
Id = Annotated[str, PlainValidator(_id)]
OptionalText = Annotated[str | None, PlainValidator(_optional_text)]
Count = Annotated[int, PlainValidator(_whole(1))]
Number = Annotated[int, PlainValidator(_whole(0))]
Amount = Annotated[Decimal, PlainValidator(_amount)]
Instant = Annotated[datetime, PlainValidator(_instant)]


def _or_null(read: Callable[[Any], Any]) -> PlainValidator:
    """``read``, with null for "not given" (a union with None would report two errors for one bad value)."""
    return PlainValidator(lambda value: None if value is None else read(value))


OptionalNumber = Annotated[int | None, _or_null(_whole(0))]
OptionalInstant = Annotated[datetime | None, _or_null(_instant)]
# Absent means "work it out" (paid_total, quantity_fulfilled); written, they must be values (null is refused).
AmountOrDerived = Annotated[Decimal | None, PlainValidator(_amount)]
NumberOrDerived = Annotated[int | None, PlainValidator(_whole(0))]
Boolean = Annotated[bool, PlainValidator(_boolean)]
TextList = Annotated[tuple[str, ...], PlainValidator(_text_list)]
AttributeValues = Annotated[tuple[str, ...], PlainValidator(_attribute_values)]


# --- the models


class _Mapping(BaseModel):
    """A JSON object: unknown keys are errors (with a suggestion), nothing is coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class ProductIn(_Mapping):
    sku: Text = ""
    product_id: OptionalText = None
    variant_id: OptionalText = None
    product_name: Text = ""
    product_type: Text = ""
    category_path: TextList = ()
    collections: TextList = ()
    attributes: dict[str, AttributeValues] = Field(default_factory=dict)
    is_gift_card: Boolean = False

    @field_validator("attributes", mode="before")
    @classmethod
    def _attribute_mapping(cls, value: Any) -> Any:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise _problem(f"{described(value)} is not a mapping of attribute slugs to values.")
        return value

    def to_facts(self) -> facts.ProductFacts:
        return facts.ProductFacts(**{name: getattr(self, name) for name in type(self).model_fields})


class OrderLineIn(_Mapping):
    line_id: Id
    quantity: Count
    unit_price: Amount
    paid_total: AmountOrDerived = None
    quantity_fulfilled: NumberOrDerived = None
    quantity_returned: Number = 0
    refunded_amount: Amount = Decimal(0)
    fulfilled_at: OptionalInstant = None
    delivered_at: OptionalInstant = None
    quantity_settled: OptionalNumber = None
    product: ProductIn = Field(default_factory=ProductIn)

    @model_validator(mode="after")
    def _settled_among_returned(self) -> "OrderLineIn":
        if self.quantity_settled is not None and self.quantity_settled > self.quantity_returned:
            raise _problem(
                f"quantity_settled is {self.quantity_settled}, more than quantity_returned "
                f"({self.quantity_returned}): the units whose money is settled are among the units returned.",
                ("quantity_settled",),
            )
        return self

    def to_facts(self, order_shipped: bool) -> facts.OrderLineFacts:
        shipped = order_shipped or self.fulfilled_at is not None or self.delivered_at is not None
        return facts.OrderLineFacts(
            line_id=self.line_id,
            product=self.product.to_facts(),
            quantity=self.quantity,
            unit_price=self.unit_price,
            paid_total=self.unit_price * self.quantity if self.paid_total is None else self.paid_total,
            quantity_fulfilled=(self.quantity if shipped else 0)
            if self.quantity_fulfilled is None
            else self.quantity_fulfilled,
            quantity_returned=self.quantity_returned,
            refunded_amount=self.refunded_amount,
            fulfilled_at=self.fulfilled_at,
            delivered_at=self.delivered_at,
            quantity_settled=self.quantity_settled,
        )


class OrderIn(_Mapping):
    order_id: Id
    number: Text = ""
    channel: Id
    currency: Annotated[str, PlainValidator(_currency)]
    created_at: Instant
    total: Amount
    customer_email: Text = ""
    customer_id: OptionalText = None
    shipping_country: Text = ""
    language_code: Text = ""
    fulfilled_at: OptionalInstant = None
    delivered_at: OptionalInstant = None
    policy_version: OptionalNumber = None
    lines: list[OrderLineIn] = Field(min_length=1)

    @field_validator("lines")
    @classmethod
    def _line_ids_once(cls, lines: list[OrderLineIn]) -> list[OrderLineIn]:
        seen: set[str] = set()
        for index, line in enumerate(lines):
            if line.line_id in seen:
                raise _problem(f"Line id '{line.line_id}' appears twice.", (index, "line_id"))
            seen.add(line.line_id)
        return lines

    def to_facts(self) -> facts.OrderFacts:
        shipped = self.fulfilled_at is not None or self.delivered_at is not None
        return facts.OrderFacts(
            order_id=self.order_id,
            number=self.number,
            channel=self.channel,
            currency=self.currency,
            created_at=self.created_at,
            lines=tuple(line.to_facts(shipped) for line in self.lines),
            total=self.total,
            customer_email=self.customer_email,
            customer_id=self.customer_id,
            shipping_country=self.shipping_country.upper(),
            language_code=self.language_code,
            fulfilled_at=self.fulfilled_at,
            delivered_at=self.delivered_at,
            policy_version=self.policy_version,
        )


_LINE_IDS = "line_ids"
"""Validation context key: the order's line ids, for the requests to name."""


def _requested_line(value: Any, info: ValidationInfo) -> str:
    line_id = _id(value)
    known = (info.context or {}).get(_LINE_IDS)
    if known is not None and line_id not in known:
        match = closest(line_id, known)
        hint = f" Did you mean '{match}'?" if match else f" The order has: {', '.join(known)}."
        raise _problem(f"The order has no line '{line_id}'.{hint}")
    return line_id


class RequestIn(_Mapping):
    line_id: Annotated[str, PlainValidator(_requested_line)]
    quantity: Count
    reason: Text = ""
    resolution: Annotated[str, PlainValidator(_choice(facts.Resolution))] = ""
    condition: Annotated[str, PlainValidator(_choice(facts.ItemCondition))] = (
        facts.ItemCondition.UNKNOWN.value
    )

    def to_facts(self) -> facts.LineRequest:
        return facts.LineRequest(self.line_id, self.quantity, self.reason, self.resolution, self.condition)


class HistoryIn(_Mapping):
    prior_returns_count: Number = 0
    prior_returns_value: Amount = Decimal(0)


class CaseIn(_Mapping):
    kind: Annotated[str, PlainValidator(_choice(facts.CaseKind, required=True))]
    now: Instant
    order: OrderIn
    lines: list[RequestIn] = Field(min_length=1)
    history: HistoryIn = Field(default_factory=HistoryIn)

    @field_validator("history", mode="before")
    @classmethod
    def _no_history(cls, value: Any) -> Any:
        return {} if value is None else value

    @model_validator(mode="before")
    @classmethod
    def _order_line_ids(cls, data: Any, info: ValidationInfo) -> Any:
        """The order's line ids as written, for the requests to be checked against (even if the order has other
        problems)."""
        order = data.get("order") if isinstance(data, Mapping) else None
        lines = order.get("lines") if isinstance(order, Mapping) else None
        if isinstance(lines, list) and isinstance(info.context, dict):
            info.context[_LINE_IDS] = [
                str(line["line_id"])
                for line in lines
                if isinstance(line, Mapping)
                and isinstance(line.get("line_id"), str | int)
                and not isinstance(line.get("line_id"), bool)
            ]
        return data

    def to_facts(self) -> facts.CaseFacts:
        history = self.history
        return facts.CaseFacts(
            kind=facts.CaseKind(self.kind),
            order=self.order.to_facts(),
            lines=tuple(request.to_facts() for request in self.lines),
            now=self.now,
            history=facts.CustomerHistory(history.prior_returns_count, history.prior_returns_value),
        )


# --- from pydantic's errors to (path, message), in document order

Model = type[BaseModel]


def _field_model(model: Model | None, key: Any) -> tuple[Model | None, int]:
    """The model of ``key``'s value (or its items) and the key's position among the fields (-1: unknown)."""
    fields = list(model.model_fields) if model is not None else []
    if key not in fields:
        return None, -1
    annotation = model.model_fields[key].annotation  # type: ignore[union-attr]
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate, fields.index(key)
        for item in getattr(candidate, "__args__", ()):  # list[Model]
            if isinstance(item, type) and issubclass(item, BaseModel):
                return item, fields.index(key)
    return None, fields.index(key)


def _rank(root: Model, loc: tuple[Any, ...]) -> tuple[int, ...]:
    """Sort key of an error: unknown keys of a mapping first, then its fields in model order, list items in order."""
    model: Model | None = root
    rank: list[int] = []
    for key in loc:
        if isinstance(key, int):
            rank.append(key)
            continue
        model, position = _field_model(model, key)
        rank.append(position + 1)
    return tuple(rank)


def _message(root: Model, error: Mapping[str, Any]) -> tuple[tuple[Any, ...], str]:
    loc, kind, value, ctx = tuple(error["loc"]), error["type"], error.get("input"), error.get("ctx") or {}
    if "message" in ctx:
        return loc + tuple(ctx.get("at") or ()), str(ctx["message"])
    if kind == "missing":
        return loc, "Required."
    if kind == "extra_forbidden":
        model: Model | None = root
        for key in loc[:-1]:
            if not isinstance(key, int):
                model, _ = _field_model(model, key)
        known = list(model.model_fields) if model is not None else []
        match = closest(str(loc[-1]), known)
        hint = f" Did you mean '{match}'?" if match else f" Known keys: {', '.join(known)}."
        return loc, f"Unknown key {described(loc[-1])}.{hint}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return loc, f"{described(value)} is not a mapping (JSON object)."
    if kind == "list_type":
        return loc, f"{described(value)} is not a list."
    if kind == "too_short":
        return loc, "Must hold at least one line."
    return loc, f"{described(value)} is not valid here."


def _read(root: type[BaseModel], data: Any, path: tuple[Any, ...]) -> Any:
    """``data`` validated as ``root``; :class:`FactsInvalid` with every problem, paths below ``path``."""
    try:
        return root.model_validate(data, context={})
    except ValidationError as invalid:
        located = [_message(root, error) for error in invalid.errors(include_url=False)]
    located.sort(key=lambda item: _rank(root, item[0]))
    raise FactsInvalid([(_path((*path, *loc)), message) for loc, message in located]) from None


def _path(loc: tuple[Any, ...]) -> str:
    """``$.order.lines[0].product.attributes.final-sale``: keys after dots, list positions in brackets."""
    return "$" + "".join(f"[{key}]" if isinstance(key, int) else f".{key}" for key in loc)


def case_facts_from_dict(data: Mapping[str, Any]) -> facts.CaseFacts:
    """Read a case from JSON data; raises :class:`FactsInvalid` listing every problem with its path."""
    return _read(CaseIn, data, ()).to_facts()


def order_facts_from_dict(data: Mapping[str, Any], path: str = "$") -> facts.OrderFacts:
    """Read one order (the ``order`` part of a case), its problems reported below ``path`` (e.g. ``$.order``)."""
    below = tuple(part for part in path.removeprefix("$").split(".") if part)
    return _read(OrderIn, data, below).to_facts()


def jsonable(value: Any) -> Any:
    """Plain data as JSON can hold it: ``Decimal`` as its text, instants as ISO 8601, tuples as lists."""
    if isinstance(value, Mapping):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def case_facts_to_dict(case: facts.CaseFacts) -> dict[str, Any]:
    """The JSON form read by :func:`case_facts_from_dict`: the dataclasses' fields, money as text, instants as
    ISO 8601."""
    return jsonable(asdict(case))
