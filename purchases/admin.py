"""Back-office for purchases: a fast list, a read-only detail page with the audit history and the
ledger entries the purchase caused, and confirm / reverse / clear-flag through the services."""

from __future__ import annotations

import uuid

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from clicknback.actors import Actor
from clicknback.admin_format import money, money_column, user_link, when, with_status
from clicknback.admin_tools import (
    CsvExportMixin,
    DateRangeFilter,
    DetailAction,
    DetailActionsMixin,
    Outcome,
    ReadOnlyAdminMixin,
    already,
    done,
    reason_page,
    report_each,
)
from purchases.models import Purchase, PurchaseEvent, PurchaseStatus
from purchases.permissions import REVIEW_PURCHASE
from purchases.serializers import purchase_points
from purchases.services import purchase_clear_flag, purchase_confirm, purchase_reverse
from wallets.models import WalletEntry


def _rows(queryset: QuerySet[Purchase]) -> QuerySet[Purchase]:
    """The selected purchases, to name each in its report; what happened comes from the service,
    which reads the row under its lock."""
    selected = Purchase.objects.filter(pk__in=queryset.values("pk"))
    return selected.order_by("created_at", "id").only("id", "external_id")


def _label(purchase: Purchase) -> str:
    return f"Purchase {purchase.external_id}"


class PurchaseCells:
    """The dense list cells the purchase list and the fraud queue share."""

    @admin.display(description="Received", ordering="created_at")
    def received(self, purchase: Purchase) -> str:
        return when(purchase.created_at)

    @admin.display(description="Purchase", ordering="external_id")
    def purchase(self, purchase: Purchase) -> str:
        return format_html("{}<br><small>{}</small>", purchase.external_id, purchase.merchant.name)

    @admin.display(description="User", ordering="user__email")
    def customer(self, purchase: Purchase) -> str:
        return user_link(purchase.user)

    @admin.display(description="Amount", ordering="amount")
    def amount_and_status(self, purchase: Purchase) -> str:
        return with_status(money(purchase.amount, purchase.currency), purchase.status)

    @admin.display(description="Cashback", ordering="cashback_amount")
    def cashback_and_status(self, purchase: Purchase) -> str:
        return with_status(money(purchase.cashback_amount), purchase.cashback_status)

    @admin.display(description="Flag", ordering="flagged")
    def flag(self, purchase: Purchase) -> str:
        return "⚑ flagged" if purchase.flagged else ""


def _confirmed(purchase_id: uuid.UUID, actor: Actor) -> Outcome:
    _, changed = purchase_confirm(purchase_id=purchase_id, actor=actor)
    return done("confirmed: its cashback is now available") if changed else already("already confirmed")


def _reversed(purchase_id: uuid.UUID, reason: str, actor: Actor) -> Outcome:
    _, changed = purchase_reverse(purchase_id=purchase_id, reason=reason, actor=actor)
    return done("reversed: its cashback was taken back") if changed else already("already reversed")


def _flag_cleared(purchase_id: uuid.UUID, actor: Actor) -> Outcome:
    after, changed = purchase_clear_flag(purchase_id=purchase_id, actor=actor)
    if not changed:
        return already("not flagged (already cleared)")
    if after.status == PurchaseStatus.CONFIRMED:  # a flagged purchase is never confirmed: this call did it
        return done("flag cleared and confirmed, since the partner had already settled it")
    if after.status == PurchaseStatus.PENDING:
        return done("flag cleared: it will be confirmed when due")
    return done(f"flag cleared ({after.status})")


