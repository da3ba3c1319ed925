"""Staff narrow the clicks by merchant and user."""

from __future__ import annotations

import django_filters

from clicknback.filtering import StaffFilterSet
from clicks.models import Click


class ClickFilter(StaffFilterSet):
    staff_only = frozenset({"merchant_id", "user_id"})

    merchant_id = django_filters.UUIDFilter(field_name="merchant_id")
    user_id = django_filters.UUIDFilter(field_name="user_id")

    class Meta:
        model = Click
        fields = ["merchant_id", "user_id"]
