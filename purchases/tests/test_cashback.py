"""The contract's cashback rules, as a pure function."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from purchases.cashback import CashbackTerms, cashback_for

D = Decimal


def percent(value: str, **limits) -> CashbackTerms:
    return CashbackTerms("percent", D(value), **{k: D(v) for k, v in limits.items()})


@pytest.mark.parametrize(
    ("rate", "amount", "expected"),
    [
        ("11", "150.00", "16.50"),
        ("10", "33.33", "3.33"),
        ("2.5", "10.10", "0.25"),  # 0.2525 -> 0.25
        ("5", "0.50", "0.02"),  # 0.025 -> 0.02 (half to even)
        ("5", "0.70", "0.04"),  # 0.035 -> 0.04 (half to even)
    ],
)
def test_contract_examples(rate, amount, expected):
    assert cashback_for(terms=percent(rate), amount=D(amount)) == D(expected)


def test_fixed_is_the_value():
    assert cashback_for(terms=CashbackTerms("fixed", D("5.00")), amount=D("80.00")) == D("5.00")


def test_fixed_never_above_the_amount():
    assert cashback_for(terms=CashbackTerms("fixed", D("5.00")), amount=D("3.20")) == D("3.20")


def test_below_minimum_purchase_earns_zero():
    terms = percent("10", min_purchase_amount="20.00")
    assert cashback_for(terms=terms, amount=D("19.99")) == D("0.00")
    assert cashback_for(terms=terms, amount=D("20.00")) == D("2.00")


def test_capped_per_purchase():
    assert cashback_for(terms=percent("10", max_cashback_per_purchase="7.50"), amount=D("100.00")) == D("7.50")


def test_monthly_cap_takes_what_remains_then_nothing():
    terms = percent("10", monthly_cap_per_user="25.00")
    assert cashback_for(terms=terms, amount=D("100.00"), earned_this_month=D("20.00")) == D("5.00")
    assert cashback_for(terms=terms, amount=D("100.00"), earned_this_month=D("25.00")) == D("0.00")
    # Earned more than the cap (the cap was lowered): never negative.
    assert cashback_for(terms=terms, amount=D("100.00"), earned_this_month=D("40.00")) == D("0.00")


money = st.decimals(min_value=D("0.01"), max_value=D("99999999.99"), places=2)
optional_money = st.none() | money


@given(
    kind=st.sampled_from(["percent", "fixed"]),
    percent_value=st.decimals(min_value=D("0.01"), max_value=D("100.00"), places=2),
    fixed_value=money,
    amount=money,
    minimum=st.none() | st.decimals(min_value=D("0.00"), max_value=D("1000.00"), places=2),
    maximum=optional_money,
    cap=optional_money,
    earned=st.decimals(min_value=D("0.00"), max_value=D("100000.00"), places=2),
)
def test_never_negative_nor_above_any_limit(kind, percent_value, fixed_value, amount, minimum, maximum, cap, earned):
    terms = CashbackTerms(kind, percent_value if kind == "percent" else fixed_value, minimum, maximum, cap)
    cashback = cashback_for(terms=terms, amount=amount, earned_this_month=earned)
    assert cashback >= 0
    assert cashback == cashback.quantize(D("0.01"))
    assert cashback <= amount
    if maximum is not None:
        assert cashback <= maximum
    if cap is not None:
        assert cashback <= max(D("0.00"), cap - earned)
    if minimum is not None and amount < minimum:
        assert cashback == 0
