"""Back-office for campaigns: create, edit, pause, resume and end them through campaigns.services;
the list shows how much of each budget is used. Bonuses and stripes are read-only records."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join

from campaigns.models import Campaign, CampaignBonus, CampaignStatus
from campaigns.selectors import campaign_usage, campaigns_with_spent
from campaigns.serializers import value_problem
from campaigns.services import UPDATABLE_FIELDS, campaign_create, campaign_update
from clicknback.actors import Actor
from clicknback.admin_format import money, when
from clicknback.admin_tools import ReadOnlyAdminMixin, ServiceBackedAdmin

CREATE_FIELDS = [
    "name",
    "description",
    "kind",
    "value",
    "merchant_ids",
    "starts_at",
    "ends_at",
    "min_purchase_amount",
    "max_bonus_per_purchase",
    "max_uses_per_user",
    "budget",
    "requires_enrollment",
]


class CampaignForm(forms.ModelForm):
    class Meta:
        model = Campaign
        fields = [*CREATE_FIELDS, "status"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        kind, value = data.get("kind"), data.get("value")
        if kind and value is not None and (problem := value_problem(kind, value)):
            self.add_error("value", problem)
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and ends_at <= starts_at:
            self.add_error("ends_at", "Must be after starts_at.")
        return data


@admin.register(Campaign)
class CampaignAdmin(ServiceBackedAdmin):
    form = CampaignForm
    list_display = ["name", "kind", "value", "status", "starts_at", "ends_at", "budget_used"]
    list_filter = ["status", "kind"]
    search_fields = ["name"]
    ordering = ["-created_at"]
    actions = ["pause", "resume", "end"]
    readonly_fields = ["budget_used", "usage"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return campaigns_with_spent()

    def get_readonly_fields(self, request: HttpRequest, obj: Campaign | None = None) -> list[str]:
        if obj is None:
            return []
        # Kind, value, window start and merchants are fixed once bonuses may have been paid.
        return [f for f in CREATE_FIELDS if f not in UPDATABLE_FIELDS] + ["budget_used", "usage"]

    def get_fields(self, request: HttpRequest, obj: Campaign | None = None) -> list[str]:
        return CREATE_FIELDS if obj is None else [*CREATE_FIELDS, "status", "budget_used", "usage"]

    def has_delete_permission(self, request: HttpRequest, obj: Campaign | None = None) -> bool:
        return False  # purchases keep their campaign; end it instead

    @admin.display(description="Budget used")
    def budget_used(self, campaign: Campaign) -> str:
        spent = getattr(campaign, "budget_spent", None)
        if spent is None:
            return "-"
        if campaign.budget is None:
            return f"{money(spent)} (no budget)"
        percent = 100 if not campaign.budget else round(spent * 100 / campaign.budget)
        return format_html(
            '<progress max="100" value="{}"></progress> {} % ({} of {})',
            percent,
            percent,
            money(spent),
            money(campaign.budget),
        )

    @admin.display(description="Usage per user")
    def usage(self, campaign: Campaign) -> str:
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (u.email, u.uses, money(u.total_earned), when(u.last_used), when(u.enrolled_at))
                for u in campaign_usage(campaign_id=campaign.pk)
            ),
        )
        return format_html(
            '<table id="campaign-usage"><tr><th>User</th><th>Uses</th><th>Total earned</th><th>Last used</th>'
            "<th>Enrolled</th></tr>{}</table>",
            rows,
        )

    def save_model(self, request: HttpRequest, obj: Campaign, form: Any, change: bool) -> None:
        actor = Actor.for_user(request.user)
        data = form.cleaned_data
        if change:
            changes = {f: data[f] for f in form.changed_data if f in UPDATABLE_FIELDS}
            if changes:
                campaign_update(campaign_id=obj.pk, actor=actor, **changes)
            return
        created = campaign_create(data={f: data[f] for f in CREATE_FIELDS}, actor=actor)
        obj.pk = created.pk
        obj._state.adding = False

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Campaign], status: str, done: str) -> None:
        self.apply_to_each(
            request,
            queryset,
            lambda campaign, actor: campaign_update(campaign_id=campaign.pk, actor=actor, status=status),
            done,
        )

    @admin.action(description="Pause the selected campaigns", permissions=["change"])
    def pause(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._set_status(request, queryset, CampaignStatus.PAUSED, "paused")

    @admin.action(description="Resume the selected campaigns", permissions=["change"])
    def resume(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._set_status(request, queryset, CampaignStatus.ACTIVE, "resumed")

    @admin.action(description="End the selected campaigns", permissions=["change"])
    def end(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        self._set_status(request, queryset, CampaignStatus.ENDED, "ended")


@admin.register(CampaignBonus)
class CampaignBonusAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "campaign", "user", "purchase_id", "amount_shown", "reversed_at"]
    list_select_related = ["campaign", "user"]
    list_filter = ["campaign"]
    ordering = ["-created_at"]

    @admin.display(description="Bonus")
    def amount_shown(self, bonus: CampaignBonus) -> str:
        return money(bonus.amount)
