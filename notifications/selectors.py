from __future__ import annotations

from collections.abc import Mapping

from django.db.models import QuerySet

from accounts.models import User
from notifications.models import Notification


def notification_list(*, user: User, filters: Mapping[str, str]) -> QuerySet[Notification]:
    """The user's notifications, newest first; `unread=true` keeps the unread ones."""
    notifications = Notification.objects.filter(user=user).order_by("-created_at", "-id")
    if filters.get("unread", "").lower() in {"true", "1"}:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications
