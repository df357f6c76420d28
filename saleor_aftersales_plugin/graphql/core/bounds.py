"""Bounds of every argument, checked before any resolver runs, each refusal INVALID on the argument's path.

Texts: no NUL characters and no unpaired surrogates (PostgreSQL stores neither), at most :data:`MAX_TEXT`
characters, or the larger bound of :data:`TEXT_LIMITS` for free texts and policy documents. Lists: at most
:data:`MAX_LIST_ITEMS` entries. Amounts (``Decimal``): finite and below :data:`MAX_AMOUNT`; whether an amount fits
its currency's precision is checked where the currency is known (:func:`amount_in`). Instants (``DateTime``): a
time-zone offset of at most :data:`MAX_UTC_OFFSET` either way (the world's range; PostgreSQL stores no more) and a
year between 1 and 9999 in UTC.
"""

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from graphene.utils.str_converters import to_camel_case

from ...domain.money import currency_precision, quantize
from ...services import ServiceError

__all__ = ["ArgumentBounds", "MAX_AMOUNT", "MAX_LIST_ITEMS", "MAX_TEXT", "TEXT_LIMITS", "amount_in"]

MAX_TEXT = 255
LONG_TEXT = 5_000
DOCUMENT_TEXT = 200_000
URL_TEXT = 2_048
MAX_LIST_ITEMS = 200
MAX_AMOUNT = Decimal("1000000000000")
"""Amounts are below one trillion (in the currency's major unit)."""

MAX_UTC_OFFSET = timedelta(hours=14)
"""Instants carry a time-zone offset between -14:00 and +14:00."""

TEXT_LIMITS = {
    "comment": LONG_TEXT,
    "message": LONG_TEXT,
    "overrideReason": LONG_TEXT,
    "photoUrls": URL_TEXT,
    "policy": DOCUMENT_TEXT,
    "draft": DOCUMENT_TEXT,
}
"""Argument name -> its longest text; every other text is at most :data:`MAX_TEXT` characters."""

FREE_TEXT_REASONS = frozenset({"caseDecline", "caseEscalate", "caseResolve", "returnRequestCancel"})
"""Operations whose ``reason`` is a message to read, not a reason code."""


def _invalid(path: str, message: str) -> ServiceError:
    return ServiceError(message, code="invalid", field=path)


def _check_text(operation: str, name: str, path: str, value: str) -> None:
    if "\x00" in value:
        raise _invalid(path, f"{path} contains a NUL character; remove it.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _invalid(
            path, f"{path} contains an unpaired surrogate, which is not text; send UTF-8."
        ) from None
    limit = TEXT_LIMITS.get(name, MAX_TEXT)
    if name == "reason" and operation in FREE_TEXT_REASONS:
        limit = LONG_TEXT
    if len(value) > limit:
        raise _invalid(path, f"{path} is at most {limit} characters long, got {len(value)}.")


def _check_amount(path: str, value: Decimal) -> None:
    if not value.is_finite():
        raise _invalid(path, f"{path} must be a finite number, got {value}.")
    if value.copy_abs() >= MAX_AMOUNT:  # copy_abs: abs() rounds in the context, which overflows on 1E+1000000
        raise _invalid(path, f"{path} must be below {MAX_AMOUNT:,}, got {value:E}.")


def _check_instant(path: str, value: datetime) -> None:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise _invalid(
            path, f"{path} has the time-zone offset {value:%z}; offsets are between -14:00 and +14:00."
        )
    try:
        value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise _invalid(path, f"{path} {value.isoformat()} is outside the years 1 to 9999 in UTC.") from None


def check_arguments(operation: str, arguments: Mapping[str, Any]) -> None:
    """Raise INVALID for the first argument out of bounds; iterative, so deep inputs cannot overflow the stack."""
    stack: list[tuple[str, str, Any]] = [
        (to_camel_case(name), to_camel_case(name), value) for name, value in arguments.items()
    ]
    while stack:
        name, path, value = stack.pop()
        if isinstance(value, str):
            _check_text(operation, name, path, value)
        elif isinstance(value, Decimal):
            _check_amount(path, value)
        elif isinstance(value, datetime):
            _check_instant(path, value)
        elif isinstance(value, Mapping):
            stack.extend(
                (to_camel_case(key), f"{path}.{to_camel_case(key)}", item) for key, item in value.items()
            )
        elif isinstance(value, list | tuple):
            if len(value) > MAX_LIST_ITEMS:
                raise _invalid(path, f"{path} has at most {MAX_LIST_ITEMS} entries, got {len(value)}.")
            stack.extend((name, f"{path}.{index}", item) for index, item in enumerate(value))


def amount_in(value: Decimal | None, currency: str, field: str) -> Decimal | None:
    """``value`` if it needs no rounding in ``currency`` (0.001 EUR is refused, not silently made 0.00)."""
    if value is None:
        return None
    if quantize(value, currency) != value:
        places = currency_precision(currency)
        raise _invalid(
            field, f"{field} {value} has more decimals than {currency} allows ({places}); round it first."
        )
    return value


class ArgumentBounds:
    """GraphQL middleware: checks the arguments of each root field (queries and mutations) before it resolves."""

    def resolve(self, next_resolver: Any, root: Any, info: Any, **arguments: Any) -> Any:
        if arguments and len(info.path) == 1:
            check_arguments(info.field_name, arguments)
        return next_resolver(root, info, **arguments)
