"""Money: precision, rounding, allocation and the refund arithmetic of partial returns."""

from decimal import Decimal
from fractions import Fraction
from math import floor

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_aftersales_plugin.domain.facts import OrderLineFacts, ProductFacts
from saleor_aftersales_plugin.domain.money import (
    Money,
    allocate,
    currency_precision,
    paid_for_units,
    quantize,
    refundable_amount,
    spread_order_discount,
)

D = Decimal
CURRENCIES = ("JPY", "EUR", "KWD")


def minor_amounts(currency: str, max_units: int = 10_000_000) -> st.SearchStrategy[Decimal]:
    """Non-negative amounts already at the currency's precision."""
    precision = currency_precision(currency)
    return st.integers(0, max_units).map(
        lambda units: D(units).scaleb(-precision).quantize(D(1).scaleb(-precision))
    )


@st.composite
def paid_lines(draw: st.DrawFn, max_quantity: int) -> tuple[str, Decimal, int]:
    """A currency, what a line of 1 to ``max_quantity`` units was paid in it, and that quantity."""
    currency = draw(st.sampled_from(CURRENCIES))
    return currency, draw(minor_amounts(currency)), draw(st.integers(1, max_quantity))


def line(paid: str, quantity: int, returned: int = 0, refunded: str = "0") -> OrderLineFacts:
    return OrderLineFacts(
        line_id="L1",
        product=ProductFacts(sku="SKU-1"),
        quantity=quantity,
        unit_price=D(paid) / quantity,
        paid_total=D(paid),
        quantity_fulfilled=quantity,
        quantity_returned=returned,
        refunded_amount=D(refunded),
    )


# --- precision and rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "precision"), [("JPY", 0), ("EUR", 2), ("KWD", 3), ("CNY", 2), ("USD", 2)]
)
def test_currency_precision_comes_from_cldr(currency, precision):
    assert currency_precision(currency) == precision


def test_unknown_currency_is_named_in_the_error():
    with pytest.raises(ValueError, match="'ABC'.*ISO 4217"):
        currency_precision("ABC")


def test_lower_case_currency_gets_a_hint():
    with pytest.raises(ValueError, match="did you mean 'EUR'"):
        currency_precision("eur")


@pytest.mark.parametrize(
    ("amount", "currency", "expected"),
    [
        ("2.345", "EUR", "2.35"),
        ("2.344", "EUR", "2.34"),
        ("-2.345", "EUR", "-2.35"),
        ("199.5", "JPY", "200"),
        ("0.0005", "KWD", "0.001"),
        ("10", "KWD", "10.000"),
    ],
)
def test_quantize_rounds_half_up_to_the_currency(amount, currency, expected):
    result = quantize(D(amount), currency)
    assert result == D(expected)
    assert str(result) == expected


def test_quantize_refuses_float():
    with pytest.raises(TypeError, match=r"not float.*Decimal\('19.99'\)"):
        quantize(19.99, "EUR")  # type: ignore[arg-type]


def test_quantize_refuses_nan():
    with pytest.raises(ValueError, match="finite"):
        quantize(D("NaN"), "EUR")


# --- Money --------------------------------------------------------------------------------------------------


def test_money_arithmetic_and_comparison():
    a, b = Money(D("10.50"), "EUR"), Money(D("0.75"), "EUR")
    assert a + b == Money(D("11.25"), "EUR")
    assert a - b == Money(D("9.75"), "EUR")
    assert b < a and a > b and a >= a and b <= b
    assert Money.zero("KWD") == Money(D("0.000"), "KWD")
    assert str(Money.zero("KWD").amount) == "0.000"


def test_money_refuses_mixed_currencies():
    with pytest.raises(ValueError, match="EUR and USD"):
        Money(D(1), "EUR") + Money(D(1), "USD")
    with pytest.raises(ValueError, match="compare EUR and USD"):
        assert Money(D(1), "EUR") < Money(D(1), "USD")


def test_money_refuses_amounts_finer_than_the_currency():
    with pytest.raises(ValueError, match=r"JPY allows \(0\).*quantize"):
        Money(D("1.5"), "JPY")


def test_money_refuses_float():
    with pytest.raises(TypeError, match="float"):
        Money(1.5, "EUR")  # type: ignore[arg-type]


def test_money_format_in_several_locales():
    assert Money(D("199.00"), "CNY").format("zh_Hans_CN") == "¥199.00"
    assert Money(D("1234.50"), "EUR").format("en") == "€1,234.50"
    assert Money(D("1234.50"), "EUR").format("de_DE") == "1.234,50\xa0€"
    assert Money(D("1500"), "JPY").format("en") == "¥1,500"


