"""The one rule for dates in any input: 2000-01-01 to 2100-12-31, inclusive, by UTC date."""

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.core.exceptions import ValidationError

from clicknback.dates import validate_supported_date


@pytest.mark.parametrize(
    "value",
    [
        date(2000, 1, 1),
        date(2100, 12, 31),
        datetime(2000, 1, 1, tzinfo=UTC),
        datetime(2100, 12, 31, 23, 59, tzinfo=UTC),
    ],
)
def test_the_edges_are_accepted(value):
    validate_supported_date(value)


@pytest.mark.parametrize(
    "value",
    [
        date(1, 1, 1),
        date(1999, 12, 31),
        date(2101, 1, 1),
        date.max,
        datetime(1, 1, 1, 0, 30, tzinfo=UTC),
        datetime(2000, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))),  # 1999-12-31 in UTC
        datetime(2101, 1, 1, tzinfo=UTC),
    ],
)
def test_out_of_range_is_a_validation_error(value):
    with pytest.raises(ValidationError) as refused:
        validate_supported_date(value)
    assert refused.value.messages == ["Must be between 2000-01-01 and 2100-12-31."]
