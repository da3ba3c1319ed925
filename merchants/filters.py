from django_filters import CharFilter, ChoiceFilter

from clicknback.filtering import StaffFilterSet
from merchants.models import Merchant, MerchantStatus


class MerchantFilter(StaffFilterSet):
    staff_only = frozenset({"status"})

    search = CharFilter(field_name="name", lookup_expr="icontains")
    category = CharFilter(field_name="category", lookup_expr="iexact")
    status = ChoiceFilter(choices=MerchantStatus.choices)

    class Meta:
        model = Merchant
        fields = ["search", "category", "status"]
