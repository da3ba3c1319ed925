"""List filters: users may narrow their own payouts by status; admins also by user."""

from __future__ import annotations

import django_filters

from payouts.models import Payout, PayoutStatus


class UserPayoutFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=PayoutStatus.choices)

    class Meta:
        model = Payout
        fields = ["status"]


class AdminPayoutFilter(UserPayoutFilter):
    user_id = django_filters.UUIDFilter(field_name="user_id")

    class Meta:
        model = Payout
        fields = ["status", "user_id"]
