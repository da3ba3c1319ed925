from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from merchants.models import Merchant, MerchantStatus

NAME_MAX = Merchant._meta.get_field("name").max_length
WEBSITE_MAX = Merchant._meta.get_field("website").max_length


@extend_schema_serializer(component_name="Merchant")
class MerchantOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    website = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=MerchantStatus.choices)
    confirmation_days = serializers.IntegerField()
    created_at = serializers.DateTimeField()

    def get_website(self, merchant: Merchant) -> str | None:
        return merchant.website or None


class MerchantCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    website = serializers.URLField(max_length=WEBSITE_MAX, required=False, allow_blank=True, allow_null=True)
    confirmation_days = serializers.IntegerField(min_value=0, max_value=365, required=False)


class MerchantUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX, required=False)
    website = serializers.URLField(max_length=WEBSITE_MAX, required=False, allow_blank=True, allow_null=True)
    status = serializers.ChoiceField(choices=MerchantStatus.choices, required=False)
    confirmation_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
