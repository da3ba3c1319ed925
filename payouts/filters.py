"""List filters: users may narrow their own payouts by status; staff also by user."""

from __future__ import annotations

import django_filters

from clicknback.filtering import StaffFilterSet
from payouts.models import Payout, PayoutStatus


class PayoutFilter(StaffFilterSet):
    staff_only = frozenset({"user_id"})

    status = django_filters.ChoiceFilter(choices=PayoutStatus.choices)
    user_id = django_filters.UUIDFilter(field_name="user_id")

    class Meta:
        model = Payout
        fields = ["status", "user_id"]
