"""The back-office's house style for figures: one way to show money, rates and times on every screen.

Money is `€1,234.50` (the platform currency's symbol, thousands separated, two places, a minus sign
before the symbol), a percent offer `5.00 %`, a time `2025-03-01 14:05` in UTC (the platform's
time zone, never microseconds). Lists, detail pages and templates all go through these.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from clicknback.money import to_cents

CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "CHF": "CHF ", "JPY": "¥"}
NOTHING = "—"
# Where every email shown in the back-office leads.
CUSTOMER_PAGE = "admin:backoffice_customer_change"


def currency_symbol(currency: str | None = None) -> str:
    code = (currency or settings.PLATFORM_CURRENCY).upper()
    return CURRENCY_SYMBOLS.get(code, f"{code} ")


def money(value: Decimal | int | None, currency: str | None = None) -> str:
    """`€1,234.50`; `-€3.00`; a missing amount is a dash."""
    if value is None:
        return NOTHING
    cents = to_cents(Decimal(value))
    sign = "-" if cents < 0 else ""
    return f"{sign}{currency_symbol(currency)}{abs(cents):,.2f}"


def percent(value: Decimal | int | None) -> str:
    """`5.00 %`."""
    if value is None:
        return NOTHING
    return f"{to_cents(Decimal(value)):,.2f} %"


def when(value: datetime | date | None) -> str:
    """`2025-03-01 14:05` (UTC) for a time, `2025-03-01` for a day."""
    if value is None:
        return NOTHING
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime("%Y-%m-%d %H:%M")
    return value.strftime("%Y-%m-%d")


def money_column(field: str, description: str) -> Any:
    """A list or detail column showing a model's amount field in the house style, sortable by it."""

    @admin.display(description=description, ordering=field)
    def column(modeladmin: Any, obj: Any) -> str:
        return money(getattr(obj, field))

    return column


def time_column(field: str, description: str) -> Any:
    """A column showing a model's date or time field in the house style, sortable by it."""

    @admin.display(description=description, ordering=field)
    def column(modeladmin: Any, obj: Any) -> str:
        return when(getattr(obj, field))

    return column


def short_email(email: str, limit: int = 24) -> str:
    """An email cut to fit a list column, the domain kept: `a.very.long.na…@example.com`."""
    if len(email) <= limit:
        return email
    local, _, domain = email.partition("@")
    keep = max(limit - len(domain) - 2, 3)
    return f"{local[:keep]}…@{domain}"


def short_address(address: str, keep: int = 6) -> str:
    """A chain address cut to fit a list column, both ends kept: `0x3C44Cd…4293BC` (full on the detail page)."""
    if len(address) <= 2 * keep + 3:
        return address
    return f"{address[: keep + 2]}…{address[-keep:]}"


def user_link(user: Any) -> str:
    """A user's email, shortened, linking to their page in the back-office (full email on hover)."""
    url = reverse(CUSTOMER_PAGE, args=[user.pk])
    return format_html('<a href="{}" title="{}" class="bo-user">{}</a>', url, user.email, short_email(user.email))


def with_status(figure: str, status: str) -> str:
    """A figure with its status under it, in one list cell: `€120.00` / `pending`."""
    return format_html('{}<br><small class="bo-status bo-status-{}">{}</small>', figure, status, status)
