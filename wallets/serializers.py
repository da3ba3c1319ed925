"""The wallet and its ledger as the API renders them."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from clicknback.money import MoneyField
from clicknback.representation import datetime_text, money_text, uuid_text
from wallets.models import EntryType, Wallet, WalletEntry


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


# `WalletOutputSerializer(wallet).data` and `WalletEntryOutputSerializer(entry).data`, built directly
# (the serializers cost more CPU than the queries on these paths); the serializers remain the
# documented schema and `wallets/tests/test_representation.py` asserts the two render the same.


def wallet_data(wallet: Wallet) -> dict[str, Any]:
    return {
        "currency": settings.PLATFORM_CURRENCY,
        "pending_balance": money_text(wallet.pending),
        "available_balance": money_text(wallet.available),
        "paid_balance": money_text(wallet.paid),
        "updated_at": datetime_text(wallet.updated_at),
    }


def wallet_entry_data(entry: WalletEntry) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "type": str(entry.type),
        "pending_delta": money_text(entry.pending_delta),
        "available_delta": money_text(entry.available_delta),
        "paid_delta": money_text(entry.paid_delta),
        "pending_balance": money_text(entry.pending_balance),
        "available_balance": money_text(entry.available_balance),
        "paid_balance": money_text(entry.paid_balance),
        "purchase_id": uuid_text(entry.purchase_id),
        "payout_id": uuid_text(entry.payout_id),
        "created_at": datetime_text(entry.created_at),
    }
