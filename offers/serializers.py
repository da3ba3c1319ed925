from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from clicknback.dates import SupportedDateField
from clicknback.money import MoneyField
from offers.models import CashbackType, OfferStatus

# Fixed when an offer is created: changing them would rewrite the terms of purchases already earned.
IMMUTABLE_FIELDS = ("merchant_id", "cashback_type", "cashback_value", "starts_on")


@extend_schema_serializer(component_name="Offer")
class OfferOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    merchant_id = serializers.UUIDField()
    merchant_name = serializers.CharField(source="merchant.name")
    cashback_type = serializers.ChoiceField(choices=CashbackType.choices)
    cashback_value = MoneyField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    monthly_cap_per_user = MoneyField(allow_null=True)
    min_purchase_amount = MoneyField(allow_null=True)
    max_cashback_per_purchase = MoneyField(allow_null=True)
    status = serializers.ChoiceField(choices=OfferStatus.choices)
    created_at = serializers.DateTimeField()


class OfferCreateInputSerializer(serializers.Serializer):
    merchant_id = serializers.UUIDField()
    cashback_type = serializers.ChoiceField(choices=CashbackType.choices)
    cashback_value = MoneyField(help_text="A percentage (11.00 for 11 %) or an amount, by cashback_type.")
    starts_on = SupportedDateField()
    ends_on = SupportedDateField(help_text="Inclusive; on or after starts_on.")
    monthly_cap_per_user = MoneyField(required=False, allow_null=True)
    min_purchase_amount = MoneyField(allow_zero=True, required=False, allow_null=True)
    max_cashback_per_purchase = MoneyField(required=False, allow_null=True)


class OfferUpdateInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OfferStatus.choices, required=False)
    ends_on = SupportedDateField(required=False, help_text="Inclusive; on or after the offer's starts_on.")
    monthly_cap_per_user = MoneyField(required=False, allow_null=True)
    min_purchase_amount = MoneyField(allow_zero=True, required=False, allow_null=True)
    max_cashback_per_purchase = MoneyField(required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        fixed = [field for field in IMMUTABLE_FIELDS if field in self.initial_data]
        if fixed:
            raise serializers.ValidationError({field: ["This field cannot be changed."] for field in fixed})
        return attrs
