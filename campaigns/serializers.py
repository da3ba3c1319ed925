"""The HTTP edge of campaigns: what the API accepts and the campaign it renders."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from campaigns.models import Campaign, CampaignKind, CampaignStatus
from clicknback.dates import SupportedDateTimeField
from clicknback.money import MoneyField, decimal_setting
from merchants.models import Merchant

MULTIPLIER_MAX = Decimal("10")


class CampaignOutputSerializer(serializers.Serializer):
    """A campaign, with the caller's own usage of it (`enrolled`, `uses`, `total_earned`: its
    non-reversed purchases that got a bonus, pending included)."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField()
    kind = serializers.CharField()
    value = MoneyField(help_text="A percent (bonus_percent), an amount (bonus_fixed) or a factor (multiplier).")
    merchant_ids = serializers.ListField(child=serializers.UUIDField())
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    min_purchase_amount = MoneyField(allow_null=True)
    max_bonus_per_purchase = MoneyField(allow_null=True)
    max_uses_per_user = serializers.IntegerField(allow_null=True)
    budget = MoneyField(allow_null=True)
    budget_spent = MoneyField(allow_zero=True)
    requires_enrollment = serializers.BooleanField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()
    enrolled = serializers.SerializerMethodField()
    enrolled_at = serializers.DateTimeField(allow_null=True)
    uses = serializers.IntegerField()
    total_earned = MoneyField(allow_zero=True)
    last_used = serializers.DateTimeField(allow_null=True)

    def get_enrolled(self, campaign: Campaign) -> bool:
        return campaign.enrolled_at is not None


def value_problem(kind: str, value: Decimal) -> str | None:
    """Why `value` is not a valid value for `kind`, or None."""
    if kind == CampaignKind.BONUS_PERCENT:
        maximum = decimal_setting("MAX_CASHBACK_PERCENT")
        return None if 0 < value <= maximum else f"A percent above 0 and at most {maximum}."
    if kind == CampaignKind.MULTIPLIER:
        return None if 1 < value <= MULTIPLIER_MAX else "A factor above 1 and at most 10."
    return None if value > 0 else "Must be greater than 0."


class CampaignCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(choices=CampaignKind.choices)
    value = MoneyField()
    merchant_ids = serializers.ListField(child=serializers.UUIDField(), required=False, default=list)
    starts_at = SupportedDateTimeField()
    ends_at = SupportedDateTimeField(help_text="After starts_at; a window in the past is allowed.")
    min_purchase_amount = MoneyField(allow_zero=True, required=False, allow_null=True, default=None)
    max_bonus_per_purchase = MoneyField(required=False, allow_null=True, default=None)
    max_uses_per_user = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    budget = MoneyField(allow_zero=True, required=False, allow_null=True, default=None)
    requires_enrollment = serializers.BooleanField(required=False, default=False)

    def validate_merchant_ids(self, value: list) -> list:
        unique = list(dict.fromkeys(value))
        known = set(Merchant.objects.filter(pk__in=unique).values_list("pk", flat=True))
        unknown = [str(merchant_id) for merchant_id in unique if merchant_id not in known]
        if unknown:
            raise serializers.ValidationError(f"Unknown merchants: {', '.join(unknown)}.")
        return unique

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        problem = value_problem(attrs["kind"], attrs["value"])
        if problem:
            raise serializers.ValidationError({"value": [problem]})
        if attrs["ends_at"] <= attrs["starts_at"]:
            raise serializers.ValidationError({"ends_at": ["Must be after starts_at."]})
        return attrs


class CampaignUpdateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=CampaignStatus.choices, required=False)
    ends_at = SupportedDateTimeField(required=False)
    budget = MoneyField(allow_zero=True, required=False, allow_null=True)
    max_bonus_per_purchase = MoneyField(required=False, allow_null=True)
    max_uses_per_user = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        campaign = self.context["campaign"]
        if "ends_at" in attrs and attrs["ends_at"] <= campaign.starts_at:
            raise serializers.ValidationError({"ends_at": ["Must be after starts_at."]})
        return attrs


class EnrollmentOutputSerializer(serializers.Serializer):
    campaign_id = serializers.UUIDField()
    enrolled_at = serializers.DateTimeField()
