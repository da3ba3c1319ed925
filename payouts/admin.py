"""Back-office for payouts: list with masked destinations, complete/fail through the services."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from clicknback.actors import Actor
from clicknback.errors import DomainError
from payouts.models import Payout
from payouts.services import payout_complete, payout_fail


class PayoutFailForm(forms.Form):
    reason = forms.CharField(max_length=500, widget=forms.Textarea(attrs={"rows": 3}), help_text="Shown to the user.")


@admin.register(Payout)
class PayoutAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "amount",
        "currency",
        "method",
        "masked_destination",
        "status",
        "created_at",
        "processed_at",
        "processed_by",
    )
    list_filter = ("status", "method")
    list_select_related = ("user", "processed_by")
    search_fields = ("user__email",)
    ordering = ("-created_at", "-id")
    actions = ("complete_payouts", "fail_payouts")
    # Staff sending the money need the full destination on the detail page; lists show it masked.
    fields = (
        "id",
        "user",
        "amount",
        "currency",
        "method",
        "destination",
        "status",
        "failure_reason",
        "created_at",
        "processed_at",
        "processed_by",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # payouts are requested by users, through the ledger

    def has_delete_permission(self, request: HttpRequest, obj: Payout | None = None) -> bool:
        return False  # a payout moved money: it stays

    @admin.display(description="Destination")
    def masked_destination(self, payout: Payout) -> str:
        return payout.masked_destination

    @admin.action(description="Mark selected payouts completed", permissions=["change"])
    def complete_payouts(self, request: HttpRequest, queryset: QuerySet[Payout]) -> None:
        actor = Actor.for_user(request.user)
        self._process(request, queryset, "completed", lambda pk: payout_complete(payout_id=pk, actor=actor))

    @admin.action(description="Mark selected payouts failed (refund to available)", permissions=["change"])
    def fail_payouts(self, request: HttpRequest, queryset: QuerySet[Payout]) -> TemplateResponse | None:
        form = PayoutFailForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            actor, reason = Actor.for_user(request.user), form.cleaned_data["reason"]
            self._process(request, queryset, "failed", lambda pk: payout_fail(payout_id=pk, reason=reason, actor=actor))
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Fail payouts",
            "opts": self.model._meta,
            "payouts": queryset.select_related("user"),
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/payouts/payout/fail_payouts.html", context)

    def _process(
        self,
        request: HttpRequest,
        queryset: QuerySet[Payout],
        verb: str,
        apply: Callable[[uuid.UUID], tuple[Payout, bool]],
    ) -> None:
        """Apply one service call per payout; each is its own transaction, so one refusal stops nothing."""
        changed = unchanged = 0
        for payout_id in queryset.order_by("created_at").values_list("id", flat=True):
            try:
                payout, did_change = apply(payout_id)
            except DomainError as exc:
                self.message_user(request, f"Payout {payout_id}: {exc.message}", messages.ERROR)
                continue
            if did_change:
                changed += 1
                self.log_change(request, payout, f"Marked {verb}.")
            else:
                unchanged += 1
        if changed:
            self.message_user(request, f"{changed} payout(s) marked {verb}.", messages.SUCCESS)
        if unchanged:
            self.message_user(request, f"{unchanged} payout(s) were already {verb}.", messages.INFO)
