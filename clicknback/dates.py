"""Dates the platform accepts in any input: 2000-01-01 to 2100-12-31, inclusive.

Outside that range a date is a typo or a probe, and near the ends of Python's range arithmetic on it
(a velocity window, a month's end) overflows. `validate_supported_date` is the one rule; the fields
below carry it for serializers and query filters, and `offer_terms_errors` applies it for the admin.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from rest_framework import serializers

EARLIEST_DATE = date(2000, 1, 1)
LATEST_DATE = date(2100, 12, 31)
DATE_RANGE_MESSAGE = f"Must be between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}."


def is_supported_date(value: date) -> bool:
    """A datetime counts by its UTC date."""
    day = value.astimezone(UTC).date() if isinstance(value, datetime) else value
    return EARLIEST_DATE <= day <= LATEST_DATE


def validate_supported_date(value: date) -> None:
    """A validator for DRF fields and Django form fields alike (both take Django's ValidationError)."""
    if not is_supported_date(value):
        raise ValidationError(DATE_RANGE_MESSAGE, code="date_out_of_range")


class SupportedDateField(serializers.DateField):
    default_validators = [validate_supported_date]


class SupportedDateTimeField(serializers.DateTimeField):
    default_validators = [validate_supported_date]


class SupportedDateFilter(django_filters.DateFilter):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validators", [validate_supported_date])
        super().__init__(*args, **kwargs)
