"""Back-office screens for accounts and partners. Partner changes go through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import Partner, User
from accounts.services import partner_create, partner_deactivate, partner_rotate_secret
from clicknback.actors import Actor


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
class UserAdmin(DjangoUserAdmin):
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


class PartnerForm(forms.ModelForm):
    class Meta:
        model = Partner
        fields = ("name", "active")


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    """The secret is never displayed here except once, in the message after creating or rotating."""

    form = PartnerForm
    list_display = ("name", "key", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name", "key")
    readonly_fields = ("key", "created_at")
    actions = ("rotate_secret", "deactivate")

    def get_readonly_fields(self, request: HttpRequest, obj: Partner | None = None) -> tuple[str, ...]:
        return self.readonly_fields if obj else ()

    def get_fields(self, request: HttpRequest, obj: Partner | None = None) -> list[str]:
        return ["name", "active", "key", "created_at"] if obj else ["name"]

    def save_model(self, request: HttpRequest, obj: Partner, form: forms.ModelForm, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = partner_create(name=obj.name, actor=Actor.for_user(request.user))
        obj.pk = created.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            f"Partner key: {created.key} — secret (shown only now): {created.secret}",
            messages.WARNING,
        )

    @admin.action(description="Rotate the secret of the selected partners")
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        actor = Actor.for_user(request.user)
        for partner in queryset:
            secret = partner_rotate_secret(partner=partner, actor=actor)
            self.message_user(request, f"{partner.name}: new secret (shown only now): {secret}", messages.WARNING)

    @admin.action(description="Deactivate the selected partners")
    def deactivate(self, request: HttpRequest, queryset: QuerySet[Partner]) -> None:
        actor = Actor.for_user(request.user)
        changed = sum(partner_deactivate(partner=partner, actor=actor) for partner in queryset)
        self.message_user(request, f"{changed} partner(s) deactivated.")
