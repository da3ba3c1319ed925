"""Money is `Decimal` with two places, end to end. The one rounding rule lives here."""

from __future__ import annotations

import re
import string
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import models
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
ROUNDING = ROUND_HALF_EVEN
MAX_DIGITS = 14
DECIMAL_PLACES = 2
MAX_INTEGER_DIGITS = 12
MONEY_PATTERN = r"^-?[0-9]{1,12}\.[0-9]{2}$"
# What an amount given as a string may look like: Decimal's own syntax, but ASCII digits only
# (`Decimal` alone also takes full-width or Arabic-Indic digits, and "1_000").
_DECIMAL_TEXT = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)


def to_cents(value: Decimal) -> Decimal:
    """Quantize to cents with the platform's rounding mode (banker's rounding)."""
    return value.quantize(CENT, rounding=ROUNDING)


def format_money(value: Decimal) -> str:
    return f"{to_cents(value):.2f}"


def decimal_setting(name: str) -> Decimal:
    """An amount setting (MIN_PAYOUT_AMOUNT, ...) as a two-place Decimal, however it was given: the
    environment gives a string, `override_settings` may give a str, an int or a Decimal."""
    return to_cents(Decimal(str(getattr(settings, name))))


class MoneyModelField(models.DecimalField):
    """`DecimalField(max_digits=14, decimal_places=2)` for every amount."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MAX_DIGITS)
        kwargs.setdefault("decimal_places", DECIMAL_PLACES)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "string", "pattern": MONEY_PATTERN, "example": "12.50"})
class MoneyField(serializers.Field):
    """A money amount in the API: a string or a number with at most two decimals, rendered as "12.50".

    `allow_zero` admits 0.00 (a minimum purchase amount); negatives are never accepted.
    """

    default_error_messages = {
        "invalid": 'Enter a valid amount, such as "12.50".',
        "max_decimal_places": "Use at most two decimal places.",
        "max_integer_digits": f"Use at most {MAX_INTEGER_DIGITS} digits before the decimal point.",
        "positive": "Must be greater than 0.",
        "not_negative": "Must be 0 or greater.",
        "max_value": "Must be at most {max_value}.",
    }

    def __init__(self, *, allow_zero: bool = False, max_value: Decimal | None = None, **kwargs: Any) -> None:
        self.allow_zero = allow_zero
        self.max_value = max_value
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, bool) or not isinstance(data, (str, int, Decimal, float)):
            self.fail("invalid")
        if isinstance(data, str) and not _DECIMAL_TEXT.fullmatch(data.strip(string.whitespace)):
            self.fail("invalid")
        try:
            value = Decimal(str(data)) if not isinstance(data, Decimal) else data
        except (InvalidOperation, ValueError):
            self.fail("invalid")
        if not value.is_finite():
            self.fail("invalid")
        if value and value.adjusted() >= MAX_INTEGER_DIGITS:
            self.fail("max_integer_digits")
        if value != value.quantize(CENT, rounding=ROUNDING):
            self.fail("max_decimal_places")
        value = value.quantize(CENT)
        if value < 0 or (value == 0 and not self.allow_zero):
            self.fail("not_negative" if self.allow_zero else "positive")
        if self.max_value is not None and value > self.max_value:
            self.fail("max_value", max_value=format_money(self.max_value))
        return value

    def to_representation(self, value: Decimal) -> str:
        return format_money(Decimal(value))
