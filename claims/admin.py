"""Back-office for claims: every claim, and the support queue (open claims, oldest first) with the
evidence a decision needs. Approve and reject call the same services as the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from claims.models import Claim, OpenClaim
from claims.permissions import REVIEW_CLAIM
from claims.services import claim_approve, claim_reject
from clicknback.actors import Actor
from clicknback.admin_tools import (
    Outcome,
    QueueActionsMixin,
    ReadOnlyAdminMixin,
    already,
    done,
    reason_page,
    report_each,
)
from clicks.models import Click
from purchases.models import Purchase


def _label(claim: Claim) -> str:
    return f"Claim {claim.order_reference}"


def _rows(queryset: QuerySet[Claim]) -> QuerySet[Claim]:
    """The selected claims, to name each in its report; the service reads the row itself."""
    return Claim.objects.filter(pk__in=queryset.values("pk")).order_by("created_at", "id")


def _table(headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    if not rows:
        return "none"
    head = format_html_join("", "<th>{}</th>", ((header,) for header in headers))
    body = format_html_join("", "<tr>" + "<td>{}</td>" * len(headers) + "</tr>", rows)
    return format_html("<table><tr>{}</tr>{}</table>", head, body)


class ClaimReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What the claim list and the support queue share: the evidence and the two decisions."""

    list_display = ["order_reference", "created_at", "user", "merchant", "amount", "purchased_at", "click_verified"]
    list_select_related = ["user", "merchant"]
    search_fields = ["order_reference", "user__email"]
    actions = ["approve_claims", "reject_claims"]
    fields = [
        "id",
        "user",
        "merchant",
        "order_reference",
        "amount",
        "purchased_at",
        "note",
        "status",
        "decision_reason",
        "purchase",
        "created_at",
        "decided_at",
        "click_evidence",
        "user_history",
    ]
    readonly_fields = fields

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW_CLAIM)

    @admin.display(description="Click evidence")
    def click_evidence(self, claim: Claim) -> str:
        if not claim.click_id:
            return "no click given"
        click = Click.objects.filter(pk=claim.click_id).first()
        if click is None:
            return format_html("{}: no such click", claim.click_id)
        verdict = "verified" if claim.click_verified else "NOT verified"
        owner = "the claimant's" if click.user_id == claim.user_id else "ANOTHER user's"
        return format_html(
            "{} ({}): {} click at {}, made {}, window until {}",
            click.id,
            verdict,
            owner,
            click.merchant,
            click.created_at,
            click.expires_at,
        )

    @admin.display(description="The user's history at this merchant")
    def user_history(self, claim: Claim) -> str:
        purchases = Purchase.objects.filter(user_id=claim.user_id, merchant_id=claim.merchant_id).order_by(
            "-purchased_at"
        )[:20]
        claims = Claim.objects.filter(user_id=claim.user_id, merchant_id=claim.merchant_id).exclude(pk=claim.pk)
        clicks = Click.objects.filter(user_id=claim.user_id, merchant_id=claim.merchant_id)[:20]
        return format_html(
            "<h4>Purchases</h4>{}<h4>Other claims</h4>{}<h4>Clicks</h4>{}",
            _table(
                ("purchased", "order", "amount", "status"),
                [(p.purchased_at, p.order_reference or "-", p.amount, p.status) for p in purchases],
            ),
            _table(
                ("filed", "order", "amount", "status"),
                [(c.created_at, c.order_reference, c.amount, c.status) for c in claims.order_by("-created_at")[:20]],
            ),
            _table(("clicked", "click id"), [(c.created_at, c.id) for c in clicks]),
        )

    @admin.action(description="Approve selected claims (books their purchases)", permissions=["review"])
    def approve_claims(self, request: HttpRequest, queryset: QuerySet[Claim]) -> None:
        actor = Actor.for_user(request.user)

        def approve(claim: Claim) -> Outcome:
            _, changed = claim_approve(claim_id=claim.pk, actor=actor)
            return done("approved: its purchase is booked") if changed else already("already approved")

        report_each(self, request, _rows(queryset), _label, approve)

    @admin.action(description="Reject selected claims (asks for a reason)", permissions=["review"])
    def reject_claims(self, request: HttpRequest, queryset: QuerySet[Claim]) -> TemplateResponse | None:
        reason, page = reason_page(
            self,
            request,
            action="reject_claims",
            title="Reject claims",
            explanation="These claims will be rejected and their users told why. Claims already rejected are left "
            "as they are; approved ones are refused.",
            objects=queryset.select_related("user", "merchant").order_by("created_at", "id"),
            submit="Reject",
            help_text="Shown to the user.",
        )
        if page is not None:
            return page
        actor = Actor.for_user(request.user)

        def reject(claim: Claim) -> Outcome:
            _, changed = claim_reject(claim_id=claim.pk, reason=reason, actor=actor)
            return done("rejected") if changed else already("already rejected")

        report_each(self, request, _rows(queryset), _label, reject)
        return None


@admin.register(Claim)
class ClaimAdmin(ClaimReviewAdmin):
    list_display = [*ClaimReviewAdmin.list_display, "status"]
    list_filter = ["status", "created_at"]
    ordering = ["-created_at", "-id"]


@admin.register(OpenClaim)
class OpenClaimAdmin(QueueActionsMixin, ClaimReviewAdmin):
    """The support queue: open claims, oldest first."""

    ordering = ["created_at", "id"]
