"""The audit trail in the back-office: its own list screen, and a panel on the page of each audited object.
Read-only for everyone: rows are written by the services, in the transaction of the change."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.http import HttpRequest, HttpResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from clicknback.admin_tools import ReadOnlyAdminMixin
from clicknback.audit import audit_entries_of
from clicknback.models import AuditLogEntry

AUDIT_PANEL_ROWS = 50
VIEW_AUDIT = "clicknback.view_auditlogentry"


@admin.register(AuditLogEntry)
class AuditLogEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "action", "content_type", "audited_object", "actor")
    list_filter = ("action", ("content_type", admin.RelatedOnlyFieldListFilter), "actor_kind")
    list_select_related = ("content_type",)
    search_fields = ("object_repr", "object_id", "actor_label")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "action",
        "content_type",
        "audited_object",
        "actor",
        "actor_user",
        "changes_table",
    )
    readonly_fields = fields

    @admin.display(description="object", ordering="object_repr")
    def audited_object(self, entry: AuditLogEntry) -> str:
        """A link to the object's own page, when it has one."""
        try:
            url = reverse(
                f"admin:{entry.content_type.app_label}_{entry.content_type.model}_change", args=[entry.object_id]
            )
        except NoReverseMatch:
            return entry.object_repr
        return format_html('<a href="{}">{}</a>', url, entry.object_repr)

    @admin.display(description="actor", ordering="actor_label")
    def actor(self, entry: AuditLogEntry) -> str:
        return f"{entry.actor_kind}: {entry.actor_label or entry.actor_id}"

    @admin.display(description="changes")
    def changes_table(self, entry: AuditLogEntry) -> str:
        return format_html(
            "<table><tr><th>Field</th><th>Before</th><th>After</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", entry.changed_fields),
        )


class AuditTrailMixin:
    """For the admin of an audited model: its change page ends with the object's latest audit rows
    (a panel, not an inline, so the change form posts exactly as before)."""

    change_form_template = "admin/audit_trail_change_form.html"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        extra_context = extra_context or {}
        if request.user.has_perm(VIEW_AUDIT):
            pk = unquote(object_id)
            filters = {"content_type__id__exact": ContentType.objects.get_for_model(self.model).pk, "object_id": pk}
            extra_context["audit_entries"] = audit_entries_of(model=self.model, object_id=pk)[:AUDIT_PANEL_ROWS]
            extra_context["audit_entries_url"] = (
                f"{reverse('admin:clicknback_auditlogentry_changelist')}?{urlencode(filters)}"
            )
        return super().change_view(request, object_id, form_url, extra_context)
