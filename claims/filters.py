"""Admins narrow the claims by status."""

from __future__ import annotations

import django_filters

from claims.models import Claim, ClaimStatus


class AdminClaimFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ClaimStatus.choices)

    class Meta:
        model = Claim
        fields = ["status"]
