from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from merchants.models import Merchant, MerchantStatus, validate_tracking_url

NAME_MAX = Merchant._meta.get_field("name").max_length
WEBSITE_MAX = Merchant._meta.get_field("website").max_length
TRACKING_URL_MAX = Merchant._meta.get_field("tracking_url").max_length
TRACKING_URL_HELP = "https, containing `{click_id}`; empty: clicks to this merchant are refused."


@extend_schema_serializer(component_name="Merchant")
class MerchantOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    website = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=MerchantStatus.choices)
    confirmation_days = serializers.IntegerField()
    category = serializers.CharField(allow_null=True, help_text="What the shop sells; null until staff set one.")
    created_at = serializers.DateTimeField()
    # Not required in the schema: only staff who may change merchants get it.
    tracking_url = serializers.CharField(
        required=False, allow_null=True, help_text="Only for staff who may change merchants; absent for everyone else."
    )

    def get_website(self, merchant: Merchant) -> str | None:
        return merchant.website or None

    def to_representation(self, instance: Merchant) -> dict:
        data = super().to_representation(instance)
        if self.context.get("show_tracking_url"):
            data["tracking_url"] = instance.tracking_url or None
        else:
            del data["tracking_url"]
        return data


def tracking_url_field() -> serializers.CharField:
    return serializers.CharField(
        max_length=TRACKING_URL_MAX,
        required=False,
        allow_blank=True,
        validators=[validate_tracking_url],
        help_text=TRACKING_URL_HELP,
    )


class MerchantCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX)
    website = serializers.URLField(max_length=WEBSITE_MAX, required=False, allow_blank=True, allow_null=True)
    confirmation_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    tracking_url = tracking_url_field()


class MerchantUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=NAME_MAX, required=False)
    website = serializers.URLField(max_length=WEBSITE_MAX, required=False, allow_blank=True, allow_null=True)
    status = serializers.ChoiceField(choices=MerchantStatus.choices, required=False)
    confirmation_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    tracking_url = tracking_url_field()
