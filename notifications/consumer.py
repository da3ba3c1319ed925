"""The `notifications` consumer: one in-app notification and one email per user-facing event."""

from __future__ import annotations

import uuid
from typing import Any

from loyalty.models import Tier
from notifications.models import NotificationKind
from notifications.services import notification_create


def notify(envelope: dict[str, Any], **context: Any) -> None:
    notification_create(
        user_id=envelope["data"]["user_id"],
        kind=envelope["type"],
        event_id=envelope["id"],
        data=envelope["data"],
        context=context,
    )


def notify_tier_changed(envelope: dict[str, Any]) -> None:
    """tier.changed names its tiers by id or by name (events.md: "from, to"); the text says names."""
    data = envelope["data"]
    notify(envelope, from_tier=_tier_name(data, "from"), to_tier=_tier_name(data, "to"))


def _tier_name(data: dict[str, Any], side: str) -> str:
    given = next((data[k] for k in (f"{side}_tier_name", f"{side}_tier", f"{side}_tier_id", side) if data.get(k)), "")
    try:
        tier_id = uuid.UUID(str(given))
    except ValueError:
        return str(given)
    return Tier.objects.filter(pk=tier_id).values_list("name", flat=True).first() or str(given)


HANDLERS = {kind: notify for kind in NotificationKind.values} | {NotificationKind.TIER_CHANGED: notify_tier_changed}
