from django.db.models import QuerySet
from django_filters import ChoiceFilter, UUIDFilter

from clicknback.dates import SupportedDateFilter
from clicknback.filtering import StaffFilterSet
from offers.models import Offer, OfferStatus


class OfferFilter(StaffFilterSet):
    staff_only = frozenset({"status"})

    merchant_id = UUIDFilter(field_name="merchant_id")
    active_on = SupportedDateFilter(method="filter_active_on", input_formats=["%Y-%m-%d"])
    status = ChoiceFilter(choices=OfferStatus.choices)

    class Meta:
        model = Offer
        fields = ["merchant_id", "active_on", "status"]

    def filter_active_on(self, queryset: QuerySet[Offer], name: str, value) -> QuerySet[Offer]:
        """Offers whose [starts_on, ends_on] window contains the date."""
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)
