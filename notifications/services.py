"""Writes to notifications. `notification_create` joins the consumer's transaction (with its
`HandledEvent` row); the others are transactions of their own."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from clicknback.errors import NotFound
from notifications.models import Notification


def notification_create(*, user_id: uuid.UUID | str, kind: str, event_id: str, data: dict[str, Any]) -> Notification:
    """The notification of one event for its user, from the kind's template (`notifications/<kind>.txt`:
    the title on the first line, the body after it), and its email once the transaction commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notification_create runs inside the consumer's transaction.")
    user = User.objects.get(pk=user_id)
    title, _, body = render_to_string(f"notifications/{kind}.txt", {"data": data}).strip().partition("\n")
    notification = Notification.objects.create(
        user=user, kind=kind, title=title.strip(), body=body.strip(), data=data, source_event_id=event_id
    )
    transaction.on_commit(
        lambda: send_mail(notification.title, notification.body, settings.DEFAULT_FROM_EMAIL, [user.email])
    )
    return notification


def notification_read(*, user: User, notification_id: uuid.UUID) -> Notification:
    """Mark one of the user's notifications read (again: no change); another's is NotFound."""
    with transaction.atomic(durable=True):
        notification = Notification.objects.select_for_update().filter(pk=notification_id, user=user).first()
        if notification is None:
            raise NotFound("No such notification.")
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
    return notification


def notifications_read_all(*, user: User) -> int:
    with transaction.atomic(durable=True):
        return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
