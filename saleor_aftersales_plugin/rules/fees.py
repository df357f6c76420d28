"""Fee math: from what is refundable per line and the fees in force to the settlement of a case.

How :func:`settle` computes, step by step:

1. Every amount is quantized to the currency's precision: refundable amounts, fixed fees, caps and each computed
   percentage, with the policy's rounding (``defaults.rounding``: ``half_up`` unless set), line by line. Fixed fees
   and caps are written per currency (:class:`~..domain.money.Prices`) and taken in the order's currency, never
   converted: an order in a currency they have no amount for raises :class:`~..domain.money.MissingCurrency`.
2. Line fees, line by line, each line's fees in the order given. A percent fee is ``amount`` % of the line's
   refundable amount; a fixed fee is ``amount`` once for the line. Each fee is clipped by its own ``cap``,
   then by what remains of the line after its earlier fees: a line never goes below zero.
3. Case fees, in the order given. A percent fee is ``amount`` % of the whole case's refundable amount
   (``gross``); a fixed fee is ``amount`` once for the case. Each is clipped by its own ``cap``, then by what
   remains of the case after all earlier fees.
4. The :class:`FeeCap` bounds the total of all fees: by ``amount``, by ``percent`` % of ``gross``, or by the
   lower of the two when both are set. The excess is taken back from the last charges first (case fees, then
   line fees in reverse order).
5. Charges that end at zero are dropped. ``fees_total`` is the sum of the charges;
   ``net = gross - fees_total`` and is never negative.
6. ``net_by_line``: each line's refundable amount minus its own line fees, minus its share of the case fees,
   which are spread over the lines in proportion to what each line has left (largest-remainder allocation, so
   no line goes below zero and ``sum(net_by_line.values()) == net`` exactly).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType

from ..domain.money import Prices, allocate, currency_precision, quantize, to_decimal

__all__ = ["FeeCap", "FeeCharge", "FeeKind", "FeeScope", "FeeSpec", "Settlement", "settle"]

_HUNDRED = Decimal(100)


class FeeKind(StrEnum):
    PERCENT = "percent"
    FIXED = "fixed"


class FeeScope(StrEnum):
    LINE = "line"
    CASE = "case"


def _non_negative(value: Decimal | int, name: str) -> Decimal:
    result = to_decimal(value, name)
    if result < 0:
        raise ValueError(f"{name} is {result}: it must be zero or positive.")
    return result


def _money(value: "Decimal | int | Prices", name: str) -> "Decimal | Prices":
    return value if isinstance(value, Prices) else _non_negative(value, name)


def _in_currency(value: "Decimal | Prices", currency: str) -> Decimal:
    return value.in_currency(currency) if isinstance(value, Prices) else value


def _percentage(value: Decimal | int, name: str) -> Decimal:
    result = _non_negative(value, name)
    if result > _HUNDRED:
        raise ValueError(f"{name} is {result} %: a percentage must be between 0 and 100.")
    return result


@dataclass(frozen=True, slots=True)
class FeeSpec:
    """A fee in force: ``amount`` is a percentage (15 = 15 %) for PERCENT, money for FIXED.

    PERCENT is taken of the refundable amount of the line (LINE scope) or of the whole case (CASE scope);
    FIXED is charged once per line or once per case. ``cap`` bounds this one fee. Money is either a plain amount
    (already in the order currency) or :class:`Prices` per currency, resolved by :meth:`in_currency`.
    """

    code: str
    kind: FeeKind
    amount: "Decimal | Prices"
    scope: FeeScope = FeeScope.LINE
    cap: "Decimal | Prices | None" = None
    rule_id: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not self.code.strip():
            raise ValueError(f"Fee code {self.code!r} must be a non-empty string such as 'restocking'.")
        try:
            kind, scope = FeeKind(self.kind), FeeScope(self.scope)
        except ValueError as error:
            raise ValueError(
                f"Fee {self.code!r}: kind must be one of {[k.value for k in FeeKind]} and scope one of "
                f"{[s.value for s in FeeScope]}, got kind {self.kind!r} and scope {self.scope!r}."
            ) from error
        object.__setattr__(self, "kind", kind)
        object.__setattr__(self, "scope", scope)
        if kind is FeeKind.PERCENT:
            amount = _percentage(self.amount, f"Fee {self.code!r} percentage")  # type: ignore[arg-type]
        else:
            amount = _money(self.amount, f"Fee {self.code!r} amount")
        object.__setattr__(self, "amount", amount)
        if self.cap is not None:
            object.__setattr__(self, "cap", _money(self.cap, f"Fee {self.code!r} cap"))

    def in_currency(self, currency: str) -> "FeeSpec":
        """This fee with its money in ``currency``; :class:`MissingCurrency` when the policy gives none."""
        amount = self.amount if self.kind is FeeKind.PERCENT else _in_currency(self.amount, currency)
        cap = None if self.cap is None else _in_currency(self.cap, currency)
        if amount is self.amount and cap is self.cap:
            return self
        return replace(self, amount=amount, cap=cap)


@dataclass(frozen=True, slots=True)
class FeeCap:
    """A bound on the total fees of a case: an amount, a percentage of the gross, or the lower of both."""

    amount: "Decimal | Prices | None" = None
    percent: Decimal | None = None

    def __post_init__(self) -> None:
        if self.amount is not None:
            object.__setattr__(self, "amount", _money(self.amount, "Fee cap amount"))
        if self.percent is not None:
            object.__setattr__(self, "percent", _percentage(self.percent, "Fee cap percent"))

    def in_currency(self, currency: str) -> "FeeCap":
        """This cap with its amount in ``currency``; :class:`MissingCurrency` when the policy gives none."""
        if not isinstance(self.amount, Prices):
            return self
        return replace(self, amount=self.amount.in_currency(currency))

    def limit(self, gross: Decimal, currency: str, rounding: str = ROUND_HALF_UP) -> Decimal | None:
        """The most the fees of a case refunding ``gross`` may total, or None when unbounded."""
        bounds = []
        if self.amount is not None:
            bounds.append(quantize(_in_currency(self.amount, currency), currency, rounding))
        if self.percent is not None:
            bounds.append(quantize(gross * self.percent / _HUNDRED, currency, rounding))
        return min(bounds) if bounds else None


@dataclass(frozen=True, slots=True)
class FeeCharge:
    """One fee actually charged; ``line_id`` is None for a case-level fee."""

    code: str
    amount: Decimal
    rule_id: str
    line_id: str | None


@dataclass(frozen=True, slots=True)
class Settlement:
    """The money of a case: ``gross`` refundable, the fees charged, and the ``net`` paid back."""

    currency: str
    gross: Decimal
    charges: tuple[FeeCharge, ...]
    fees_total: Decimal
    net: Decimal
    net_by_line: Mapping[str, Decimal]


def _fee_amount(spec: FeeSpec, base: Decimal, currency: str, rounding: str) -> Decimal:
    spec = spec.in_currency(currency)
    raw = base * spec.amount / _HUNDRED if spec.kind is FeeKind.PERCENT else spec.amount
    amount = quantize(raw, currency, rounding)  # type: ignore[arg-type]
    if spec.cap is not None:
        amount = min(amount, quantize(spec.cap, currency, rounding))  # type: ignore[arg-type]
    return amount


def settle(
    currency: str,
    refundable_by_line: Mapping[str, Decimal],
    line_fees: Mapping[str, Sequence[FeeSpec]],
    case_fees: Sequence[FeeSpec],
    cap: FeeCap | None = None,
    rounding: str = ROUND_HALF_UP,
) -> Settlement:
    """Apply the fees to what is refundable per line; the module docstring documents the math.

    ``rounding`` is a ``decimal`` rounding mode (see :data:`~..domain.money.ROUNDING_MODES`).
    """
    currency_precision(currency)
    zero = quantize(Decimal(0), currency)
    refundable: dict[str, Decimal] = {}
    for line_id, amount in refundable_by_line.items():
        value = quantize(amount, currency)
        if value < 0:
            raise ValueError(
                f"Refundable amount of line {line_id!r} is {value}: it must be zero or positive."
            )
        refundable[line_id] = value
    for line_id, specs in line_fees.items():
        if line_id not in refundable:
            raise ValueError(
                f"line_fees names line {line_id!r}, which is not in refundable_by_line "
                f"({sorted(refundable) or 'no lines'}): only charge fees on lines being refunded."
            )
        for spec in specs:
            if spec.scope is not FeeScope.LINE:
                raise ValueError(
                    f"Fee {spec.code!r} has scope {spec.scope.value!r} but was given for line {line_id!r}: "
                    "pass case-scoped fees in case_fees."
                )
    for spec in case_fees:
        if spec.scope is not FeeScope.CASE:
            raise ValueError(
                f"Fee {spec.code!r} has scope {spec.scope.value!r} but was given in case_fees: "
                "pass line-scoped fees in line_fees under their line's id."
            )
    if cap is not None and not isinstance(cap, FeeCap):
        raise ValueError(f"cap must be a FeeCap or None, got {type(cap).__name__}.")

    gross = sum(refundable.values(), zero)
    charges: list[FeeCharge] = []
    left_by_line = dict(refundable)
    for line_id, specs in line_fees.items():
        for spec in specs:
            amount = min(_fee_amount(spec, refundable[line_id], currency, rounding), left_by_line[line_id])
            left_by_line[line_id] -= amount
            charges.append(FeeCharge(spec.code, amount, spec.rule_id, line_id))
    left_in_case = sum(left_by_line.values(), zero)
    for spec in case_fees:
        amount = min(_fee_amount(spec, gross, currency, rounding), left_in_case)
        left_in_case -= amount
        charges.append(FeeCharge(spec.code, amount, spec.rule_id, None))

    limit = cap.limit(gross, currency, rounding) if cap is not None else None
    excess = sum((charge.amount for charge in charges), zero) - limit if limit is not None else zero
    for index in reversed(range(len(charges))):
        if excess <= 0:
            break
        taken = min(charges[index].amount, excess)
        charges[index] = replace(charges[index], amount=charges[index].amount - taken)
        excess -= taken

    final = []
    fees_total = case_total = zero
    net_after_line_fees = dict(refundable)
    for charge in charges:
        if charge.amount:
            final.append(charge)
            fees_total += charge.amount
            if charge.line_id is None:
                case_total += charge.amount
            else:
                net_after_line_fees[charge.line_id] -= charge.amount
    net_by_line: dict[str, Decimal] = {}
    if net_after_line_fees and not case_total:  # no case fee to spread: allocate would give each line zero
        net_by_line = {line_id: net - zero for line_id, net in net_after_line_fees.items()}
    elif net_after_line_fees:
        line_ids = list(net_after_line_fees)
        shares = allocate(case_total, [net_after_line_fees[i] for i in line_ids], currency)
        net_by_line = {
            line_id: net_after_line_fees[line_id] - share
            for line_id, share in zip(line_ids, shares, strict=True)
        }
    return Settlement(
        currency=currency,
        gross=gross,
        charges=tuple(final),
        fees_total=fees_total,
        net=gross - fees_total,
        net_by_line=MappingProxyType(net_by_line),
    )
