"""MoneyField: the one way an amount enters or leaves the API."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rest_framework import serializers

from clicknback.money import MoneyField, format_money, to_cents


class Amounts(serializers.Serializer):
    amount = MoneyField()
    minimum = MoneyField(allow_zero=True, required=False)
    capped = MoneyField(max_value=Decimal("100.00"), required=False)


def _parse(**data):
    serializer = Amounts(data=data)
    return serializer.is_valid(), (serializer.validated_data if serializer.is_valid() else serializer.errors)


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [
        ("12.50", Decimal("12.50")),
        ("12.5", Decimal("12.50")),
        ("12", Decimal("12.00")),
        (" 7.10 ", Decimal("7.10")),
        (12, Decimal("12.00")),
        (Decimal("0.01"), Decimal("0.01")),
        (Decimal("12.50"), Decimal("12.50")),
        (12.25, Decimal("12.25")),
        ("999999999999.99", Decimal("999999999999.99")),
        ("12.500", Decimal("12.50")),  # trailing zeros are not extra precision
    ],
)
def test_accepted_amounts(given_value, expected):
    ok, result = _parse(amount=given_value)
    assert ok, result
    assert result["amount"] == expected
    assert result["amount"].as_tuple().exponent == -2


@pytest.mark.parametrize(
    "given_value",
    [
        "12.501",  # three decimals
        Decimal("0.001"),
        0.1 + 0.2,  # 0.30000000000000004
        "0",
        0,
        "0.00",
        "-1.00",
        -5,
        "-0.01",
        "NaN",
        "nan",
        "Infinity",
        "-Infinity",
        float("nan"),
        float("inf"),
        Decimal("NaN"),
        "1000000000000.00",  # 13 integer digits
        "1e12",
        10**13,
        "",
        "abc",
        "12,50",
        True,
        None,
        [],
        {"amount": "1.00"},
    ],
)
def test_refused_amounts(given_value):
    ok, errors = _parse(amount=given_value)
    assert not ok
    assert list(errors) == ["amount"]


def test_zero_only_where_allowed():
    ok, result = _parse(amount="1.00", minimum="0")
    assert ok and result["minimum"] == Decimal("0.00")
    ok, errors = _parse(amount="1.00", minimum="-0.01")
    assert not ok and list(errors) == ["minimum"]


def test_max_value():
    assert _parse(amount="1.00", capped="100.00")[0]
    ok, errors = _parse(amount="1.00", capped="100.01")
    assert not ok and "100.00" in str(errors["capped"][0])


def test_rendered_as_a_two_decimal_string():
    field = MoneyField()
    assert field.to_representation(Decimal("12.5")) == "12.50"
    assert field.to_representation(Decimal("0")) == "0.00"
    assert field.to_representation(Decimal("-3")) == "-3.00"


@pytest.mark.parametrize(
    ("value", "cents"),
    [("0.125", "0.12"), ("0.135", "0.14"), ("2.675", "2.68"), ("-0.125", "-0.12"), ("16.5", "16.50")],
)
def test_to_cents_rounds_half_even(value, cents):
    assert to_cents(Decimal(value)) == Decimal(cents)
    assert format_money(Decimal(value)) == cents


@given(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999999999.99"), places=2))
def test_round_trip_of_every_valid_amount(amount):
    field = MoneyField()
    rendered = field.to_representation(field.to_internal_value(str(amount)))
    assert Decimal(rendered) == amount
    assert field.to_internal_value(rendered) == amount
