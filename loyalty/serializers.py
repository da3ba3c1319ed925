"""Tiers, loyalty status and reward points as the API renders them."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from clicknback.money import MoneyField
from loyalty.models import PointsEntry, PointsEntryType, Tier


class TierSerializer(serializers.ModelSerializer):
    min_spend = MoneyField(allow_zero=True)
    cashback_boost_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal("0"), max_value=Decimal("100"), required=False
    )
    points_multiplier = serializers.DecimalField(max_digits=6, decimal_places=2, min_value=Decimal("1"), required=False)
    upgrade_bonus_points = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)
    benefits = serializers.ListField(child=serializers.CharField(max_length=200), required=False, max_length=50)
    position = serializers.IntegerField(min_value=0, max_value=2**31 - 1, required=False)

    class Meta:
        model = Tier
        fields = [
            "id",
            "name",
            "min_spend",
            "cashback_boost_percent",
            "points_multiplier",
            "upgrade_bonus_points",
            "benefits",
            "position",
        ]
        read_only_fields = ["id"]


class NextTierSerializer(serializers.Serializer):
    name = serializers.CharField()
    min_spend = MoneyField(allow_zero=True)
    spend_needed = MoneyField(allow_zero=True)


class TierChangeSerializer(serializers.Serializer):
    from_tier = serializers.CharField(source="from_tier.name")
    to_tier = serializers.CharField(source="to_tier.name")
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class LoyaltyStatusSerializer(serializers.Serializer):
    tier = TierSerializer()
    qualifying_spend = MoneyField(allow_zero=True)
    next_tier = NextTierSerializer(allow_null=True)
    tier_since = serializers.DateTimeField(allow_null=True)
    history = TierChangeSerializer(many=True)


class ExpiringPointsSerializer(serializers.Serializer):
    points = serializers.IntegerField()
    expires_on = serializers.DateField()


class RedemptionTermsSerializer(serializers.Serializer):
    points_per_currency_unit = serializers.IntegerField()
    min_points = serializers.IntegerField()


class RewardsSerializer(serializers.Serializer):
    points_balance = serializers.IntegerField(source="balance")
    lifetime_earned = serializers.IntegerField()
    lifetime_redeemed = serializers.IntegerField()
    lifetime_expired = serializers.IntegerField()
    expiring_soon = ExpiringPointsSerializer(many=True)
    redemption = RedemptionTermsSerializer()


class PointsEntrySerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(choices=PointsEntryType.choices)
    points_balance = serializers.IntegerField(source="balance_after")
    redemption_id = serializers.UUIDField(allow_null=True)

    class Meta:
        model = PointsEntry
        fields = [
            "id",
            "type",
            "points_delta",
            "points_balance",
            "purchase_id",
            "redemption_id",
            "expires_on",
            "created_at",
        ]
        read_only_fields = fields


class RedeemInputSerializer(serializers.Serializer):
    points = serializers.IntegerField(min_value=1, max_value=10**12)


class RedemptionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    points = serializers.IntegerField()
    amount = MoneyField()
    currency = serializers.CharField()
    created_at = serializers.DateTimeField()


class HistoryFilterSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=PointsEntryType.choices, required=False)
    date_from = serializers.DateField(required=False)
    date_to = serializers.DateField(required=False)
