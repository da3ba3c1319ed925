"""Back-office for payouts: every payout (masked destinations in lists) and the queue of requested
ones, with complete/fail through the services. Only superusers and finance may process payouts."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from clicknback.actors import Actor
from clicknback.admin_format import money, money_column, short_address, time_column, user_link, when, with_status
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
from payouts.models import Payout, PayoutEvent, PayoutMethod, PayoutStatus
from payouts.permissions import PROCESS_PAYOUT
from payouts.services import payout_complete, payout_fail
from wallets.selectors import wallet_for_user

RECENT_PAYOUTS = 10


def shared_destination_users() -> Coalesce:
    """How many OTHER users have sent a payout to the same destination: one correlated subquery
    in the list query (no query per row). More than zero is a classic fraud signal."""
    others = (
        Payout.objects.filter(destination=OuterRef("destination"))
        .exclude(user_id=OuterRef("user_id"))
        .order_by()
        .values("destination")
        .annotate(n=Count("user_id", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(others, output_field=IntegerField()), Value(0))


class PayoutEventInline(ReadOnlyAdminMixin, admin.TabularInline):
    """The audit history: requested, then completed or failed, who did it and why."""

    model = PayoutEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "from_status", "to_status", "actor_kind", "actor_label", "reason"]
    readonly_fields = fields
    ordering = ["id"]
    verbose_name_plural = "history"


class PayoutColumns:
    """The columns every payout screen shows (this one, the finance queue, the token payouts)."""

    requested = time_column("created_at", "Requested")

    @admin.display(description="User", ordering="user__email")
    def customer(self, payout: Payout) -> str:
        return user_link(payout.user)

    @admin.display(description="Amount", ordering="amount")
    def amount_and_status(self, payout: Payout) -> str:
        return with_status(money(payout.amount, payout.currency), payout.status)


class PayoutAdmin(PayoutColumns, CsvExportMixin, ReadOnlyAdminMixin, DetailActionsMixin, admin.ModelAdmin):
    csv_columns = [
        ("id", "id"), ("user_email", "user__email"), ("amount", "amount"), ("currency", "currency"),
        ("method", "method"), ("status", "status"), ("failure_reason", "failure_reason"),
        ("created_at", "created_at"), ("processed_at", "processed_at"),
    ]  # fmt: skip
    # Narrow enough for 1400 px with the sidebar open; the full destination is on the detail page.
    list_display = ("requested", "customer", "amount_and_status", "sent_to", "processed")
    list_display_links = ("requested",)
    list_filter = ("status", "method", ("created_at", DateRangeFilter))
    list_select_related = ("user", "processed_by")
    search_fields = ("user__email",)
    ordering = ("-created_at", "-id")
    actions = ("complete_payouts", "fail_payouts")
    inlines = [PayoutEventInline]
    # Staff sending the money need the full destination on the detail page; lists show it masked.
    fields = (
        "customer",
        "amount_shown",
        "method",
        "destination",
        "shared_destination",
        "status",
        "failure_reason",
        "created_at",
        "processed_at",
        "processed_by",
        "tx_hash",
        "block_number",
        "user_balance",
        "user_payouts",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payout]:
        return super().get_queryset(request).annotate(shared_with=shared_destination_users())

    def has_process_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(PROCESS_PAYOUT)

    amount_shown = money_column("amount", "Amount")

    @admin.display(description="To", ordering="method")
    def sent_to(self, payout: Payout) -> str:
        """Method and masked destination; a destination other users also use is flagged in red."""
        shared = self.shared_destination(payout) if payout.shared_with else ""
        destination = payout.masked_destination
        shown = short_address(destination) if payout.method == PayoutMethod.TOKEN else destination
        return format_html(
            '{}<br><small title="{}">{}</small>{}', payout.get_method_display(), destination, shown, shared
        )

    @admin.display(description="Processed", ordering="processed_at")
    def processed(self, payout: Payout) -> str:
        if payout.processed_at is None:
            return ""
        by = payout.processed_by.email if payout.processed_by else ""
        return format_html("{}<br><small>{}</small>", when(payout.processed_at), by)

    @admin.display(description="Destination")
    def masked_destination(self, payout: Payout) -> str:
        return payout.masked_destination

    @admin.display(description="Shared destination")
    def shared_destination(self, payout: Payout) -> str:
        if not payout.shared_with:
            return "-"
        return format_html(
            '<br><strong style="color:#b8312f">⚠ also used by {} other user(s)</strong>', payout.shared_with
        )

    @admin.display(description="User's wallet")
    def user_balance(self, payout: Payout) -> str:
        wallet = wallet_for_user(user_id=payout.user_id)
        return format_html(
            "pending {} · available {} · paid {}", money(wallet.pending), money(wallet.available), money(wallet.paid)
        )

    @admin.display(description="User's recent payouts")
    def user_payouts(self, payout: Payout) -> str:
        recent = Payout.objects.filter(user_id=payout.user_id).order_by("-created_at")[:RECENT_PAYOUTS]
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (when(p.created_at), money(p.amount, p.currency), p.masked_destination, p.status, p.failure_reason)
                for p in recent
            ),
        )
        return format_html(
            "<table><tr><th>Requested</th><th>Amount</th><th>To</th><th>Status</th><th>Failure</th></tr>{}</table>",
            rows,
        )

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        payout = self.get_object(request, object_id)
        if payout is not None and payout.shared_with:
            others = (
                Payout.objects.filter(destination=payout.destination)
                .exclude(user_id=payout.user_id)
                .values_list("user__email", flat=True)
                .distinct()
                .order_by("user__email")[:10]
            )
            self.message_user(
                request,
                f"This destination is also used by {payout.shared_with} other user(s): {', '.join(others)}.",
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def detail_actions(self, request: HttpRequest, obj: Payout) -> list[DetailAction]:
        refusal = "" if self.has_process_permission(request) else "only finance may process payouts"
        if not refusal and obj.status != PayoutStatus.REQUESTED:
            refusal = f"it is already {obj.status}"
        if not refusal and obj.method == PayoutMethod.TOKEN:
            refusal = "a token payout is completed or failed by its mint on chain"
        return [
            DetailAction("complete", "Mark completed (the money was sent)", refusal),
            DetailAction("fail", "Mark failed (refund to available)", refusal, needs_reason=True),
        ]

    def run_detail_action(self, request: HttpRequest, obj: Payout, name: str, reason: str) -> None:
        actor = Actor.for_user(request.user)
        if name == "complete":
            report_each(self, request, [obj], _label, lambda p: self._completed(request, p, actor))
        else:
            report_each(self, request, [obj], _label, lambda p: self._failed(request, p, reason, actor))

    def _completed(self, request: HttpRequest, before: Payout, actor: Actor) -> Outcome:
        payout, changed = payout_complete(payout_id=before.pk, actor=actor)
        if not changed:
            return already("already completed")
        self.log_change(request, payout, "Marked completed.")
        return done("completed")

    def _failed(self, request: HttpRequest, before: Payout, reason: str, actor: Actor) -> Outcome:
        payout, changed = payout_fail(payout_id=before.pk, reason=reason, actor=actor)
        if not changed:
            return already("already failed")
        self.log_change(request, payout, f"Marked failed: {reason}")
        return done("failed, amount returned to available")

    @admin.action(description="Mark selected payouts completed", permissions=["process"])
    def complete_payouts(self, request: HttpRequest, queryset: QuerySet[Payout]) -> None:
        actor = Actor.for_user(request.user)
        report_each(self, request, _rows(queryset), _label, lambda p: self._completed(request, p, actor))

    @admin.action(description="Mark selected payouts failed (refund to available)", permissions=["process"])
    def fail_payouts(self, request: HttpRequest, queryset: QuerySet[Payout]) -> TemplateResponse | None:
        reason, page = reason_page(
            self,
            request,
            action="fail_payouts",
            title="Fail payouts",
            explanation=(
                "These payouts will be marked failed and their amounts returned to the users' available "
                "balances. Payouts already failed are left as they are; completed ones are refused."
            ),
            objects=_rows(queryset),
            submit="Mark failed",
            help_text="Shown to the user.",
        )
        if page is not None:
            return page
        actor = Actor.for_user(request.user)
        report_each(self, request, _rows(queryset), _label, lambda p: self._failed(request, p, reason, actor))
        return None


def _rows(queryset: QuerySet[Payout]) -> QuerySet[Payout]:
    return queryset.select_related("user").order_by("created_at", "id")


def _label(payout: Payout) -> str:
    return f"Payout of {money(payout.amount, payout.currency)} to {payout.user.email} ({payout.pk})"


admin.site.register(Payout, PayoutAdmin)
