"""Writes to notifications. `notification_create` joins the consumer's transaction (with its
`HandledEvent` row); the others are transactions of their own. `points_expiring_remind` writes the
`points.expiring` events the consumer turns into reminders."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import User
from clicknback.errors import NotFound
from clicknback.rawsql import col, table
from events import outbox
from loyalty.models import PointsLot
from notifications.models import ExpiryReminder, Notification

# api-v1-rewards.md, "Notifications": points that will expire within 7 days, once per lot.
EXPIRING_WITHIN_DAYS = 7


def notification_create(
    *,
    user_id: uuid.UUID | str,
    kind: str,
    event_id: str,
    data: dict[str, Any],
    context: Mapping[str, Any] | None = None,
) -> Notification:
    """The notification of one event for its user, from the kind's template (`notifications/<kind>.txt`:
    the title on the first line, the body after it; `data` and any `context` the handler adds), and
    its email once the transaction commits."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notification_create runs inside the consumer's transaction.")
    user = User.objects.get(pk=user_id)
    title, _, body = (
        render_to_string(f"notifications/{kind}.txt", {**(context or {}), "data": data}).strip().partition("\n")
    )
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


def points_expiring_remind(*, today: date | None = None, batch_size: int = 500) -> int:
    """One batch of the daily reminder: for each lot with points left that expires within
    EXPIRING_WITHIN_DAYS (today included) and has had no reminder, an `ExpiryReminder` and a
    `points.expiring` event, in one transaction; how many lots. The reminders are inserted with
    ON CONFLICT DO NOTHING ... RETURNING, so copies running at once each remind the lots they won,
    and the unique lot keeps a second run (or a rerun of the day) from reminding anyone twice."""
    today = today or timezone.now().date()
    reminder, lot = ExpiryReminder, PointsLot
    sql = f"""
        INSERT INTO {table(reminder)} ({col(reminder, "lot")}, {col(reminder, "created_at")})
        SELECT l.{col(lot, "id")}, %(now)s FROM {table(lot, "l")}
        WHERE l.{col(lot, "points_left")} > 0 AND l.{col(lot, "expires_on")} BETWEEN %(first)s AND %(last)s
          AND NOT EXISTS (SELECT 1 FROM {table(reminder, "r")} WHERE r.{col(reminder, "lot")} = l.{col(lot, "id")})
        ORDER BY l.{col(lot, "expires_on")}, l.{col(lot, "id")}
        LIMIT %(limit)s
        ON CONFLICT DO NOTHING
        RETURNING {col(reminder, "lot")}"""  # noqa: S608 - identifiers from rawsql
    window = {"first": today, "last": today + timedelta(days=EXPIRING_WITHIN_DAYS), "limit": batch_size}
    with transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            cursor.execute(sql, {**window, "now": timezone.now()})
            lot_ids = [row[0] for row in cursor.fetchall()]
        lots = PointsLot.objects.filter(pk__in=lot_ids).values_list(
            "id", "account__user_id", "points_left", "expires_on"
        )
        outbox.record_many(
            (
                "points.expiring",
                user_id,
                {"user_id": user_id, "lot_id": lot_id, "points": points, "expires_on": expires_on},
            )
            for lot_id, user_id, points, expires_on in lots
        )
    return len(lot_ids)
