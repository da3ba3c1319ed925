"""Dead letters in the back-office: what failed, why, and a button to handle it again."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from clicknback.admin_tools import ReadOnlyAdminMixin
from events.consumers import dead_letter_retry
from events.models import DeadLetter


@admin.register(DeadLetter)
class DeadLetterAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "consumer", "type", "event_id", "attempts", "retried_at", "resolved_at"]
    list_filter = ["consumer", "type", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["event_id"]
    actions = ["retry"]

    @admin.action(description="Retry the selected dead letters")
    def retry(self, request: HttpRequest, queryset: QuerySet[DeadLetter]) -> None:
        results = [dead_letter_retry(dead_letter_id=letter.pk) for letter in queryset.filter(resolved_at__isnull=True)]
        level = messages.SUCCESS if all(results) else messages.WARNING
        self.message_user(request, f"{sum(results)} of {len(results)} handled; the rest stay dead letters.", level)
