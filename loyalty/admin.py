"""Back-office for loyalty. Tiers are edited through `tier_create` / `tier_update`; the points ledger
(entries, lots, redemptions and their allocations) and each user's tier are read-only: only the
services move them. A points account's page is the user's rewards panel: tier, qualifying spend,
tier history, lots and points entries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html_join
from rest_framework.exceptions import ValidationError

from clicknback.admin_tools import CsvExportMixin, DateRangeFilter, ReadOnlyAdminMixin, ServiceBackedAdmin
from loyalty.models import (
    PointsAccount,
    PointsEntry,
    PointsLot,
    Redemption,
    RedemptionAllocation,
    Tier,
    TierChange,
    UserLoyalty,
)
from loyalty.services import tier_create, tier_min_spend_check, tier_update

TIER_FIELDS = [
    "name",
    "min_spend",
    "cashback_boost_percent",
    "points_multiplier",
    "upgrade_bonus_points",
    "benefits",
    "position",
]


class TierForm(forms.ModelForm):
    class Meta:
        model = Tier
        fields = TIER_FIELDS

    def clean_min_spend(self) -> Any:
        """The service's min_spend rules as a form error, not a 500 at save."""
        min_spend = self.cleaned_data["min_spend"]
        try:
            tier_min_spend_check(min_spend, tier=self.instance if self.instance.pk else None)
        except ValidationError as exc:
            raise forms.ValidationError(exc.detail["min_spend"]) from exc
        return min_spend


@admin.register(Tier)
class TierAdmin(ServiceBackedAdmin):
    form = TierForm
    list_display = ["name", "min_spend", "cashback_boost_percent", "points_multiplier", "upgrade_bonus_points"]
    ordering = ["min_spend"]

    def has_delete_permission(self, request: HttpRequest, obj: Tier | None = None) -> bool:
        return False  # users and purchases keep their tier (PROTECT); there is no service to delete one

    def save_model(self, request: HttpRequest, obj: Tier, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            changes = {field: data[field] for field in form.changed_data if field in TIER_FIELDS}
            if changes:
                tier_update(tier_id=obj.pk, data=changes)
            return
        created = tier_create(data={field: data[field] for field in TIER_FIELDS})
        obj.pk = created.pk
        obj._state.adding = False


@admin.register(UserLoyalty)
class UserLoyaltyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "tier", "qualifying_spend", "tier_since", "updated_at"]
    list_select_related = ["user", "tier"]
    list_filter = ["tier"]
    search_fields = ["user__email"]
    ordering = ["-qualifying_spend"]


@admin.register(TierChange)
class TierChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "user", "from_tier", "to_tier", "reason", "actor_label"]
    list_select_related = ["user", "from_tier", "to_tier"]
    list_filter = ["reason"]
    search_fields = ["user__email"]


class LotInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PointsLot
    fields = ["points", "points_left", "expires_on", "purchase_id", "created_at"]
    readonly_fields = fields
    extra = 0


class EntryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = PointsEntry
    fields = ["created_at", "type", "points_delta", "balance_after", "purchase_id", "redemption", "lot", "bonus_tier"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("bonus_tier", "lot")


@admin.register(PointsAccount)
class PointsAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The user's rewards panel."""

    list_display = ["user", "balance", "debt", "lifetime_earned", "lifetime_redeemed", "lifetime_expired"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    ordering = ["-updated_at"]
    fields = [
        "user",
        "tier",
        "qualifying_spend",
        "balance",
        "debt",
        "lifetime_earned",
        "lifetime_redeemed",
        "lifetime_expired",
        "tier_history",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [LotInline, EntryInline]

    def _loyalty(self, account: PointsAccount) -> UserLoyalty | None:
        return UserLoyalty.objects.select_related("tier").filter(user_id=account.user_id).first()

    @admin.display(description="tier")
    def tier(self, account: PointsAccount) -> str:
        loyalty = self._loyalty(account)
        return loyalty.tier.name if loyalty else "-"

    @admin.display(description="qualifying spend")
    def qualifying_spend(self, account: PointsAccount) -> str:
        loyalty = self._loyalty(account)
        return str(loyalty.qualifying_spend) if loyalty else "-"

    @admin.display(description="tier history")
    def tier_history(self, account: PointsAccount) -> str:
        changes = TierChange.objects.filter(user_id=account.user_id).select_related("from_tier", "to_tier")
        return (
            format_html_join(
                "",
                "<div>{}: {} → {} ({})</div>",
                ((c.created_at, c.from_tier.name, c.to_tier.name, c.get_reason_display()) for c in changes),
            )
            or "-"
        )


@admin.register(PointsLot)
class PointsLotAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["account", "points", "points_left", "expires_on", "purchase_id", "created_at"]
    list_select_related = ["account"]
    search_fields = ["account__user__email", "purchase_id"]
    ordering = ["expires_on", "id"]


@admin.register(PointsEntry)
class PointsEntryAdmin(CsvExportMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    csv_columns = [
        ("id", "id"), ("user_email", "account__user__email"), ("type", "type"), ("points_delta", "points_delta"),
        ("balance_after", "balance_after"), ("purchase_id", "purchase_id"), ("redemption_id", "redemption_id"),
        ("expires_on", "expires_on"), ("created_at", "created_at"),
    ]  # fmt: skip
    list_display = ["created_at", "account", "type", "points_delta", "balance_after", "purchase_id", "lot"]
    list_select_related = ["account", "lot"]
    list_filter = ["type", ("created_at", DateRangeFilter)]
    search_fields = ["account__user__email", "purchase_id"]


class AllocationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = RedemptionAllocation
    fields = ["lot", "points"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related("lot")


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "account", "points", "amount", "currency"]
    list_select_related = ["account"]
    search_fields = ["account__user__email"]
    fields = ["account", "points", "amount", "currency", "created_at"]
    readonly_fields = fields
    inlines = [AllocationInline]
