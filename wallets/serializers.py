"""The wallet and its ledger as the API renders them."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from clicknback.money import MoneyField
from wallets.models import EntryType, WalletEntry


class WalletOutputSerializer(serializers.Serializer):
    currency = serializers.SerializerMethodField()
    pending_balance = MoneyField(source="pending")
    available_balance = MoneyField(source="available")
    paid_balance = MoneyField(source="paid")
    updated_at = serializers.DateTimeField()

    def get_currency(self, wallet) -> str:
        return settings.PLATFORM_CURRENCY


class WalletEntryOutputSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(choices=EntryType.choices)
    pending_delta = MoneyField()
    available_delta = MoneyField()
    paid_delta = MoneyField()
    pending_balance = MoneyField()
    available_balance = MoneyField()
    paid_balance = MoneyField()

    class Meta:
        model = WalletEntry
        fields = [
            "id",
            "type",
            "pending_delta",
            "available_delta",
            "paid_delta",
            "pending_balance",
            "available_balance",
            "paid_balance",
            "purchase_id",
            "payout_id",
            "created_at",
        ]
        read_only_fields = fields
