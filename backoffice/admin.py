"""The review queues: flagged purchases (support) and requested payouts (finance); the staff groups."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.db.models import Aggregate, Count, DecimalField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from accounts.services import group_permissions_set
from backoffice.models import FlaggedPurchase, RequestedPayout
from clicknback.actors import Actor
from clicknback.admin import AuditTrailMixin
from clicknback.admin_tools import QueueActionsMixin, ReadOnlyAdminMixin
from clicknback.money import ZERO
from payouts.admin import PayoutAdmin
from payouts.models import PayoutStatus
from purchases.admin import PurchaseReviewActions
from purchases.models import FlagReason, Purchase, PurchaseStatus

RECENT_PURCHASES = 20
_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _per_user(aggregate: Aggregate, default: int | Decimal) -> Coalesce:
    """One figure over the same user's purchases, as a correlated subquery in the list query
    (index user, created_at), so the queue costs the same number of queries for any page size."""
    rows = Purchase.objects.filter(user_id=OuterRef("user_id")).order_by().values("user_id")
    field = IntegerField() if isinstance(default, int) else _MONEY
    return Coalesce(
        Subquery(rows.annotate(v=aggregate).values("v"), output_field=field), Value(default), output_field=field
    )


def flag_reason_labels(purchase: Purchase) -> str:
    return "; ".join(str(FlagReason(reason).label) for reason in purchase.flag_reasons)


@admin.register(FlaggedPurchase)
class FlaggedPurchaseAdmin(ReadOnlyAdminMixin, QueueActionsMixin, PurchaseReviewActions):
    """Pending purchases held for review, oldest first, with what is known about their user."""

    list_display = (
        "external_id",
        "created_at",
        "user",
        "merchant",
        "amount",
        "cashback_amount",
        "reasons",
        "settlement_requested",
        "user_purchases",
        "user_reversed",
        "user_cashback",
    )
    list_display_links = ("external_id",)
    list_select_related = ("user", "merchant")
    list_filter = ("settlement_requested",)
    search_fields = ("external_id", "user__email")
    ordering = ("created_at", "id")
    actions = ("clear_flags", "reverse_purchases")
    fields = (
        "external_id",
        "user",
        "partner",
        "merchant",
        "offer",
        "amount",
        "currency",
        "cashback_amount",
        "status",
        "reasons",
        "settlement_requested",
        "purchased_at",
        "created_at",
        "user_totals",
        "user_history",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Purchase]:
        return (
            super()
            .get_queryset(request)
            .filter(flagged=True, status=PurchaseStatus.PENDING)
            .annotate(
                n_purchases=_per_user(Count("id"), 0),
                n_reversed=_per_user(Count("id", filter=Q(status=PurchaseStatus.REVERSED)), 0),
                total_cashback=_per_user(Sum("cashback_amount", filter=~Q(status=PurchaseStatus.REVERSED)), ZERO),
            )
        )

    @admin.display(description="Flagged because")
    def reasons(self, purchase: Purchase) -> str:
        return flag_reason_labels(purchase)

    @admin.display(description="User's purchases", ordering="n_purchases")
    def user_purchases(self, purchase: Purchase) -> int:
        return purchase.n_purchases

    @admin.display(description="of which reversed", ordering="n_reversed")
    def user_reversed(self, purchase: Purchase) -> int:
        return purchase.n_reversed

    @admin.display(description="User's cashback (not reversed)", ordering="total_cashback")
    def user_cashback(self, purchase: Purchase):
        return purchase.total_cashback

    @admin.display(description="User's totals")
    def user_totals(self, purchase: Purchase) -> str:
        return format_html(
            "{} purchases, {} reversed, {} cashback not reversed",
            purchase.n_purchases,
            purchase.n_reversed,
            purchase.total_cashback,
        )

    @admin.display(description="User's recent purchases")
    def user_history(self, purchase: Purchase) -> str:
        recent = (
            Purchase.objects.filter(user_id=purchase.user_id)
            .select_related("merchant")
            .order_by("-created_at")[:RECENT_PURCHASES]
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    p.created_at,
                    p.external_id,
                    p.merchant.name,
                    p.amount,
                    p.cashback_amount,
                    p.status,
                    flag_reason_labels(p) if p.flagged else "",
                )
                for p in recent
            ),
        )
        return format_html(
            "<table><tr><th>Received</th><th>External id</th><th>Merchant</th><th>Amount</th>"
            "<th>Cashback</th><th>Status</th><th>Flagged</th></tr>{}</table>",
            rows,
        )


@admin.register(RequestedPayout)
class RequestedPayoutAdmin(QueueActionsMixin, PayoutAdmin):
    """Payouts waiting to be sent, oldest first, with the user's balance beside each."""

    list_display = (
        "created_at",
        "user",
        "amount",
        "method",
        "masked_destination",
        "shared_destination",
        "user_available",
        "user_paid",
    )
    list_display_links = ("created_at",)
    list_select_related = ("user", "user__wallet")
    list_filter = ("method",)
    ordering = ("created_at", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RequestedPayout]:
        return super().get_queryset(request).filter(status=PayoutStatus.REQUESTED)

    @admin.display(description="User's available")
    def user_available(self, payout: RequestedPayout):
        return payout.user.wallet.available

    @admin.display(description="User's paid (incl. requested)")
    def user_paid(self, payout: RequestedPayout):
        return payout.user.wallet.paid


admin.site.unregister(Group)


@admin.register(Group)
class StaffGroupAdmin(AuditTrailMixin, GroupAdmin):
    """Django's group screen, with permission changes made through the service that audits them."""

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        permissions = form.cleaned_data.pop("permissions", None)
        super().save_related(request, form, formsets, change)
        if permissions is not None:
            group_permissions_set(group=form.instance, permissions=permissions, actor=Actor.for_user(request.user))
