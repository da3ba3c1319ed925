"""Confirm, reverse and clear-flag actions for the purchase screens, through the purchase services."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from backoffice.actions import Outcome, already, done, reason_page, report_each
from backoffice.groups import REVIEW_PURCHASE
from clicknback.actors import Actor
from purchases.models import Purchase, PurchaseStatus
from purchases.services import purchase_clear_flag, purchase_confirm, purchase_reverse


def _rows(queryset: QuerySet[Purchase]) -> QuerySet[Purchase]:
    """The selected purchases, to name each in its report; what happened comes from the service,
    which reads the row under its lock."""
    selected = Purchase.objects.filter(pk__in=queryset.values("pk"))
    return selected.order_by("created_at", "id").only("id", "external_id")


def _label(purchase: Purchase) -> str:
    return f"Purchase {purchase.external_id}"


class PurchaseReviewActions(admin.ModelAdmin):
    """Actions shared by the purchase list and the fraud review queue; each needs review rights."""

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW_PURCHASE)

    @admin.action(description="Confirm selected purchases (staff confirmation clears a flag)", permissions=["review"])
    def confirm_purchases(self, request: HttpRequest, queryset: QuerySet[Purchase]) -> None:
        actor = Actor.for_user(request.user)

        def confirm(before: Purchase) -> Outcome:
            _, changed = purchase_confirm(purchase_id=before.pk, actor=actor)
            return done("confirmed: its cashback is now available") if changed else already("already confirmed")

        report_each(self, request, _rows(queryset), _label, confirm)

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

        def reverse(before: Purchase) -> Outcome:
            _, changed = purchase_reverse(purchase_id=before.pk, reason=reason, actor=actor)
            return done("reversed: its cashback was taken back") if changed else already("already reversed")

        report_each(self, request, _rows(queryset), _label, reverse)
        return None

    @admin.action(
        description="Clear the fraud flag (confirms at once if the partner had settled)", permissions=["review"]
    )
    def clear_flags(self, request: HttpRequest, queryset: QuerySet[Purchase]) -> None:
        actor = Actor.for_user(request.user)

        def clear(before: Purchase) -> Outcome:
            after, changed = purchase_clear_flag(purchase_id=before.pk, actor=actor)
            if not changed:
                return already("not flagged (already cleared)")
            if after.status == PurchaseStatus.CONFIRMED:  # a flagged purchase is never confirmed: this call did it
                return done("flag cleared and confirmed, since the partner had already settled it")
            if after.status == PurchaseStatus.PENDING:
                return done("flag cleared: it will be confirmed when due")
            return done(f"flag cleared ({after.status})")

        report_each(self, request, _rows(queryset), _label, clear)
