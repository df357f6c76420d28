"""Fee math: worked settlements and the invariants every settlement keeps."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from saleor_aftersales_plugin.domain.money import currency_precision, quantize
from saleor_aftersales_plugin.rules.fees import FeeCap, FeeCharge, FeeKind, FeeScope, FeeSpec, settle

D = Decimal
PERCENT, FIXED = FeeKind.PERCENT, FeeKind.FIXED
LINE, CASE = FeeScope.LINE, FeeScope.CASE


def test_line_percent_and_case_fixed_fee():
    restocking = FeeSpec("restocking", PERCENT, D(15), LINE, rule_id="r1")
    shipping = FeeSpec("return_shipping", FIXED, D("4.95"), CASE, rule_id="r2")
    result = settle(
        "EUR",
        {"A": D("59.99"), "B": D("20.00")},
        {"A": [restocking]},
        [shipping],
    )
    # 15 % of 59.99 = 8.9985 -> 9.00. Shipping 495 cents over A 50.99 : B 20.00 -> 355.54 : 139.46 cents;
    # floors 355 + 139 leave one cent, which goes to A's larger remainder: 3.56 and 1.39.
    assert result.gross == D("79.99")
    assert result.charges == (
        FeeCharge("restocking", D("9.00"), "r1", "A"),
        FeeCharge("return_shipping", D("4.95"), "r2", None),
    )
    assert result.fees_total == D("13.95")
    assert result.net == D("66.04")
    assert dict(result.net_by_line) == {"A": D("47.43"), "B": D("18.61")}


def test_fee_cap_of_each_fee_and_line_floor():
    capped = FeeSpec("restocking", PERCENT, D(50), LINE, cap=D("5.00"))
    flat = FeeSpec("handling", FIXED, D("10.00"), LINE)
    result = settle("EUR", {"A": D("30.00"), "B": D("3.00")}, {"A": [capped], "B": [flat]}, [])
    # A: 50 % of 30 = 15 capped at 5; B: 10.00 clipped to the 3.00 the line has.
    assert [c.amount for c in result.charges] == [D("5.00"), D("3.00")]
    assert dict(result.net_by_line) == {"A": D("25.00"), "B": D("0.00")}
    assert result.net == D("25.00")


def test_case_fees_clip_at_what_is_left_and_zero_charges_drop():
    first = FeeSpec("inspection", FIXED, D("8.00"), CASE, rule_id="r1")
    second = FeeSpec("return_shipping", FIXED, D("4.00"), CASE, rule_id="r2")
    result = settle("EUR", {"A": D("10.00")}, {}, [first, second, FeeSpec("late", FIXED, D(1), CASE)])
    assert result.charges == (
        FeeCharge("inspection", D("8.00"), "r1", None),
        FeeCharge("return_shipping", D("2.00"), "r2", None),
    )
    assert result.net == D("0.00")
    assert dict(result.net_by_line) == {"A": D("0.00")}


def test_case_percent_fee_uses_the_whole_case():
    fee = FeeSpec("restocking", PERCENT, D(10), CASE)
    result = settle("JPY", {"A": D(1234), "B": D(567)}, {}, [fee])
    # 10 % of 1801 = 180.1 -> 180 yen, spread 1234:567 -> 123.3 / 56.7 -> 123 + 57.
    assert result.fees_total == D(180)
    assert dict(result.net_by_line) == {"A": D(1111), "B": D(510)}


def test_fee_cap_takes_back_from_the_last_charges_first():
    fees_a = [FeeSpec("restocking", PERCENT, D(20), LINE, rule_id="r1")]
    case = [FeeSpec("return_shipping", FIXED, D("5.000"), CASE, rule_id="r2")]
    # 20 % of 40.000 = 8.000 + 5.000 = 13.000; cap: lower of 12.000 and 25 % of 40.000 = 10.000.
    result = settle("KWD", {"A": D("40.000")}, {"A": fees_a}, case, FeeCap(amount=D(12), percent=D(25)))
    assert result.charges == (
        FeeCharge("restocking", D("8.000"), "r1", "A"),
        FeeCharge("return_shipping", D("2.000"), "r2", None),
    )
    assert result.fees_total == D("10.000")
    assert result.net == D("30.000")
    assert str(result.net) == "30.000"


def test_fee_cap_can_remove_charges_entirely():
    result = settle(
        "EUR",
        {"A": D("100.00")},
        {"A": [FeeSpec("restocking", FIXED, D(3), LINE)]},
        [FeeSpec("return_shipping", FIXED, D(5), CASE)],
        FeeCap(amount=D(2)),
    )
    assert result.charges == (FeeCharge("restocking", D("2.00"), "", "A"),)
    assert result.net == D("98.00")


def test_no_lines_settles_to_zero():
    result = settle("EUR", {}, {}, [FeeSpec("return_shipping", FIXED, D(5), CASE)])
    assert (result.gross, result.fees_total, result.net, result.charges) == (D(0), D(0), D(0), ())
    assert dict(result.net_by_line) == {}


def test_amounts_are_quantized():
    result = settle("JPY", {"A": D("999.5")}, {"A": [FeeSpec("restocking", PERCENT, D("12.5"), LINE)]}, [])
    # 999.5 -> 1000 yen; 12.5 % of 1000 = 125.
    assert result.gross == D(1000)
    assert result.fees_total == D(125)


def test_fee_spec_validation():
    with pytest.raises(ValueError, match="between 0 and 100"):
        FeeSpec("restocking", PERCENT, D(101))
    with pytest.raises(ValueError, match="amount is -1: it must be zero or positive"):
        FeeSpec("handling", FIXED, D(-1))
    with pytest.raises(ValueError, match="cap is -0.01"):
        FeeSpec("handling", FIXED, D(1), cap=D("-0.01"))
    with pytest.raises(ValueError, match="kind must be one of"):
        FeeSpec("handling", "flat", D(1))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="non-empty"):
        FeeSpec("", FIXED, D(1))
    with pytest.raises(TypeError, match="float"):
        FeeSpec("handling", FIXED, 1.5)  # type: ignore[arg-type]
    assert FeeSpec("handling", "fixed", D(1), "case").scope is CASE  # type: ignore[arg-type]


def test_fee_cap_validation():
    with pytest.raises(ValueError, match="between 0 and 100"):
        FeeCap(percent=D(150))
    with pytest.raises(ValueError, match="zero or positive"):
        FeeCap(amount=D(-5))


def test_settle_validation():
    with pytest.raises(ValueError, match="Unknown currency 'EURO'"):
        settle("EURO", {"A": D(1)}, {}, [])
    with pytest.raises(ValueError, match="line 'A' is -1.00"):
        settle("EUR", {"A": D(-1)}, {}, [])
    with pytest.raises(ValueError, match="names line 'B'"):
        settle("EUR", {"A": D(1)}, {"B": [FeeSpec("x", FIXED, D(1))]}, [])
    with pytest.raises(ValueError, match="pass case-scoped fees in case_fees"):
        settle("EUR", {"A": D(1)}, {"A": [FeeSpec("x", FIXED, D(1), CASE)]}, [])
    with pytest.raises(ValueError, match="pass line-scoped fees in line_fees"):
        settle("EUR", {"A": D(1)}, {}, [FeeSpec("x", FIXED, D(1), LINE)])


# --- properties ---------------------------------------------------------------------------------------------


def _fee_specs(scope: FeeScope) -> st.SearchStrategy[FeeSpec]:
    return st.builds(
        FeeSpec,
        code=st.sampled_from(["restocking", "handling", "inspection", "return_shipping"]),
        kind=st.sampled_from(list(FeeKind)),
        amount=st.decimals(0, 100, places=3),
        scope=st.just(scope),
        cap=st.none() | st.decimals(0, 500, places=3),
        rule_id=st.sampled_from(["r1", "r2", "r3"]),
    )


@st.composite
def settlements_input(draw: st.DrawFn) -> tuple:
    currency = draw(st.sampled_from(["JPY", "EUR", "KWD"]))
    precision = currency_precision(currency)
    line_ids = draw(st.lists(st.sampled_from("ABCDEFG"), max_size=6, unique=True))
    refundable = {
        line_id: D(draw(st.integers(0, 5_000_000))).scaleb(-precision).quantize(D(1).scaleb(-precision))
        for line_id in line_ids
    }
    line_fees = {
        line_id: draw(st.lists(_fee_specs(LINE), max_size=3))
        for line_id in draw(st.lists(st.sampled_from(line_ids), unique=True) if line_ids else st.just([]))
    }
    # Unique codes let the test find the spec behind each charge.
    line_fees = {
        line_id: [replace(spec, code=f"{line_id}-{i}") for i, spec in enumerate(specs)]
        for line_id, specs in line_fees.items()
    }
    case_fees = [
        replace(spec, code=f"case-{i}") for i, spec in enumerate(draw(st.lists(_fee_specs(CASE), max_size=3)))
    ]
    cap = draw(
        st.none()
        | st.builds(
            FeeCap, amount=st.none() | st.decimals(0, 200, places=2), percent=st.none() | st.decimals(0, 100)
        )
    )
    return currency, refundable, line_fees, case_fees, cap


@given(settlements_input())
def test_settlement_invariants(args):
    currency, refundable, line_fees, case_fees, cap = args
    result = settle(currency, refundable, line_fees, case_fees, cap)
    exponent = D(1).scaleb(-currency_precision(currency))

    assert result.gross == sum(refundable.values(), D(0))
    assert result.net >= 0
    assert result.net == result.gross - result.fees_total
    assert result.fees_total == sum((c.amount for c in result.charges), D(0))
    assert sum(result.net_by_line.values(), D(0)) == result.net
    assert set(result.net_by_line) == set(refundable)
    assert all(amount >= 0 for amount in result.net_by_line.values())
    assert all(charge.amount > 0 for charge in result.charges)

    specs = {spec.code: spec for specs in (*line_fees.values(), case_fees) for spec in specs}
    for charge in result.charges:
        spec = specs[charge.code]
        assert charge.line_id is None if spec.scope is CASE else charge.line_id in line_fees
        if spec.cap is not None:
            assert charge.amount <= quantize(spec.cap, currency)
    for line_id in refundable:
        line_charges = sum((c.amount for c in result.charges if c.line_id == line_id), D(0))
        assert line_charges <= refundable[line_id]

    if cap is not None:
        limit = cap.limit(result.gross, currency)
        if limit is not None:
            assert result.fees_total <= limit

    for amount in (result.gross, result.net, result.fees_total, *result.net_by_line.values()):
        assert amount == amount.quantize(exponent)
        assert amount.as_tuple().exponent == exponent.as_tuple().exponent
    for charge in result.charges:
        assert charge.amount.as_tuple().exponent == exponent.as_tuple().exponent


@given(
    st.sampled_from(["JPY", "EUR", "KWD"]),
    st.integers(1, 10**7),
    st.lists(
        st.tuples(st.sampled_from(list(FeeKind)), st.decimals(0, 100, places=2), st.decimals(0, 50, places=2))
    ),
)
def test_every_charge_is_within_its_own_cap(currency, units, fees):
    precision = currency_precision(currency)
    specs = [FeeSpec(f"fee{i}", kind, amount, LINE, cap=cap) for i, (kind, amount, cap) in enumerate(fees)]
    result = settle(currency, {"A": D(units).scaleb(-precision)}, {"A": specs}, [])
    by_code = {spec.code: spec for spec in specs}
    for charge in result.charges:
        assert charge.amount <= quantize(by_code[charge.code].cap, currency)
