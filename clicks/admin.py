"""Back-office for clicks: evidence, read only."""

from __future__ import annotations

from django.contrib import admin

from clicknback.admin_tools import ReadOnlyAdminMixin
from clicks.models import Click


@admin.register(Click)
class ClickAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("id", "user", "merchant", "created_at", "expires_at")
    list_select_related = ("user", "merchant")
    list_filter = ("created_at",)
    search_fields = ("=id", "user__email", "merchant__name")
    ordering = ("-created_at",)
