"""The back-office house style for figures."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from django.test import override_settings

from clicknback.admin_format import money, percent, short_email, when


def test_money_has_the_platform_symbol_thousands_separators_and_two_places():
    assert money(Decimal("1234.5")) == "€1,234.50"
    assert money(Decimal("0")) == "€0.00"
    assert money(Decimal("1234567.891")) == "€1,234,567.89"


def test_a_negative_amount_has_its_minus_before_the_symbol():
    assert money(Decimal("-3")) == "-€3.00"


def test_money_follows_the_platform_currency_and_names_an_unknown_one():
    with override_settings(PLATFORM_CURRENCY="USD"):
        assert money(Decimal("2")) == "$2.00"
    assert money(Decimal("2"), "SEK") == "SEK 2.00"


def test_a_missing_figure_is_a_dash():
    assert money(None) == percent(None) == when(None) == "—"


def test_percent_offers_show_two_places_and_a_spaced_sign():
    assert percent(Decimal("5")) == "5.00 %"


def test_times_are_utc_to_the_minute_without_microseconds():
    assert when(datetime(2025, 3, 1, 14, 5, 33, 123456, tzinfo=UTC)) == "2025-03-01 14:05"
    assert when(date(2025, 3, 1)) == "2025-03-01"


def test_a_long_email_is_shortened_keeping_its_domain():
    assert short_email("ann@example.com") == "ann@example.com"
    assert short_email("a.very.long.name.indeed@example.com") == "a.very.long…@example.com"
