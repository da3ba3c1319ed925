"""Back-office for tokens: token payouts with their chain status, and the mints recorded. Read-only:
a token payout moves only with its mint (chain/mint.py); the tx hash is shown as text, no link (the
chain may be a private one, and staff copy it into their own explorer)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from chain.models import BlockchainTransaction, TokenPayout
from clicknback.admin_format import money, time_column, user_link
from clicknback.admin_tools import DateRangeFilter, ReadOnlyAdminMixin
from payouts.admin import PayoutColumns
from payouts.models import PayoutMethod, PayoutStatus

CHAIN_STATUS = {
    PayoutStatus.REQUESTED: "waiting for its mint",
    PayoutStatus.COMPLETED: "minted",
    PayoutStatus.FAILED: "not minted",
}


@admin.register(TokenPayout)
class TokenPayoutAdmin(PayoutColumns, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("requested", "customer", "amount_and_status", "address", "chain_status", "tx")
    list_display_links = ("requested",)
    list_filter = ("status", ("created_at", DateRangeFilter))
    list_select_related = ("user",)
    search_fields = ("user__email", "destination", "tx_hash")
    ordering = ("-created_at", "-id")
    fields = (
        "customer",
        "amount_shown",
        "address",
        "status",
        "chain_status",
        "tx_hash",
        "block_number",
        "failure_reason",
        "created_at",
        "processed_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[TokenPayout]:
        return super().get_queryset(request).filter(method=PayoutMethod.TOKEN)

    @admin.display(description="Amount")
    def amount_shown(self, payout: TokenPayout) -> str:
        return f"{money(payout.amount, payout.currency)} ({payout.amount.scaleb(2):.0f} CNBC units)"

    @admin.display(description="Address", ordering="destination")
    def address(self, payout: TokenPayout) -> str:
        return format_html("<code>{}</code>", payout.destination)

    @admin.display(description="On chain")
    def chain_status(self, payout: TokenPayout) -> str:
        if payout.status == PayoutStatus.COMPLETED:
            return f"minted in block {payout.block_number}"
        return CHAIN_STATUS[payout.status]

    @admin.display(description="Transaction", ordering="tx_hash")
    def tx(self, payout: TokenPayout) -> str:
        return format_html("<code>{}</code>", payout.tx_hash) if payout.tx_hash else "-"


@admin.register(BlockchainTransaction)
class BlockchainTransactionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("block_number", "tx", "to", "amount", "payout_user", "recorded")
    list_select_related = ("payout__user",)
    search_fields = ("tx_hash", "to_address", "payout__user__email")
    ordering = ("-block_number", "-id")
    fields = ("tx_hash", "block_number", "chain_id", "to_address", "amount", "payout", "recorded_at")
    readonly_fields = fields

    recorded = time_column("recorded_at", "Recorded")

    @admin.display(description="Transaction", ordering="tx_hash")
    def tx(self, record: BlockchainTransaction) -> str:
        return format_html("<code>{}</code>", record.tx_hash)

    @admin.display(description="To", ordering="to_address")
    def to(self, record: BlockchainTransaction) -> str:
        return format_html("<code>{}</code>", record.to_address)

    @admin.display(description="User", ordering="payout__user__email")
    def payout_user(self, record: BlockchainTransaction) -> str:
        return user_link(record.payout.user)
