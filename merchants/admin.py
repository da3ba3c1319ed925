"""Back-office for merchants. Saves and bulk actions go through the same services as the API.

The screen shows each merchant's offers too: `offers.admin` adds them, since offers depend on
merchants and never the reverse."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest

from clicknback.actors import Actor
from clicknback.admin import AuditTrailMixin
from clicknback.admin_tools import ServiceBackedAdmin
from merchants.models import Merchant, MerchantStatus
from merchants.services import merchant_create, merchant_update


@admin.register(Merchant)
class MerchantAdmin(AuditTrailMixin, ServiceBackedAdmin):
    list_display = ("name", "category", "status", "confirmation_days", "website", "created_at")
    list_filter = ("status", "category")
    search_fields = ("name",)
    ordering = ("name",)
    readonly_fields = ("created_at", "updated_at")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ("activate", "deactivate")

    def get_fields(self, request: HttpRequest, obj: Merchant | None = None) -> list[str]:
        if obj is None:  # created active, like through the API
            return ["name", "category", "website", "confirmation_days", "tracking_url"]
        return [
            "name",
            "category",
            "website",
            "status",
            "confirmation_days",
            "tracking_url",
            "created_at",
            "updated_at",
        ]

    def save_model(self, request: HttpRequest, obj: Merchant, form: Any, change: bool) -> None:
        actor = Actor.for_user(request.user)
        data = form.cleaned_data
        if change:
            changes = {field: data[field] for field in form.changed_data if field in data}
            merchant_update(merchant=obj, actor=actor, **changes)
            return
        created = merchant_create(
            name=data["name"],
            website=data["website"],
            confirmation_days=data["confirmation_days"],
            tracking_url=data["tracking_url"],
            category=data["category"],
            actor=actor,
        )
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding = False

    @admin.action(description="Activate selected merchants")
    def activate(self, request: HttpRequest, queryset: QuerySet[Merchant]) -> None:
        self._set_status(request, queryset, MerchantStatus.ACTIVE)

    @admin.action(description="Deactivate selected merchants")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Merchant]) -> None:
        self._set_status(request, queryset, MerchantStatus.INACTIVE)

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Merchant], status: MerchantStatus) -> None:
        self.apply_to_each(
            request,
            queryset,
            lambda merchant, actor: merchant_update(merchant=merchant, status=status, actor=actor),
            f"merchant(s) set to {status}",
        )
