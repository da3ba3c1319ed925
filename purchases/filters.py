"""Query filters of GET /purchases. Users may filter only by status; the rest are for staff who may
view every purchase."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import django_filters
from django.db.models import QuerySet

from clicknback.dates import SupportedDateFilter
from clicknback.filtering import StaffFilterSet
from purchases.models import Purchase, PurchaseStatus


class PurchaseFilter(StaffFilterSet):
    staff_only = frozenset({"user_id", "merchant_id", "flagged", "purchased_from", "purchased_to"})

    status = django_filters.ChoiceFilter(choices=PurchaseStatus.choices)
    user_id = django_filters.UUIDFilter(field_name="user_id", help_text="Admins only.")
    merchant_id = django_filters.UUIDFilter(field_name="merchant_id", help_text="Admins only.")
    flagged = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")], coerce=lambda value: value == "true", help_text="Admins only."
    )
    purchased_from = SupportedDateFilter(method="filter_from", help_text="Admins only; inclusive (UTC date).")
    purchased_to = SupportedDateFilter(method="filter_to", help_text="Admins only; inclusive (UTC date).")

    class Meta:
        model = Purchase
        fields: list[str] = []

    # Dates as half-open ranges of instants, so the purchased_at indexes serve them.
    def filter_from(self, queryset: QuerySet[Purchase], name: str, value: date) -> QuerySet[Purchase]:
        return queryset.filter(purchased_at__gte=_utc_midnight(value))

    def filter_to(self, queryset: QuerySet[Purchase], name: str, value: date) -> QuerySet[Purchase]:
        return queryset.filter(purchased_at__lt=_utc_midnight(value + timedelta(days=1)))


def _utc_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
