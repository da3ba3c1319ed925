"""The analytics endpoints' query parameters and answers (money as two-decimal strings, ratios as
four-decimal strings)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from clicknback.dates import SupportedDateField
from clicknback.money import MoneyField, format_money

DEFAULT_DAYS = 30
MAX_DAYS = 366
MAX_LIMIT = 100
DEFAULT_LIMIT = 20


class RangeSerializer(serializers.Serializer):
    """`from`, `to`: UTC dates, inclusive; by default the last 30 days; at most 366 days."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {"from": SupportedDateField(required=False), "to": SupportedDateField(required=False)}

    def validate(self, attrs: dict[str, Any]) -> dict[str, date]:
        last = attrs.get("to") or timezone.now().date()
        first = attrs.get("from") or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            raise serializers.ValidationError({"from": ["Must not be after `to`."]})
        if (last - first).days + 1 > MAX_DAYS:
            raise serializers.ValidationError({"to": [f"The range covers at most {MAX_DAYS} days."]})
        return {"first": first, "last": last}


def date_range(params: Any) -> tuple[date, date]:
    """(first, last) from query parameters, or `ValidationError` (400 in the envelope)."""
    serializer = RangeSerializer(data={k: params[k] for k in ("from", "to") if params.get(k)})
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data["first"], serializer.validated_data["last"]


class MerchantsQuerySerializer(RangeSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {
            **super().get_fields(),
            "limit": serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {**super().validate(attrs), "limit": attrs["limit"]}


class ClicksQuerySerializer(RangeSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {**super().get_fields(), "merchant_id": serializers.UUIDField(required=False)}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return {**super().validate(attrs), "merchant_id": attrs.get("merchant_id")}


class CountAmountSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    amount = MoneyField()


class CashbackSerializer(serializers.Serializer):
    booked = MoneyField()
    confirmed = MoneyField()
    reversed = MoneyField()


class PayoutsSerializer(serializers.Serializer):
    requested = MoneyField()
    completed = MoneyField()
    failed = MoneyField()


class PointsSerializer(serializers.Serializer):
    earned = serializers.IntegerField(help_text="Points earned by purchases and upgrade bonuses.")
    redeemed = serializers.IntegerField()
    expired = serializers.IntegerField()
    outstanding = serializers.IntegerField(help_text="Points owed to users at the end of `to` (the liability).")


class UsersSerializer(serializers.Serializer):
    new = serializers.IntegerField()
    active = serializers.IntegerField(help_text="Distinct users who booked a purchase in the range.")


class SummarySerializer(serializers.Serializer):
    purchases = CountAmountSerializer()
    cashback = CashbackSerializer()
    payouts = PayoutsSerializer()
    points = PointsSerializer()
    users = UsersSerializer()


class DaySerializer(serializers.Serializer):
    # The `DailyFigures` sums a day's row is made of (`analytics.selectors.daily_figures`).
    FIGURES = (
        "purchases",
        "amount",
        "cashback_booked",
        "cashback_confirmed",
        "payouts_completed_amount",
        "points_earned",
        "points_bonus",
        "points_redeemed",
    )

    date = serializers.DateField()
    purchases = serializers.IntegerField()
    amount = MoneyField()
    cashback_booked = MoneyField()
    cashback_confirmed = MoneyField()
    payouts_completed = MoneyField(source="payouts_completed_amount")
    points_earned = serializers.IntegerField()
    points_redeemed = serializers.IntegerField()

    def to_representation(self, instance: dict[str, Any]) -> dict[str, Any]:
        """The fields above, built directly: a year is 365 rows, and DRF's field-by-field path took
        longer than the query. Earned points include upgrade bonuses, as in the summary."""
        return {
            "date": instance["date"].isoformat(),
            "purchases": instance["purchases"],
            "amount": format_money(instance["amount"]),
            "cashback_booked": format_money(instance["cashback_booked"]),
            "cashback_confirmed": format_money(instance["cashback_confirmed"]),
            "payouts_completed": format_money(instance["payouts_completed_amount"]),
            "points_earned": instance["points_earned"] + instance["points_bonus"],
            "points_redeemed": instance["points_redeemed"],
        }


class MerchantFiguresSerializer(serializers.Serializer):
    merchant_id = serializers.UUIDField()
    merchant_name = serializers.CharField()
    purchases = serializers.IntegerField()
    amount = MoneyField()
    cashback = MoneyField(help_text="Cashback booked at the merchant in the range, less the cashback reversed in it.")


class ClickFiguresSerializer(serializers.Serializer):
    date = serializers.DateField()
    merchant_id = serializers.UUIDField()
    merchant_name = serializers.CharField()
    clicks = serializers.IntegerField(help_text="Clicks made at the merchant that day.")
    click_purchases = serializers.IntegerField(
        help_text="Purchases booked at the merchant that day that a partner reported with a click id, reversed or not."
    )
    conversion_rate = serializers.DecimalField(
        max_digits=16,
        decimal_places=4,
        allow_null=True,
        help_text="click_purchases / clicks as a string with 4 decimals; null without clicks. May exceed 1: a "
        "purchase counts on its own day, its click on the click's.",
    )


class TierUsersSerializer(serializers.Serializer):
    tier = serializers.CharField()
    users = serializers.IntegerField()


class CampaignFiguresSerializer(serializers.Serializer):
    campaign_id = serializers.UUIDField()
    name = serializers.CharField()
    status = serializers.CharField()
    budget = MoneyField(allow_null=True, help_text="null: no budget.")
    budget_spent = MoneyField(help_text="Spent so far, whatever the range.")
    purchases = serializers.IntegerField(help_text="Purchases that earned its bonus in the range (not reversed).")
    users = serializers.IntegerField(help_text="Distinct users among them.")
    bonus_paid = MoneyField(help_text="Their bonuses.")
