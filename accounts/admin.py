"""Back-office screens for accounts and partners. Partner changes go through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html

from accounts.models import Partner, User, WebhookOutcome
from accounts.selectors import partner_health_days, partners_with_health
from accounts.services import (
    partner_create,
    partner_deactivate,
    partner_rename,
    partner_rotate_secret,
    user_groups_set,
)
from clicknback.actors import Actor
from clicknback.admin import AuditTrailMixin
from clicknback.admin_format import when
from clicknback.admin_tools import Outcome, already, done, report_each


class _LowercaseEmailMixin:
    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class UserCreationForm(_LowercaseEmailMixin, AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(_LowercaseEmailMixin, UserChangeForm):
    """The password shows as a read-only summary of its hash, with a link to the change form."""

    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(AuditTrailMixin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "created_at")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)
    readonly_fields = ("last_login", "created_at")
    list_display = ("email", "is_staff", "is_active", "created_at")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email",)
    ordering = ("-created_at",)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        """Staff group membership changes through the service, which records them in the audit trail."""
        groups = form.cleaned_data.pop("groups", None)
        super().save_related(request, form, formsets, change)
        if groups is not None:
            user_groups_set(user=form.instance, groups=groups, actor=Actor.for_user(request.user))


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = ("name",)


HEALTH_DAYS = 7


def _today_column(outcome: WebhookOutcome, description: str, *, alarm: bool = False) -> Any:
    """A column of today's (UTC) count of one webhook outcome; `alarm` shows a non-zero count in red."""
    field = f"{outcome.value}_today"

    @admin.display(description=description, ordering=field)
    def column(modeladmin: Any, partner: Partner) -> str:
        count = getattr(partner, field)
        if alarm and count:
            return format_html('<strong class="bo-alarm" style="color:#b8312f">{}</strong>', count)
        return str(count)

    return column


def secret_page(request: HttpRequest, *, title: str, issued: list[tuple[Partner, str]]) -> TemplateResponse:
    """The only place a secret is ever displayed: rendered straight into this response, never in a
    message, the session or a log (admin views are already `never_cache`)."""
    context = {**admin.site.each_context(request), "title": title, "opts": Partner._meta, "issued": issued}
    return TemplateResponse(request, "admin/accounts/partner/secret.html", context)


@admin.register(Partner)
class PartnerAdmin(AuditTrailMixin, admin.ModelAdmin):
    """Create, rotate and deactivate through the services. The secret is shown once, on the page
    right after creating or rotating, and never again in any list or form."""

    form = PartnerForm
    change_form_template = "admin/accounts/partner/change_form.html"
    # The partner health column set: today's (UTC) counts, the last 7 days on the partner's page. The
    # key is on the partner's page (and searchable): the list fits 1400 px with the sidebar open.
    list_display = (
        "name",
        "active",
        "last_webhook",
        "created_today",
        "duplicate_today",
        "rejected_today",
        "signature_failure_today",
    )
    list_filter = ("active",)
    search_fields = ("name", "key")
    ordering = ("name",)
    actions = ("rotate_secret", "deactivate")

    created_today = _today_column(WebhookOutcome.CREATED, "created")
    duplicate_today = _today_column(WebhookOutcome.DUPLICATE, "duplicates")
    rejected_today = _today_column(WebhookOutcome.REJECTED, "rejected", alarm=True)
    signature_failure_today = _today_column(WebhookOutcome.SIGNATURE_FAILURE, "bad signatures", alarm=True)

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        title = "Partners: webhooks received today (UTC), by outcome"
        return super().changelist_view(request, {"title": title, **(extra_context or {})})

    def get_queryset(self, request: HttpRequest) -> QuerySet[Partner]:
        return partners_with_health(super().get_queryset(request), day=timezone.now().date())

    @admin.display(description="last webhook", ordering="last_webhook_at")
    def last_webhook(self, partner: Partner) -> str:
        return when(partner.last_webhook_at)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """The partner's page shows its health over the last days, under the form."""
        partner = self.get_object(request, unquote(object_id))
        if partner is not None:
            extra_context = {
                **(extra_context or {}),
                "health_last_webhook": partner.last_webhook_at,
                "health_days": partner_health_days(partner_id=partner.pk, last=timezone.now().date(), days=HEALTH_DAYS),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request: HttpRequest, obj: Partner | None = None) -> tuple[str, ...]:
        # Deactivation is an action (through the service), not a checkbox.
        return ("key", "active", "created_at") if obj else ()

    def get_fields(self, request: HttpRequest, obj: Partner | None = None) -> list[str]:
        return ["name", "active", "key", "created_at"] if obj else ["name"]

    def has_delete_permission(self, request: HttpRequest, obj: Partner | None = None) -> bool:
        return False  # purchases refer to their partner: deactivate instead

    def save_model(self, request: HttpRequest, obj: Partner, form: forms.ModelForm, change: bool) -> None:
        if change:
            partner_rename(partner=obj, name=form.cleaned_data["name"], actor=Actor.for_user(request.user))
            return
        created = partner_create(name=obj.name, actor=Actor.for_user(request.user))
        obj.pk = created.pk
        obj.refresh_from_db()
        # On the request, not on `self`: one ModelAdmin serves every request, on every thread.
        request.issued_partner_secret = created.secret

    def response_add(self, request: HttpRequest, obj: Partner, post_url_continue: str | None = None) -> HttpResponse:
        issued = [(obj, request.issued_partner_secret)]
        return secret_page(request, title=f"Partner {obj.name} created", issued=issued)

    @admin.action(
        description="Rotate the secret of the selected partners (shows the new secrets once)", permissions=["change"]
    )
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Partner]) -> TemplateResponse:
        actor = Actor.for_user(request.user)
        issued = [
            (partner, partner_rotate_secret(partner=partner, actor=actor)) for partner in queryset.order_by("name")
        ]
        for partner, _ in issued:
            self.log_change(request, partner, "Rotated the secret.")
        return secret_page(request, title="New partner secrets", issued=issued)

    @admin.action(description="Deactivate the selected partners (their webhooks are refused)", permissions=["change"])
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        actor = Actor.for_user(request.user)

        def deactivate_one(partner: Partner) -> Outcome:
            if not partner_deactivate(partner=partner, actor=actor):
                return already("already inactive")
            self.log_change(request, partner, "Deactivated.")
            return done("deactivated")

        report_each(self, request, queryset.order_by("name"), lambda p: f"Partner {p.name}", deactivate_one)
