"""In-app notifications, made from domain events by the `notifications` consumer."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class NotificationKind(models.TextChoices):
    CASHBACK_APPROVED = "cashback.approved", "Cashback available"
    PAYOUT_COMPLETED = "payout.completed", "Payout completed"
    PAYOUT_FAILED = "payout.failed", "Payout failed"
    TOKEN_MINTED = "token.minted", "Tokens minted"
    TOKEN_MINT_FAILED = "token.mint.failed", "Token mint failed"
    TIER_CHANGED = "tier.changed", "Tier changed"
    POINTS_EXPIRING = "points.expiring", "Points expiring"
    CLAIM_APPROVED = "claim.approved", "Claim approved"
    CLAIM_REJECTED = "claim.rejected", "Claim rejected"


class Notification(models.Model):
    """One message to one user. `source_event_id` is the event it came from: one notification per
    user, kind and event, whatever the redeliveries."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField()
    data = models.JSONField(encoder=DjangoJSONEncoder, default=dict)
    source_event_id = models.UUIDField()
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"], name="notification_user_created_idx")]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "source_event_id"], name="notification_once_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"


class ExpiryReminder(models.Model):
    """A lot of points whose `points.expiring` event was written (`remind_expiring_points`): the
    unique lot makes the reminder once per lot, however often and however many copies of the job run."""

    id = models.BigAutoField(primary_key=True)
    lot = models.ForeignKey("loyalty.PointsLot", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["lot"], name="expiry_reminder_once_per_lot")]

    def __str__(self) -> str:
        return f"reminder for lot {self.lot_id}"
