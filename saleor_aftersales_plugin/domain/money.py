"""Money: ``Decimal`` amounts at their currency's precision, and the arithmetic of refunds.

Precision comes from the CLDR data in babel (JPY 0, EUR 2, KWD 3 decimals); rounding is ``ROUND_HALF_UP`` unless a
policy's ``defaults.rounding`` names another of :data:`ROUNDING_MODES`.
Floats are refused everywhere: build amounts from strings, e.g. ``Decimal("19.99")``.

Functions that split money (``allocate``, ``spread_order_discount``, ``paid_for_units``) work in whole minor
units with exact fractions, so their parts always add up to the whole to the last cent.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from functools import lru_cache
from math import lcm

from babel.numbers import get_currency_precision, is_currency

from ..i18n import format_money
from .facts import OrderLineFacts

__all__ = [
    "ROUNDING_MODES",
    "MissingCurrency",
    "Money",
    "Prices",
    "allocate",
    "attribute_refunds",
    "currency_precision",
    "exact_decimal",
    "has_currency_precision",
    "paid_for_units",
    "quantize",
    "refundable_amount",
    "spread_order_discount",
    "to_decimal",
]


_ZERO = Decimal(0)


@lru_cache(maxsize=256)
def currency_precision(currency: str) -> int:
    """Number of decimals of ``currency`` (an ISO 4217 code such as ``"EUR"``)."""
    if not isinstance(currency, str) or not is_currency(currency):
        hint = ""
        if isinstance(currency, str) and is_currency(currency.strip().upper()):
            hint = f" (did you mean {currency.strip().upper()!r}? codes are upper case)"
        raise ValueError(
            f"Unknown currency {currency!r}{hint}: use an ISO 4217 code such as 'EUR', 'USD', 'JPY' or 'CNY'."
        )
    return get_currency_precision(currency)


def to_decimal(value: Decimal | int, name: str = "amount") -> Decimal:
    """``value`` as a finite ``Decimal``; ``int`` is accepted, ``float`` is not (it cannot hold cents)."""
    if type(value) is Decimal and value.is_finite():  # the common case, answered without the checks below
        return value
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        if isinstance(value, float):
            raise TypeError(
                f"{name} must be a Decimal, not float {value!r}: floats cannot represent money exactly; "
                f"write Decimal({str(value)!r}) instead."
            )
        raise TypeError(f"{name} must be a Decimal (or int), not {type(value).__name__} {value!r}.")
    result = Decimal(value)
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value!r}.")
    return result


def exact_decimal(value: Decimal | int | float | str) -> Decimal:
    """A number as read from JSON or YAML (or decimal text) as an exact ``Decimal``: a float through its shortest
    repr, so 0.1 stays 0.1. For reading documents; arithmetic on money takes :func:`to_decimal`'s strict types."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        return Decimal(value.strip())
    raise TypeError(f"{value!r} is not a number")


@lru_cache(maxsize=256)
def _exponent(currency: str) -> Decimal:
    return Decimal(1).scaleb(-currency_precision(currency))


ROUNDING_MODES: dict[str, str] = {
    "half_up": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "down": ROUND_DOWN,
}
"""Policy rounding names -> ``decimal`` rounding modes (``half_up``: 2.345 -> 2.35; ``half_even``: 2.345 -> 2.34,
2.355 -> 2.36; ``down``: towards zero, 2.349 -> 2.34)."""


