"""Back-office for offers. Saves and bulk actions go through the offer services; an overlap is reported,
never a 500."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from clicknback.actors import Actor
from clicknback.admin import AuditTrailMixin
from clicknback.admin_format import money, money_column, percent
from clicknback.admin_tools import ServiceBackedAdmin
from merchants.admin import MerchantAdmin
from merchants.models import Merchant
from offers.models import CashbackType, Offer, OfferStatus
from offers.selectors import utc_today
from offers.services import TERMS, UPDATABLE_FIELDS, offer_create, offer_terms_errors, offer_update

FIXED_AFTER_CREATION = ("merchant", "cashback_type", "cashback_value", "starts_on")


class OfferAdminForm(forms.ModelForm):
    """Checks the same rules as the API, with the same messages, before anything is saved."""

    class Meta:
        model = Offer
        fields = ("merchant", *TERMS, "status")

    def _get_validation_exclusions(self) -> set[str]:
        # The overlap constraint's condition reads `status`, which the add form leaves at its default
        # (active); Django can only check the constraint when `status` takes part in the validation.
        return super()._get_validation_exclusions() - {"status"}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        terms = {field: cleaned[field] if field in cleaned else getattr(self.instance, field) for field in TERMS}
        if None in (terms["cashback_type"], terms["cashback_value"], terms["starts_on"], terms["ends_on"]):
            return cleaned  # a required field is missing: its own error says so
        for field, messages in offer_terms_errors(**terms).items():
            self.add_error(field if field in self.fields else None, messages)
        merchant = cleaned.get("merchant")
        if self.instance._state.adding and merchant is not None and not merchant.is_active:
            self.add_error("merchant", "The merchant is inactive.")
        return cleaned


class ValidTodayFilter(admin.SimpleListFilter):
    title = "valid today (UTC)"
    parameter_name = "valid_today"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Offer]) -> QuerySet[Offer]:
        today = utc_today()
        valid = Q(status=OfferStatus.ACTIVE, starts_on__lte=today, ends_on__gte=today)
        if self.value() == "yes":
            return queryset.filter(valid)
        if self.value() == "no":
            return queryset.exclude(valid)
        return queryset


@admin.register(Offer)
class OfferAdmin(AuditTrailMixin, ServiceBackedAdmin):
    form = OfferAdminForm
    list_display = ("merchant", "cashback", "starts_on", "ends_on", "monthly_cap", "status", "created_at")
    list_filter = ("status", "cashback_type", ValidTodayFilter, ("merchant", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("merchant",)
    search_fields = ("merchant__name",)
    autocomplete_fields = ("merchant",)
    date_hierarchy = "starts_on"
    actions = ("activate", "deactivate")

    monthly_cap = money_column("monthly_cap_per_user", "Monthly cap per user")

    @admin.display(description="Cashback", ordering="cashback_value")
    def cashback(self, offer: Offer) -> str:
        """`5.00 %` or `€2.00`: a rate and a fixed amount never look alike."""
        if offer.cashback_type == CashbackType.PERCENT:
            return percent(offer.cashback_value)
        return money(offer.cashback_value)

    def get_fields(self, request: HttpRequest, obj: Offer | None = None) -> list[str]:
        fields = ["merchant", *TERMS]
        if obj is None:  # created active, like through the API
            return fields
        return [*fields, "status", "created_at", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Offer | None = None) -> tuple[str, ...]:
        if obj is None:
            return ()
        return (*FIXED_AFTER_CREATION, "created_at", "updated_at")

    def save_model(self, request: HttpRequest, obj: Offer, form: Any, change: bool) -> None:
        actor = Actor.for_user(request.user)
        data = form.cleaned_data
        if change:
            changes = {field: data[field] for field in form.changed_data if field in UPDATABLE_FIELDS}
            offer_update(offer=obj, actor=actor, **changes)
            return
        created = offer_create(merchant_id=data["merchant"].pk, **{field: data[field] for field in TERMS}, actor=actor)
        obj.pk, obj.status, obj.created_at = created.pk, created.status, created.created_at
        obj._state.adding = False

    @admin.action(description="Activate selected offers")
    def activate(self, request: HttpRequest, queryset: QuerySet[Offer]) -> None:
        self._set_status(request, queryset, OfferStatus.ACTIVE)

    @admin.action(description="Deactivate selected offers")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Offer]) -> None:
        self._set_status(request, queryset, OfferStatus.INACTIVE)

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Offer], status: OfferStatus) -> None:
        self.apply_to_each(
            request,
            queryset.select_related("merchant").order_by("starts_on"),
            lambda offer, actor: offer_update(offer=offer, status=status, actor=actor),
            f"offer(s) set to {status}",
        )


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


class MerchantWithOffersAdmin(MerchantAdmin):
    """The merchant screen with the merchant's offers: a count in the list, the offers on its page.
    Registered here in place of the plain one, because offers depend on merchants, never the reverse."""

    list_display = ("name", "status", "confirmation_days", "website", "active_offers", "created_at")
    inlines = (*MerchantAdmin.inlines, OfferInline)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Merchant]:
        return (
            super()
            .get_queryset(request)
            .annotate(_active_offers=Count("offers", filter=Q(offers__status=OfferStatus.ACTIVE)))
        )

    @admin.display(description="active offers", ordering="_active_offers")
    def active_offers(self, merchant: Merchant) -> int:
        return merchant._active_offers


admin.site.unregister(Merchant)
admin.site.register(Merchant, MerchantWithOffersAdmin)