def test_money_format_rejects_unknown_locale():
    with pytest.raises(ValueError, match="'xx' is not a known language tag"):
        Money(D(1), "EUR").format("xx")


# --- allocate -----------------------------------------------------------------------------------------------


def test_allocate_gives_leftover_cents_to_largest_remainders():
    assert allocate(D("100.00"), [D(1), D(1), D(1)], "EUR") == [D("33.34"), D("33.33"), D("33.33")]
    # 10 JPY over 1:2:3 -> 1.67, 3.33, 5 -> floors 1, 3, 5; one yen left goes to the .67 remainder.
    assert allocate(D(10), [D(1), D(2), D(3)], "JPY") == [D(2), D(3), D(5)]


def test_allocate_splits_equally_when_all_weights_are_zero():
    assert allocate(D("0.05"), [D(0), D(0)], "EUR") == [D("0.03"), D("0.02")]


def test_allocate_negative_total_mirrors_positive():
    assert allocate(D("-10"), [D(1), D(2)], "JPY") == [D(-3), D(-7)]


def test_allocate_rejects_bad_input():
    with pytest.raises(ValueError, match="weight #1 is -1"):
        allocate(D(10), [D(1), D(-1)], "EUR")
    with pytest.raises(ValueError, match="at least one weight"):
        allocate(D(10), [], "EUR")
    with pytest.raises(ValueError, match="more decimals than EUR"):
        allocate(D("1.001"), [D(1)], "EUR")


@given(
    currency=st.sampled_from(CURRENCIES),
    data=st.data(),
    weights=st.lists(st.integers(0, 10**6).map(D), min_size=1, max_size=12),
)
def test_allocate_parts_sum_exactly(currency, data, weights):
    total = data.draw(minor_amounts(currency))
    parts = allocate(total, weights, currency)
    assert sum(parts) == total
    assert all(part >= 0 for part in parts)
    assert all(part == quantize(part, currency) for part in parts)
    if any(weights):
        assert all(part == 0 for part, weight in zip(parts, weights) if weight == 0)


