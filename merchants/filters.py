from django_filters import CharFilter, ChoiceFilter, FilterSet

from merchants.models import Merchant, MerchantStatus


class MerchantFilter(FilterSet):
    search = CharFilter(field_name="name", lookup_expr="icontains")
    status = ChoiceFilter(choices=MerchantStatus.choices)

    class Meta:
        model = Merchant
        fields = ["search", "status"]
