"""Read-only back-office views of wallets and the ledger: balances only move through the services."""

from __future__ import annotations

from django.contrib import admin

from clicknback.admin_format import money_column, time_column, user_link
from clicknback.admin_tools import ReadOnlyAdminMixin
from wallets.models import Wallet, WalletEntry


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["customer", "pending_shown", "available_shown", "paid_shown", "entry_count", "updated_at"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    ordering = ["-updated_at"]
    pending_shown = money_column("pending", "Pending")
    available_shown = money_column("available", "Available")
    paid_shown = money_column("paid", "Paid")

    @admin.display(description="User", ordering="user__email")
    def customer(self, wallet: Wallet) -> str:
        return user_link(wallet.user)


@admin.register(WalletEntry)
class WalletEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "posted",
        "customer",
        "sequence",
        "type",
        "pending_shown",
        "available_shown",
        "paid_shown",
    ]
    list_filter = ["type"]
    list_select_related = ["wallet__user"]
    search_fields = ["wallet__user__email", "purchase_id", "payout_id"]
    ordering = ["-created_at"]
    posted = time_column("created_at", "Posted")
    pending_shown = money_column("pending_delta", "Pending Δ")
    available_shown = money_column("available_delta", "Available Δ")
    paid_shown = money_column("paid_delta", "Paid Δ")

    @admin.display(description="User", ordering="wallet__user__email")
    def customer(self, entry: WalletEntry) -> str:
        return user_link(entry.wallet.user)