def quantize(amount: Decimal | int, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``amount`` rounded (half up unless told) to the precision of ``currency``: ``2.345`` EUR -> ``2.35``."""
    return to_decimal(amount).quantize(_exponent(currency), rounding)


def has_currency_precision(amount: Decimal, currency: str) -> bool:
    """Whether ``amount`` needs no more decimals than ``currency`` has (JPY 4.95: no; EUR 4.95: yes)."""
    return amount == amount.quantize(_exponent(currency), rounding=ROUND_DOWN)


class Prices(Mapping[str, Decimal]):
    """A fixed amount of a policy, written per currency: ``{"USD": Decimal("5.00"), "JPY": Decimal("500")}``.

    It is never converted: an order in a currency that has no amount here gets none (:meth:`in_currency` raises).
    """

    __slots__ = ("_amounts",)

    def __init__(self, amounts: Mapping[str, Decimal | int]) -> None:
        if not amounts:
            raise ValueError("Prices need an amount in at least one currency.")
        checked: dict[str, Decimal] = {}
        for currency, amount in amounts.items():
            value = to_decimal(amount, f"{currency} amount")
            if value < 0 or not has_currency_precision(value, currency):
                raise ValueError(
                    f"{currency} {value} is negative or has more decimals than {currency} allows "
                    f"({currency_precision(currency)})."
                )
            checked[currency] = quantize(value, currency)
        self._amounts = checked

    def __getitem__(self, currency: str) -> Decimal:
        return self._amounts[currency]

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._amounts)

    def __len__(self) -> int:
        return len(self._amounts)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._amounts.items())))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Prices) and self._amounts == other._amounts

    def __repr__(self) -> str:
        return f"Prices({self._amounts!r})"

    def in_currency(self, currency: str) -> Decimal:
        if currency not in self._amounts:
            raise MissingCurrency(currency, tuple(self._amounts))
        return self._amounts[currency]


class MissingCurrency(LookupError):
    """A policy amount has no value in the order's currency; it is never converted."""

    def __init__(self, currency: str, available: tuple[str, ...]) -> None:
        self.currency = currency
        self.available = available
        super().__init__(
            f"The policy gives this amount in {', '.join(available)} but not in {currency}, the order's currency."
        )


def _exact(amount: Decimal | int, currency: str, name: str) -> Decimal:
    """``amount``, checked to need no rounding in ``currency``: splitting money must never lose cents."""
    value = amount if type(amount) is Decimal and amount.is_finite() else to_decimal(amount, name)
    rounded = value.quantize(_exponent(currency), ROUND_HALF_UP)
    if rounded != value:
        raise ValueError(
            f"{name} {value} has more decimals than {currency} allows ({currency_precision(currency)}); "
            f"round it first with quantize({value!r}, {currency!r}) -> {rounded}."
        )
    return rounded


def _to_minor(amount: Decimal, currency: str) -> int:
    return int(amount.scaleb(currency_precision(currency)))


def _from_minor(units: int, currency: str) -> Decimal:
    return Decimal(units).scaleb(-currency_precision(currency)).quantize(_exponent(currency))


def _share_half_up(units: int, numerator: int, denominator: int) -> int:
    """``units * numerator / denominator`` rounded to the nearest integer, halves up; all three are >= 0 (and the
    denominator > 0). Integer arithmetic, exact: floor(x + 1/2) with x = u*k/n is (2*u*k + n) // (2*n)."""
    return (2 * units * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency, already at the currency's precision (round with :func:`quantize` first)."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _exact(self.amount, self.currency, "Money amount"))

    @classmethod
    def zero(cls, currency: str) -> "Money":
        return cls(Decimal(0), currency)

    def _same_currency(self, other: object, operation: str) -> "Money":
        if not isinstance(other, Money):
            raise TypeError(
                f"Cannot {operation} Money and {type(other).__name__}; wrap the amount in Money first."
            )
        if other.currency != self.currency:
            raise ValueError(
                f"Cannot {operation} {self.currency} and {other.currency}: convert to one currency first."
            )
        return other

    def __add__(self, other: "Money") -> "Money":
        return Money(self.amount + self._same_currency(other, "add").amount, self.currency)

    def __sub__(self, other: "Money") -> "Money":
        return Money(self.amount - self._same_currency(other, "subtract").amount, self.currency)

    def __neg__(self) -> "Money":
        return Money(-self.amount, self.currency)

    def __lt__(self, other: "Money") -> bool:
        return self.amount < self._same_currency(other, "compare").amount

    def __le__(self, other: "Money") -> bool:
        return self.amount <= self._same_currency(other, "compare").amount

    def __gt__(self, other: "Money") -> bool:
        return self.amount > self._same_currency(other, "compare").amount

    def __ge__(self, other: "Money") -> bool:
        return self.amount >= self._same_currency(other, "compare").amount

    def format(self, locale: str = "en") -> str:
        """The amount for people, e.g. ``"€1,234.50"`` in ``en``, ``"¥199.00"`` for CNY in ``zh_Hans_CN``."""
        return format_money(self.amount, self.currency, locale)

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def allocate(total: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split ``total`` over ``weights`` proportionally, in minor units, by the largest-remainder method.

    Each part gets the floor of its exact share; the minor units left over go one each to the parts with the
    largest fractional remainders (the earlier part wins a tie). The parts sum exactly to ``total``. All-zero
    weights split equally; a negative total is split like its absolute value and every part negated.
    """
    exact_total = _exact(total, currency, "total")
    if not weights:
        raise ValueError("allocate needs at least one weight to split the total over; got an empty sequence.")
    values = []
    for index, weight in enumerate(weights):
        value = (
            weight
            if type(weight) is Decimal and weight.is_finite()
            else to_decimal(weight, f"weight #{index}")
        )
        if value < 0:
            raise ValueError(f"weight #{index} is {value}: weights must be zero or positive.")
        values.append(value)
    units = _to_minor(exact_total, currency)
    if not units:
        return [_from_minor(0, currency)] * len(values)
    # The weights as integers over one common denominator: exact shares and remainders in integer arithmetic.
    ratios = [value.as_integer_ratio() for value in values]
    common = lcm(*(denominator for _, denominator in ratios))
    whole = [numerator * (common // denominator) for numerator, denominator in ratios]
    if not any(whole):
        whole = [1] * len(weights)

    sign, units = (-1 if units < 0 else 1), abs(units)
    weight_sum = sum(whole)
    parts, remainders = [], []
    for weight in whole:
        part, remainder = divmod(units * weight, weight_sum)
        parts.append(part)
        remainders.append(remainder)
    left_over = units - sum(parts)
    if left_over:
        by_remainder = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
        for index in by_remainder[:left_over]:
            parts[index] += 1
    return [_from_minor(sign * part, currency) for part in parts]


def spread_order_discount(line_totals: Sequence[Decimal], discount: Decimal, currency: str) -> list[Decimal]:
    """What was paid per line once an order-level ``discount`` is spread over lines in proportion to totals.

    No line goes below zero and the result sums exactly to ``sum(line_totals) - discount``.
    """
    totals = [_exact(total, currency, f"line total #{index}") for index, total in enumerate(line_totals)]
    for index, total in enumerate(totals):
        if total < 0:
            raise ValueError(f"line total #{index} is {total}: line totals must be zero or positive.")
    exact_discount = _exact(discount, currency, "discount")
    if exact_discount < 0:
        raise ValueError(f"discount is {exact_discount}: pass the discount as a positive amount to subtract.")
    if exact_discount > sum(totals, Decimal(0)):
        raise ValueError(
            f"discount {exact_discount} exceeds the lines' total {sum(totals, Decimal(0))}: "
            "an order-level discount can at most make the order free."
        )
    if not totals:
        return []
    # Weighting by line totals keeps each share <= its line: floor/ceil of d*t/T never exceeds t if d <= T.
    shares = allocate(exact_discount, totals, currency)
    return [total - share for total, share in zip(totals, shares, strict=True)]


def _check_count(value: int, name: str) -> int:
    if type(value) is int:
        return value
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__} {value!r}.")
    return value


def paid_for_units(
    line_paid_total: Decimal,
    line_quantity: int,
    quantity: int,
    currency: str,
    already_counted: int = 0,
) -> Decimal:
    """The share of a line's paid total for ``quantity`` units, after ``already_counted`` units.

    Computed as ``q(total * (already + quantity) / n) - q(total * already / n)``: cumulative rounding, so
    however the units are split over partial returns, the parts add up exactly to the line's paid total.
    """
    paid = _exact(line_paid_total, currency, "line_paid_total")
    if paid < 0:
        raise ValueError(f"line_paid_total is {paid}: what a customer paid cannot be negative.")
    n = _check_count(line_quantity, "line_quantity")
    count = _check_count(quantity, "quantity")
    already = _check_count(already_counted, "already_counted")
    if n < 1:
        raise ValueError(f"line_quantity is {n}: a line has at least one unit.")
    if already < 0 or count < 0:
        raise ValueError(f"quantity ({count}) and already_counted ({already}) must be zero or positive.")
    if already + count > n:
        raise ValueError(
            f"Cannot count {count} more unit(s) of a {n}-unit line after {already} were already counted: "
            f"at most {n - already} remain."
        )
    return _paid_share(paid, n, count, already, currency)


def _paid_share(paid: Decimal, n: int, count: int, already: int, currency: str) -> Decimal:
    """:func:`paid_for_units` on checked arguments (``paid`` exact in ``currency`` and >= 0)."""
    precision = currency_precision(currency)
    units = int(paid.scaleb(precision))
    share = _share_half_up(units, already + count, n) - _share_half_up(units, already, n)
    return Decimal(share).scaleb(-precision).quantize(_exponent(currency))


def refundable_amount(line: OrderLineFacts, quantity: int, currency: str) -> Decimal:
    """What may be refunded for ``quantity`` more units of ``line``.

    The units' share of the paid total (the units whose money is settled counted first: ``quantity_settled``, else
    all units already returned), but never more than what is left after the line's earlier refunds, and never below
    zero. Availability counts every unit returned or held (``quantity_returned``); the position counts only settled
    ones, so cases open at once on one line are each priced by what was settled before them, and the line's last
    units settled get exactly what is left of what was paid.
    """
    count = _check_count(quantity, "quantity")
    if line.quantity_returned < 0 or line.quantity_returned > line.quantity:
        raise ValueError(
            f"Line {line.line_id!r} has quantity_returned {line.quantity_returned}, "
            f"outside 0..{line.quantity}."
        )
    remaining = line.quantity - line.quantity_returned
    if remaining == 0:
        raise ValueError(
            f"Line {line.line_id!r} has no units left to return: all {line.quantity} are returned."
        )
    if not 1 <= count <= remaining:
        raise ValueError(
            f"Cannot return {count} unit(s) of line {line.line_id!r}: {remaining} of {line.quantity} remain, "
            f"so ask for 1 to {remaining}."
        )
    refunded = _exact(line.refunded_amount, currency, "refunded_amount")
    if refunded < 0:
        raise ValueError(
            f"Line {line.line_id!r} has refunded_amount {refunded}: it must be zero or positive."
        )
    paid = _exact(line.paid_total, currency, "line_paid_total")
    if paid < 0:
        raise ValueError(f"line_paid_total is {paid}: what a customer paid cannot be negative.")
    n = _check_count(line.quantity, "line_quantity")
    already = _check_count(line.quantity_returned, "already_counted")
    if line.quantity_settled is not None:
        already = _check_count(line.quantity_settled, "quantity_settled")
        if not 0 <= already <= line.quantity_returned:
            raise ValueError(
                f"Line {line.line_id!r} has quantity_settled {already}, outside 0..{line.quantity_returned} "
                "(its units returned or held)."
            )
    # 0 <= already <= quantity_returned < n and 1 <= count <= n - quantity_returned are checked above.
    share = _paid_share(paid, n, count, already, currency)
    return max(min(share, paid - refunded), _ZERO).quantize(_exponent(currency))


def attribute_refunds(
    paid: Sequence[Decimal],
    line_refunds: Sequence[Decimal],
    order_refunds: Decimal,
    currency: str,
) -> list[Decimal]:
    """What counts as refunded on each line, given each line's own refunds and refunds made for the whole order.

    The rule (documented in docs, property-tested): a line's own refunds count up to what was paid for it; the pool
    of order-level refunds plus any line refund above its line's paid amount is spread over the lines in proportion
    to the room each still has (paid - its own refunds), by largest remainder in minor units, so no line ever goes
    above its paid amount; what exceeds the room of all lines together (e.g. a refunded shipping fee) counts on no
    line. Every amount is counted once: the result never sums to more than the refunds it was given.
    """
    paid_exact = [_exact(quantize(value, currency), currency, f"paid #{i}") for i, value in enumerate(paid)]
    own = [quantize(value, currency) for value in line_refunds]
    if len(own) != len(paid_exact):
        raise ValueError(f"{len(paid_exact)} paid amounts but {len(own)} line refunds: give one per line.")
    pool = max(quantize(order_refunds, currency), Decimal(0))
    counted = []
    for index, (line_paid, line_own) in enumerate(zip(paid_exact, own, strict=True)):
        if line_paid < 0 or line_own < 0:
            raise ValueError(
                f"line #{index}: paid {line_paid} and refunds {line_own} must be zero or positive."
            )
        counted.append(min(line_own, line_paid))
        pool += line_own - counted[-1]
    rooms = [line_paid - line_counted for line_paid, line_counted in zip(paid_exact, counted, strict=True)]
    spread = min(pool, sum(rooms, Decimal(0)))
    if spread <= 0:
        return [value.quantize(_exponent(currency)) for value in counted]
    shares = allocate(spread, rooms, currency)
    return [line_counted + share for line_counted, share in zip(counted, shares, strict=True)]
