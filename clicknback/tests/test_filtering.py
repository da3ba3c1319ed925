"""Admin-only filters are done one way: a StaffFilterSet's `staff_only`, applied by `filter_queryset`."""

import pytest
from django_filters import FilterSet
from rest_framework.exceptions import ValidationError

from clicknback.filtering import StaffFilterSet, filter_queryset
from merchants.models import Merchant
from payouts.filters import PayoutFilter
from payouts.models import Payout


def _subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(_subclasses(sub) for sub in found))


def test_every_filter_set_of_the_apps_is_a_staff_filter_set():
    ours = {cls for cls in _subclasses(FilterSet) if not cls.__module__.startswith(("django_filters", "clicknback"))}
    assert ours
    assert {cls.__qualname__ for cls in ours if not issubclass(cls, StaffFilterSet)} == set()


def test_a_staff_only_parameter_is_ignored_for_anyone_else_even_malformed():
    payouts = Payout.objects.all()
    assert filter_queryset(PayoutFilter, {"user_id": "not-a-uuid"}, payouts, staff=False) is payouts


def test_a_staff_only_parameter_is_validated_for_staff():
    with pytest.raises(ValidationError):
        filter_queryset(PayoutFilter, {"user_id": "not-a-uuid"}, Payout.objects.all(), staff=True)


def test_without_a_filter_parameter_the_queryset_is_untouched():
    merchants = Merchant.objects.all()
    assert filter_queryset(PayoutFilter, {"limit": "5", "offset": "0"}, merchants, staff=True) is merchants
