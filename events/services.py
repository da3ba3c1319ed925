"""Writes to the events tables outside the domain services: retention."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events.models import OutboxEvent


def outbox_prune(*, now: datetime | None = None) -> int:
    """Delete events published more than OUTBOX_RETENTION_DAYS ago; return how many. Unpublished
    rows are never pruned, however old."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    with transaction.atomic(durable=True):
        deleted, _ = OutboxEvent.objects.filter(published_at__lt=cutoff).delete()
    return deleted
