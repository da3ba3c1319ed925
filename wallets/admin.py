"""Read-only back-office views of wallets and the ledger: balances only move through the services."""

from __future__ import annotations

from django.contrib import admin

from clicknback.admin_tools import ReadOnlyAdminMixin
from wallets.models import Wallet, WalletEntry


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "pending", "available", "paid", "entry_count", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    ordering = ["-updated_at"]


@admin.register(WalletEntry)
class WalletEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "wallet",
        "sequence",
        "type",
        "pending_delta",
        "available_delta",
        "paid_delta",
        "purchase_id",
        "payout_id",
    ]
    list_filter = ["type"]
    list_select_related = ["wallet__user"]
    search_fields = ["wallet__user__email", "purchase_id", "payout_id"]
    ordering = ["-created_at"]