def _allocate_with_fractions(total: Decimal, weights: list[Decimal], currency: str) -> list[Decimal]:
    """The largest-remainder split computed the slow, obvious way, with exact fractions: the oracle for allocate."""
    precision = currency_precision(currency)
    units = int(total.scaleb(precision))
    sign, units = (-1 if units < 0 else 1), abs(units)
    exact = [Fraction(weight) for weight in weights]
    if not any(exact):
        exact = [Fraction(1)] * len(weights)
    shares = [units * weight / sum(exact) for weight in exact]
    parts = [floor(share) for share in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for index in by_remainder[: units - sum(parts)]:
        parts[index] += 1
    return [quantize(D(sign * part).scaleb(-precision), currency) for part in parts]


@given(
    currency=st.sampled_from(CURRENCIES),
    data=st.data(),
    weights=st.lists(
        st.tuples(st.integers(0, 10**9), st.integers(-4, 3)).map(lambda w: D(w[0]).scaleb(w[1])),
        min_size=1,
        max_size=12,
    ),
    negative=st.booleans(),
)
def test_allocate_equals_the_split_computed_with_fractions(currency, data, weights, negative):
    # Weights of mixed decimal places (and zeros) put the integer arithmetic's common denominator to work.
    total = data.draw(minor_amounts(currency))
    total = -total if negative else total
    parts = allocate(total, weights, currency)
    assert parts == _allocate_with_fractions(total, weights, currency)
    assert [str(part) for part in parts] == [
        str(part) for part in _allocate_with_fractions(total, weights, currency)
    ]


# --- spread_order_discount ----------------------------------------------------------------------------------


def test_spread_order_discount_worked_example():
    # 3.00 off 30.01: shares 0.9997, 1.9993, 0.0009 of a euro -> 1.00, 2.00, 0.00.
    assert spread_order_discount([D("10.00"), D("20.00"), D("0.01")], D("3.00"), "EUR") == [
        D("9.00"),
        D("18.00"),
        D("0.01"),
    ]


def test_spread_order_discount_rejects_too_large_discount():
    with pytest.raises(ValueError, match="exceeds the lines' total 3.00"):
        spread_order_discount([D("1.00"), D("2.00")], D("3.01"), "EUR")
    with pytest.raises(ValueError, match="positive amount"):
        spread_order_discount([D("1.00")], D("-1.00"), "EUR")


@given(currency=st.sampled_from(CURRENCIES), data=st.data())
def test_spread_order_discount_sums_exactly_and_never_goes_negative(currency, data):
    totals = data.draw(st.lists(minor_amounts(currency, 100_000), min_size=1, max_size=10))
    discount_units = data.draw(st.integers(0, int(sum(totals).scaleb(currency_precision(currency)))))
    discount = D(discount_units).scaleb(-currency_precision(currency))
    paid = spread_order_discount(totals, discount, currency)
    assert sum(paid) == sum(totals) - discount
    assert all(0 <= p <= t for p, t in zip(paid, totals))


# --- paid_for_units and refundable_amount -------------------------------------------------------------------


def test_paid_for_units_rounds_cumulatively():
    # 10.00 over 3 units: cumulative 3.33, 6.67, 10.00 -> 3.33, 3.34, 3.33.
    assert [paid_for_units(D("10.00"), 3, 1, "EUR", already) for already in range(3)] == [
        D("3.33"),
        D("3.34"),
        D("3.33"),
    ]
    assert paid_for_units(D("10.00"), 3, 3, "EUR") == D("10.00")
    assert paid_for_units(D("100"), 3, 2, "JPY") == D(67)


@given(paid_lines(max_quantity=40), st.data())
def test_paid_for_units_equals_cumulative_half_up_rounding_of_exact_shares(paid_line, data):
    currency, paid, quantity = paid_line
    already = data.draw(st.integers(0, quantity))
    count = data.draw(st.integers(0, quantity - already))
    precision = currency_precision(currency)

    def rounded_share(units: int) -> int:  # half up, with exact fractions
        return floor(Fraction(int(paid.scaleb(precision))) * units / quantity + Fraction(1, 2))

    expected = quantize(
        D(rounded_share(already + count) - rounded_share(already)).scaleb(-precision), currency
    )
    result = paid_for_units(paid, quantity, count, currency, already)
    assert result == expected
    assert str(result) == str(expected)


def test_paid_for_units_rejects_counting_too_many_units():
    with pytest.raises(ValueError, match="at most 1 remain"):
        paid_for_units(D("10.00"), 3, 2, "EUR", already_counted=2)


@given(paid_lines(max_quantity=40), st.data())
def test_partial_returns_in_any_split_add_up_to_the_line(paid_line, data):
    currency, paid, quantity = paid_line
    sizes = []
    left = quantity
    while left:
        size = data.draw(st.integers(1, left))
        sizes.append(size)
        left -= size
    counted, parts = 0, []
    for size in sizes:
        parts.append(paid_for_units(paid, quantity, size, currency, counted))
        counted += size
    assert sum(parts) == paid
    assert all(part >= 0 for part in parts)


def test_refundable_amount_counts_earlier_returned_units_first():
    assert refundable_amount(line("10.00", 3), 1, "EUR") == D("3.33")
    assert refundable_amount(line("10.00", 3, returned=1, refunded="3.33"), 1, "EUR") == D("3.34")
    assert refundable_amount(line("10.00", 3, returned=2, refunded="6.67"), 1, "EUR") == D("3.33")


def test_refundable_amount_is_limited_by_earlier_refunds():
    # A goodwill refund of 9.00 outside the plugin leaves only 1.00 of the line.
    assert refundable_amount(line("10.00", 3, refunded="9.00"), 1, "EUR") == D("1.00")
    assert refundable_amount(line("10.00", 3, refunded="10.00"), 2, "EUR") == D("0.00")
    # More refunded than paid (e.g. a manual adjustment) still never yields a negative amount.
    assert refundable_amount(line("10.00", 3, refunded="12.00"), 1, "EUR") == D("0.00")


def test_refundable_amount_says_how_many_units_remain():
    with pytest.raises(ValueError, match="1 of 3 remain, so ask for 1 to 1"):
        refundable_amount(line("10.00", 3, returned=2), 2, "EUR")
    with pytest.raises(ValueError, match="ask for 1 to 3"):
        refundable_amount(line("10.00", 3), 0, "EUR")
    with pytest.raises(ValueError, match="no units left"):
        refundable_amount(line("10.00", 3, returned=3), 1, "EUR")


@given(paid_lines(max_quantity=20), st.data())
def test_refundable_never_negative_nor_above_paid_minus_refunded(paid_line, data):
    currency, paid, quantity = paid_line
    refunded = data.draw(minor_amounts(currency, 12_000_000))
    returned = data.draw(st.integers(0, quantity - 1))
    asked = data.draw(st.integers(1, quantity - returned))
    facts = OrderLineFacts(
        line_id="L",
        product=ProductFacts(),
        quantity=quantity,
        unit_price=paid,
        paid_total=paid,
        quantity_returned=returned,
        refunded_amount=refunded,
    )
    amount = refundable_amount(facts, asked, currency)
    assert amount >= 0
    assert amount <= max(paid - refunded, D(0))
    assert amount <= paid_for_units(paid, quantity, asked, currency, returned)
    assert amount == quantize(amount, currency)
