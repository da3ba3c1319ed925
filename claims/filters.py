"""Staff narrow the claims by status."""

from __future__ import annotations

import django_filters

from claims.models import Claim, ClaimStatus
from clicknback.filtering import StaffFilterSet


class ClaimFilter(StaffFilterSet):
    staff_only = frozenset({"status"})

    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)

    class Meta:
        model = Claim
        fields = ["status"]