class PurchaseReviewActions(DetailActionsMixin, admin.ModelAdmin):
    """Actions shared by the purchase list, the fraud review queue and their detail pages; each
    needs review rights."""

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW_PURCHASE)

    def detail_actions(self, request: HttpRequest, obj: Purchase) -> list[DetailAction]:
        may = "" if self.has_review_permission(request) else "you need the review permission (the support group)"
        pending = "" if obj.status == PurchaseStatus.PENDING else f"it is already {obj.status}"
        return [
            DetailAction("clear_flag", "Clear the flag", may or ("" if obj.flagged else "it is not flagged")),
            DetailAction("confirm", "Confirm", may or pending),
            DetailAction(
                "reverse",
                "Reverse",
                may or ("it is already reversed" if obj.status == PurchaseStatus.REVERSED else ""),
                needs_reason=True,
            ),
        ]

    def run_detail_action(self, request: HttpRequest, obj: Purchase, name: str, reason: str) -> None:
        actor = Actor.for_user(request.user)
        apply = {
            "clear_flag": lambda p: _flag_cleared(p.pk, actor),
            "confirm": lambda p: _confirmed(p.pk, actor),
            "reverse": lambda p: _reversed(p.pk, reason, actor),
        }[name]
        report_each(self, request, [obj], _label, apply)

    @admin.action(description="Confirm selected purchases (staff confirmation clears a flag)", permissions=["review"])
    def confirm_purchases(self, request: HttpRequest, queryset: QuerySet[Purchase]) -> None:
        actor = Actor.for_user(request.user)
        report_each(self, request, _rows(queryset), _label, lambda before: _confirmed(before.pk, actor))

    @admin.action(description="Reverse selected purchases (asks for a reason)", permissions=["review"])
    def reverse_purchases(self, request: HttpRequest, queryset: QuerySet[Purchase]) -> TemplateResponse | None:
        reason, page = reason_page(
            self,
            request,
            action="reverse_purchases",
            title="Reverse purchases",
            explanation=(
                "These purchases will be reversed: their cashback leaves the user's pending or available "
                "balance (available may go below zero). Purchases already reversed are left as they are."
            ),
            objects=queryset.select_related("user", "merchant").order_by("created_at", "id"),
            submit="Reverse",
            help_text="Recorded in the purchase's history.",
        )
        if page is not None:
            return page
        actor = Actor.for_user(request.user)
        report_each(self, request, _rows(queryset), _label, lambda before: _reversed(before.pk, reason, actor))
        return None

    @admin.action(
        description="Clear the fraud flag (confirms at once if the partner had settled)", permissions=["review"]
    )
    def clear_flags(self, request: HttpRequest, queryset: QuerySet[Purchase]) -> None:
        actor = Actor.for_user(request.user)
        report_each(self, request, _rows(queryset), _label, lambda before: _flag_cleared(before.pk, actor))


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
class PurchaseAdmin(CsvExportMixin, ReadOnlyAdminMixin, PurchaseCells, PurchaseReviewActions):
    csv_columns = [
        ("id", "id"), ("external_id", "external_id"), ("user_email", "user__email"), ("merchant", "merchant__name"),
        ("amount", "amount"), ("currency", "currency"), ("status", "status"), ("cashback_amount", "cashback_amount"),
        ("flagged", "flagged"), ("purchased_at", "purchased_at"), ("created_at", "created_at"),
        ("confirmed_at", "confirmed_at"), ("reversed_at", "reversed_at"),
    ]  # fmt: skip
    # Narrow enough for 1400 px with the sidebar open; the rest is on the detail page.
    list_display = ["received", "purchase", "customer", "amount_and_status", "cashback_and_status", "flag"]
    list_display_links = ["purchase"]
    list_filter = ["status", "flagged", ("created_at", DateRangeFilter), "merchant"]
    list_select_related = ["user", "merchant"]
    search_fields = ["external_id", "user__email", "merchant__name"]
    search_help_text = "A purchase id, the start of an external id, or part of an email or merchant name."
    ordering = ["-created_at", "-id"]
    # No COUNT(*) over the whole table next to every filtered count.
    show_full_result_count = False
    actions = ["confirm_purchases", "reverse_purchases", "clear_flags"]
    inlines = [PurchaseEventInline]
    fields = [
        "id",
        "external_id",
        "partner",
        "customer",
        "merchant",
        "offer",
        "amount_shown",
        "status",
        "cashback_shown",
        "cashback_breakdown",
        "points",
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
    amount_shown = money_column("amount", "Amount")
    cashback_shown = money_column("cashback_amount", "Cashback")

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Purchase], search_term: str
    ) -> tuple[QuerySet[Purchase], bool]:
        """A purchase id exactly; otherwise an external id by its start, an email or a merchant name
        by any part (emails are stored lowercased)."""
        term = search_term.strip()
        if not term:
            return queryset, False
        try:
            return queryset.filter(pk=uuid.UUID(term)), False
        except ValueError:
            pass
        matches = (
            Q(external_id__startswith=term) | Q(user__email__contains=term.lower()) | Q(merchant__name__icontains=term)
        )
        return queryset.filter(matches), False

    @admin.display(description="Cashback breakdown")
    def cashback_breakdown(self, purchase: Purchase) -> str:
        """Base, tier bonus, campaign bonus, and the terms they were computed with at ingestion."""
        terms = purchase.cashback_terms or {}
        offer, tier, campaign = terms.get("offer") or {}, terms.get("tier") or {}, terms.get("campaign") or {}
        return format_html(
            '<table id="cashback-breakdown"><tr><th>Base</th><td>{}</td><td>{}</td></tr>'
            "<tr><th>Tier bonus</th><td>{}</td><td>{}</td></tr>"
            "<tr><th>Campaign bonus</th><td>{}</td><td>{}</td></tr></table>",
            money(purchase.cashback_base),
            f"offer {offer.get('cashback_type', '?')} {offer.get('cashback_value', '?')}" if offer else "",
            money(purchase.tier_bonus),
            f"{tier.get('name', '-')} +{tier.get('cashback_boost_percent', '0.00')} %" if tier else "",
            money(purchase.campaign_bonus),
            f"{campaign.get('kind')} {campaign.get('value')} ({campaign.get('id')})" if campaign else "none",
        )

    @admin.display(description="Points (earned at confirmation)")
    def points(self, purchase: Purchase) -> int:
        return purchase_points(purchase)

    @admin.display(description="Ledger entries it caused")
    def ledger_entries(self, purchase: Purchase) -> str:
        entries = WalletEntry.objects.filter(purchase_id=purchase.pk).order_by("sequence")
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    when(e.created_at),
                    e.sequence,
                    e.get_type_display(),
                    money(e.pending_delta),
                    money(e.available_delta),
                    money(e.pending_balance),
                    money(e.available_balance),
                )
                for e in entries
            ),
        )
        return format_html(
            '<table id="ledger-entries"><tr><th>When</th><th>#</th><th>Type</th><th>Pending Δ</th>'
            "<th>Available Δ</th><th>Pending after</th><th>Available after</th></tr>{}</table>",
            rows,
        )
