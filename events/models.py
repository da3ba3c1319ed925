"""The outbox (events written with the change that caused them) and what consumers did with them."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone

ENVELOPE_VERSION = 1


class OutboxEvent(models.Model):
    """One domain event, written in the transaction of its change; `published_at` is set once
    JetStream acknowledged it (`relay_outbox`). The row is the envelope (`envelope()`)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=64)
    version = models.PositiveSmallIntegerField(default=ENVELOPE_VERSION)
    occurred_at = models.DateTimeField(default=timezone.now)
    subject = models.CharField(max_length=64, help_text="The aggregate's id (purchase, payout, user).")
    data = models.JSONField(encoder=DjangoJSONEncoder)
    published_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["occurred_at"]
        indexes = [
            # The relay reads only the backlog, oldest first: the index holds only unpublished rows.
            models.Index(fields=["occurred_at"], name="outbox_unpublished_idx", condition=Q(published_at__isnull=True)),
            models.Index(fields=["published_at"], name="outbox_published_idx", condition=Q(published_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.subject}"

    def envelope(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "type": self.type,
            "version": self.version,
            "occurred_at": self.occurred_at.isoformat().replace("+00:00", "Z"),
            "subject": self.subject,
            "data": self.data,
        }


class HandledEvent(models.Model):
    """ "Consumer X handled event Y", committed with X's effect: a redelivery finds it and does nothing."""

    consumer = models.CharField(max_length=64)
    event_id = models.UUIDField()
    handled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["consumer", "event_id"], name="handled_event_once")]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.event_id}"


class DeadLetter(models.Model):
    """An event a consumer gave up on after its last attempt; staff retry it from the admin."""

    consumer = models.CharField(max_length=64)
    event_id = models.UUIDField()
    type = models.CharField(max_length=64)
    envelope = models.JSONField(encoder=DjangoJSONEncoder)
    error = models.TextField()
    attempts = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    retried_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["consumer", "event_id"], name="dead_letter_once")]

    def __str__(self) -> str:
        return f"{self.consumer}: {self.type} {self.event_id}"
