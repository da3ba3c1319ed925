"""The review queues: flagged purchases (support) and requested payouts (finance); the staff groups;
the site's own name, and the framework tables staff never need taken off it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Aggregate, Count, DecimalField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.services import group_permissions_set
from backoffice.customers import NOTE_MAX_LENGTH, customer_view, staff_note_add
from backoffice.groups import ADD_STAFF_NOTE
from backoffice.models import Customer, FlaggedPurchase, RequestedPayout
from clicknback.actors import Actor
from clicknback.admin import AuditTrailMixin
from clicknback.admin_format import money, money_column, time_column, user_link, when
from clicknback.admin_tools import QueueActionsMixin, ReadOnlyAdminMixin
from clicknback.money import ZERO
from payouts.admin import PayoutAdmin
from payouts.models import PayoutMethod, PayoutStatus
from purchases.admin import PurchaseCells, PurchaseReviewActions
from purchases.models import FlagReason, Purchase, PurchaseStatus

RECENT_PURCHASES = 20

admin.site.site_header = admin.site.site_title = "ClickNBack back-office"
admin.site.index_title = "Dashboard"
admin.site.site_url = "/api/docs"  # the back-office has no public site: "View site" opens the API docs
# Issued JWTs and their blacklist are the API's bookkeeping, not something staff decide on.
for model in (OutstandingToken, BlacklistedToken):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
_MONEY = DecimalField(max_digits=14, decimal_places=2)

QUEUE_TEMPLATE = "admin/backoffice_queue_change_list.html"


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
class FlaggedPurchaseAdmin(ReadOnlyAdminMixin, QueueActionsMixin, PurchaseCells, PurchaseReviewActions):
    """Pending purchases held for review, oldest first, with what is known about their user."""

    change_list_template = QUEUE_TEMPLATE
    # What staff decide on, in columns narrow enough for 1400 px with the sidebar open; sortable by
    # age (received) and amount.
    list_display = ("received", "purchase", "user_and_record", "amount_and_cashback", "reasons")
    list_display_links = ("purchase",)
    list_select_related = ("user", "merchant")
    list_filter = ("settlement_requested",)
    search_fields = ("external_id", "user__email")
    ordering = ("created_at", "id")
    actions = ("clear_flags", "reverse_purchases")
    fields = (
        "external_id",
        "customer",
        "partner",
        "merchant",
        "offer",
        "amount_shown",
        "cashback_shown",
        "status",
        "reasons",
        "settlement_requested",
        "purchased_at",
        "created_at",
        "user_totals",
        "user_history",
    )
    readonly_fields = fields
    amount_shown = money_column("amount", "Amount")
    cashback_shown = money_column("cashback_amount", "Cashback")

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

    @admin.display(description="Amount → cashback", ordering="amount")
    def amount_and_cashback(self, purchase: Purchase) -> str:
        return format_html(
            "{}<br><small>→ {} cashback</small>",
            money(purchase.amount, purchase.currency),
            money(purchase.cashback_amount),
        )

    @admin.display(description="User and record", ordering="n_purchases")
    def user_and_record(self, purchase: Purchase) -> str:
        return format_html(
            "{}<br><small>{} purchases, {} reversed, {} cashback kept</small>",
            user_link(purchase.user),
            purchase.n_purchases,
            purchase.n_reversed,
            money(purchase.total_cashback),
        )

    @admin.display(description="User's totals")
    def user_totals(self, purchase: Purchase) -> str:
        return format_html(
            "{} purchases, {} reversed, {} cashback not reversed",
            purchase.n_purchases,
            purchase.n_reversed,
            money(purchase.total_cashback),
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
                    when(p.created_at),
                    p.external_id,
                    p.merchant.name,
                    money(p.amount, p.currency),
                    money(p.cashback_amount),
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

    change_list_template = QUEUE_TEMPLATE
    list_display = ("requested", "customer", "amount_shown", "sent_to", "user_balances")
    list_display_links = ("requested",)
    list_select_related = ("user", "user__wallet")
    list_filter = ("method",)
    ordering = ("created_at", "id")

    def get_queryset(self, request: HttpRequest) -> QuerySet[RequestedPayout]:
        # Token payouts are sent by their mint, not by staff: they wait on the token payouts screen.
        return super().get_queryset(request).filter(status=PayoutStatus.REQUESTED).exclude(method=PayoutMethod.TOKEN)

    @admin.display(description="User's balance", ordering="user__wallet__available")
    def user_balances(self, payout: RequestedPayout) -> str:
        wallet = payout.user.wallet
        return format_html(
            "{} available<br><small>{} paid (incl. requested)</small>", money(wallet.available), money(wallet.paid)
        )


admin.site.unregister(Group)


@admin.register(Group)
class StaffGroupAdmin(AuditTrailMixin, GroupAdmin):
    """Django's group screen, with permission changes made through the service that audits them."""

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        permissions = form.cleaned_data.pop("permissions", None)
        super().save_related(request, form, formsets, change)
        if permissions is not None:
            group_permissions_set(group=form.instance, permissions=permissions, actor=Actor.for_user(request.user))


class StaffNoteForm(forms.Form):
    text = forms.CharField(max_length=NOTE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 3, "cols": 80}))


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """One page per user: where every email in the back-office leads."""

    list_display = ("email", "joined", "is_active")
    search_fields = ("email",)
    ordering = ("-created_at",)
    show_full_result_count = False
    joined = time_column("created_at", "Joined")

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view(self.add_note_view)
        return [path("<path:object_id>/note/", view, name="backoffice_customer_note"), *super().get_urls()]

    def has_add_note_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ADD_STAFF_NOTE)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        customer = self.get_object(request, unquote(object_id))
        if customer is None or not self.has_view_permission(request, customer):
            return super().change_view(request, object_id, form_url, extra_context)
        context = {
            **self.admin_site.each_context(request),
            "title": customer.email,
            "opts": self.model._meta,
            "view": customer_view(customer=customer),
            "note_form": StaffNoteForm() if self.has_add_note_permission(request) else None,
        }
        return TemplateResponse(request, "admin/backoffice_customer.html", context)

    def add_note_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        customer = self.get_object(request, unquote(object_id))
        if customer is None or not self.has_add_note_permission(request):
            raise PermissionDenied
        form = StaffNoteForm(request.POST)
        if form.is_valid():
            staff_note_add(customer=customer, author=request.user, text=form.cleaned_data["text"])
            self.message_user(request, "Note added.", messages.SUCCESS)
        else:
            self.message_user(request, "Write the note first: nothing was added.", messages.ERROR)
        return HttpResponseRedirect(reverse("admin:backoffice_customer_change", args=[customer.pk]))
