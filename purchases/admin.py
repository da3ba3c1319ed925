"""Back-office for purchases: read-only records; confirm, reverse and clear flags through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from clicknback.actors import Actor
from clicknback.errors import DomainError
from purchases.models import Purchase, PurchaseEvent
from purchases.services import purchase_clear_flag, purchase_confirm, purchase_reverse


class PurchaseEventInline(admin.TabularInline):
    model = PurchaseEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "action", "from_status", "to_status", "actor_kind", "actor_label", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Purchase | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Purchase | None = None) -> bool:
        return False


def _run(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Purchase], action, verb: str) -> None:
    """Apply one service per selected purchase, each in its own transaction; report what happened."""
    actor = Actor.for_user(request.user)
    done = 0
    for purchase_id in queryset.values_list("id", flat=True):
        try:
            action(purchase_id=purchase_id, actor=actor)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{purchase_id}: {exc.message}", messages.ERROR)
    modeladmin.message_user(request, f"{verb} {done} purchase(s).", messages.SUCCESS)


@admin.action(description="Confirm selected purchases (clears flags)")
def confirm_purchases(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, purchase_confirm, "Confirmed")


@admin.action(description="Reverse selected purchases")
def reverse_purchases(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, purchase_reverse, "Reversed")


@admin.action(description="Clear the fraud flag (confirms if the partner asked to settle)")
def clear_flags(modeladmin, request, queryset):
    _run(modeladmin, request, queryset, purchase_clear_flag, "Cleared the flag of")


@admin.register(Purchase)
class PurchaseAdmin(admin.ModelAdmin):
    list_display = [
        "external_id",
        "user",
        "merchant",
        "amount",
        "cashback_amount",
        "status",
        "flagged",
        "purchased_at",
        "created_at",
    ]
    list_filter = ["status", "cashback_status", "flagged", "settlement_requested"]
    list_select_related = ["user", "merchant"]
    search_fields = ["external_id", "user__email"]
    date_hierarchy = "purchased_at"
    ordering = ["-created_at"]
    actions = [confirm_purchases, reverse_purchases, clear_flags]
    inlines = [PurchaseEventInline]
    readonly_fields = [field.name for field in Purchase._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Purchase | None = None) -> bool:
        return False
