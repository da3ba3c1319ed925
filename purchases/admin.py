"""Back-office for purchases: a fast list, a read-only detail page with the audit history and the
ledger entries the purchase caused, and confirm / reverse / clear-flag through the services."""

from __future__ import annotations

import uuid

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from backoffice.purchase_actions import PurchaseReviewActions
from clicknback.admin_mixins import ReadOnlyAdminMixin
from purchases.models import Purchase, PurchaseEvent
from wallets.models import WalletEntry


class PurchaseEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The audit history: every change, who made it and why."""

    model = PurchaseEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "actor_kind", "actor_label", "reason"]
    readonly_fields = fields
    ordering = ["id"]
    verbose_name_plural = "history"


@admin.register(Purchase)
class PurchaseAdmin(ReadOnlyAdminMixin, PurchaseReviewActions):
    list_display = [
        "external_id",
        "created_at",
        "user",
        "merchant",
        "amount",
        "cashback_amount",
        "status",
        "cashback_status",
        "flagged",
        "purchased_at",
    ]
    list_filter = ["status", "flagged", "merchant", "purchased_at", "created_at"]
    list_select_related = ["user", "merchant"]
    # Exact matches only, so both searches use a unique index (see get_search_results).
    search_fields = ["external_id", "user__email"]
    search_help_text = "An exact external id, purchase id or user email."
    ordering = ["-created_at", "-id"]
    # No COUNT(*) over the whole table next to every filtered count.
    show_full_result_count = False
    actions = ["confirm_purchases", "reverse_purchases", "clear_flags"]
    inlines = [PurchaseEventInline]
    fields = [
        "id",
        "external_id",
        "partner",
        "user",
        "merchant",
        "offer",
        "amount",
        "currency",
        "status",
        "cashback_amount",
        "cashback_status",
        "flagged",
        "flag_reasons",
        "settlement_requested",
        "purchased_at",
        "created_at",
        "confirmed_at",
        "reversed_at",
        "reversal_reason",
        "ledger_entries",
    ]
    readonly_fields = fields

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Purchase], search_term: str
    ) -> tuple[QuerySet[Purchase], bool]:
        """Exact lookups: emails are stored lowercased, external ids are unique (both indexed);
        a substring search would read the whole table."""
        term = search_term.strip()
        if not term:
            return queryset, False
        if "@" in term:
            return queryset.filter(user__email=term.lower()), False
        try:
            return queryset.filter(pk=uuid.UUID(term)), False
        except ValueError:
            return queryset.filter(external_id=term), False

    @admin.display(description="Ledger entries it caused")
    def ledger_entries(self, purchase: Purchase) -> str:
        entries = WalletEntry.objects.filter(purchase_id=purchase.pk).order_by("sequence")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    e.created_at,
                    e.sequence,
                    e.get_type_display(),
                    e.pending_delta,
                    e.available_delta,
                    e.pending_balance,
                    e.available_balance,
                )
                for e in entries
            ),
        )
        return format_html(
            '<table id="ledger-entries"><tr><th>When</th><th>#</th><th>Type</th><th>Pending Δ</th>'
            "<th>Available Δ</th><th>Pending after</th><th>Available after</th></tr>{}</table>",
            rows,
        )
