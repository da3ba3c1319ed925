"""Back-office for merchants. Saves and bulk actions go through the same services as the API."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from clicknback.actors import Actor
from clicknback.admin import AuditTrailMixin
from clicknback.errors import DomainError
from merchants.models import Merchant, MerchantStatus
from merchants.services import merchant_create, merchant_update
from offers.models import Offer, OfferStatus


class ServiceBackedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose writes are service calls. A refusal that only the database could see (a race the
    form's validation could not catch) becomes an error message instead of a 500."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(request, self.describe_refusal(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def describe_refusal(self, exc: DomainError) -> str:
        details = ", ".join(f"{key}: {value}" for key, value in exc.details.items())
        return f"{exc.message} ({details})" if details else exc.message

    def apply_to_each(
        self, request: HttpRequest, objects: Iterable[Any], change: Callable[[Any, Actor], Any], done: str
    ) -> None:
        """Run `change(obj, actor)` on each object in its own transaction; report successes and refusals."""
        actor = Actor.for_user(request.user)
        succeeded = 0
        for obj in objects:
            try:
                change(obj, actor)
                succeeded += 1
            except DomainError as exc:
                self.message_user(request, f"{obj}: {self.describe_refusal(exc)}", messages.ERROR)
        if succeeded:
            self.message_user(request, f"{succeeded} {done}.", messages.SUCCESS)


class OfferInline(admin.TabularInline):
    """The merchant's offers, read-only here: offers are changed on their own page, through the service."""

    model = Offer
    fields = ("cashback_type", "cashback_value", "starts_on", "ends_on", "status", "created_at")
    readonly_fields = fields
    ordering = ("-starts_on",)
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Merchant)
class MerchantAdmin(AuditTrailMixin, ServiceBackedAdmin):
    list_display = ("name", "status", "confirmation_days", "website", "active_offers", "created_at")
    list_filter = ("status",)
    search_fields = ("name",)
    ordering = ("name",)
    readonly_fields = ("created_at", "updated_at")
    inlines = (OfferInline,)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ("activate", "deactivate")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Merchant]:
        return (
            super()
            .get_queryset(request)
            .annotate(_active_offers=Count("offers", filter=Q(offers__status=OfferStatus.ACTIVE)))
        )

    def get_fields(self, request: HttpRequest, obj: Merchant | None = None) -> list[str]:
        if obj is None:  # created active, like through the API
            return ["name", "website", "confirmation_days"]
        return ["name", "website", "status", "confirmation_days", "created_at", "updated_at"]

    @admin.display(description="active offers", ordering="_active_offers")
    def active_offers(self, merchant: Merchant) -> int:
        return merchant._active_offers

    def save_model(self, request: HttpRequest, obj: Merchant, form: Any, change: bool) -> None:
        actor = Actor.for_user(request.user)
        data = form.cleaned_data
        if change:
            changes = {field: data[field] for field in form.changed_data if field in data}
            merchant_update(merchant=obj, actor=actor, **changes)
            return
        created = merchant_create(
            name=data["name"], website=data["website"], confirmation_days=data["confirmation_days"], actor=actor
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
