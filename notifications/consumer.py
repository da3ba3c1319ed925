"""The `notifications` consumer: one in-app notification and one email per user-facing event."""

from __future__ import annotations

from typing import Any

from notifications.models import NotificationKind
from notifications.services import notification_create


def notify(envelope: dict[str, Any]) -> None:
    notification_create(
        user_id=envelope["data"]["user_id"], kind=envelope["type"], event_id=envelope["id"], data=envelope["data"]
    )


HANDLERS = {kind: notify for kind in NotificationKind.values}
