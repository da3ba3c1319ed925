"""Read-only back-office views of wallets and the ledger, and the manual adjustments (maker-checker):
balances only move through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from clicknback.admin_format import money, money_column, time_column, user_link
from clicknback.admin_tools import (
    CsvExportMixin,
    DateRangeFilter,
    DetailAction,
    DetailActionsMixin,
    Outcome,
    ReadOnlyAdminMixin,
    ServiceBackedAdmin,
    already,
    done,
    report_each,
)
from wallets.models import Adjustment, AdjustmentStatus, Wallet, WalletEntry
from wallets.permissions import APPROVE_ADJUSTMENT, PROPOSE_ADJUSTMENT
from wallets.services import adjustment_approve, adjustment_propose, adjustment_reject


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
class WalletEntryAdmin(CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    csv_columns = [
        ("id", "id"), ("user_email", "wallet__user__email"), ("sequence", "sequence"), ("type", "type"),
        ("pending_delta", "pending_delta"), ("available_delta", "available_delta"), ("paid_delta", "paid_delta"),
        ("pending_balance", "pending_balance"), ("available_balance", "available_balance"),
        ("paid_balance", "paid_balance"), ("purchase_id", "purchase_id"), ("payout_id", "payout_id"),
        ("created_at", "created_at"),
    ]  # fmt: skip
    list_display = [
        "posted",
        "customer",
        "sequence",
        "type",
        "pending_shown",
        "available_shown",
        "paid_shown",
    ]
    list_filter = ["type", ("created_at", DateRangeFilter)]
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


class AdjustmentForm(forms.ModelForm):
    class Meta:
        model = Adjustment
        fields = ("user", "amount", "reason")


@admin.register(Adjustment)
class AdjustmentAdmin(DetailActionsMixin, ServiceBackedAdmin):
    """Maker-checker: finance proposes (user, amount ±, reason) here; a different finance member
    approves on the adjustment's page, and only then is it posted to the ledger."""

    form = AdjustmentForm
    list_display = ("proposed", "customer", "amount_shown", "status", "proposed_by", "decided_by")
    list_display_links = ("proposed",)
    list_filter = ("status",)
    list_select_related = ("user", "proposed_by", "decided_by")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
    ordering = ("-proposed_at",)
    readonly_fields = ("customer", "amount_shown", "reason", "status", "proposed_by", "proposed_at", "decided_by")
    readonly_fields += ("decided_at", "entry_id")
    proposed = time_column("proposed_at", "Proposed")
    amount_shown = money_column("amount", "Amount")

    @admin.display(description="User", ordering="user__email")
    def customer(self, adjustment: Adjustment) -> str:
        return user_link(adjustment.user)

    def get_fields(self, request: HttpRequest, obj: Adjustment | None = None) -> tuple[str, ...]:
        return ("user", "amount", "reason") if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Adjustment | None = None) -> tuple[str, ...]:
        return () if obj is None else self.readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PROPOSE_ADJUSTMENT)

    def has_change_permission(self, request: HttpRequest, obj: Adjustment | None = None) -> bool:
        return False  # decided with the buttons, never edited

    def has_delete_permission(self, request: HttpRequest, obj: Adjustment | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Adjustment, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        created = adjustment_propose(
            user_id=data["user"].pk, amount=data["amount"], reason=data["reason"], proposed_by=request.user
        )
        obj.pk, obj.status, obj.proposed_by, obj.proposed_at = (
            created.pk,
            created.status,
            request.user,
            created.proposed_at,
        )
        obj._state.adding = False

    def detail_actions(self, request: HttpRequest, obj: Adjustment) -> list[DetailAction]:
        refusal = "" if request.user.has_perm(APPROVE_ADJUSTMENT) else "only finance may decide adjustments"
        if not refusal and obj.status != AdjustmentStatus.PROPOSED:
            refusal = f"it is already {obj.status}"
        if not refusal and obj.proposed_by_id == request.user.pk:
            refusal = "you proposed it: another finance member must approve or reject it"
        return [
            DetailAction("approve", "Approve and post to the ledger", refusal),
            DetailAction("reject", "Reject", refusal),
        ]

    def run_detail_action(self, request: HttpRequest, obj: Adjustment, name: str, reason: str) -> None:
        def decide(adjustment: Adjustment) -> Outcome:
            if name == "approve":
                _, changed = adjustment_approve(adjustment_id=adjustment.pk, approver=request.user)
                return done("approved and posted to the ledger") if changed else already("already approved")
            _, changed = adjustment_reject(adjustment_id=adjustment.pk, rejecter=request.user)
            return done("rejected") if changed else already("already rejected")

        report_each(self, request, [obj], lambda a: f"Adjustment of {money(a.amount)} for {a.user.email}", decide)
