"""Models every app shares: the audit trail (one row for every change staff or partners make, written
in the change's transaction, as Zulip's RealmAuditLog; PostgreSQL refuses to update or delete its rows),
the stored responses of idempotent requests, and the rate-limit counters kept in PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clicknback.actors import ActorKind
from clicknback.append_only import AppendOnlyModel


class AuditAction(models.TextChoices):
    MERCHANT_CREATED = "merchant.created", "Merchant created"
    MERCHANT_UPDATED = "merchant.updated", "Merchant updated"
    MERCHANT_ACTIVATED = "merchant.activated", "Merchant activated"
    MERCHANT_DEACTIVATED = "merchant.deactivated", "Merchant deactivated"
    OFFER_CREATED = "offer.created", "Offer created"
    OFFER_UPDATED = "offer.updated", "Offer updated"
    OFFER_ACTIVATED = "offer.activated", "Offer activated"
    OFFER_DEACTIVATED = "offer.deactivated", "Offer deactivated"
    PARTNER_CREATED = "partner.created", "Partner created"
    PARTNER_RENAMED = "partner.renamed", "Partner renamed"
    PARTNER_SECRET_ROTATED = "partner.secret_rotated", "Partner secret rotated"
    PARTNER_DEACTIVATED = "partner.deactivated", "Partner deactivated"
    USER_GROUPS_CHANGED = "user.groups_changed", "User's staff groups changed"
    GROUP_PERMISSIONS_CHANGED = "group.permissions_changed", "Staff group's permissions changed"
    ADJUSTMENT_PROPOSED = "adjustment.proposed", "Adjustment proposed"
    ADJUSTMENT_APPROVED = "adjustment.approved", "Adjustment approved and posted"
    ADJUSTMENT_REJECTED = "adjustment.rejected", "Adjustment rejected"
    CAMPAIGN_CREATED = "campaign.created", "Campaign created"
    CAMPAIGN_UPDATED = "campaign.updated", "Campaign updated"
    CAMPAIGN_PAUSED = "campaign.paused", "Campaign paused"
    CAMPAIGN_RESUMED = "campaign.resumed", "Campaign resumed"
    CAMPAIGN_ENDED = "campaign.ended", "Campaign ended"


class AuditLogEntry(AppendOnlyModel):
    """Who (`actor_*`) did what (`action`) to which object, with each changed field's `[before, after]`."""

    id = models.BigAutoField(primary_key=True)
    actor_kind = models.CharField(max_length=16, choices=[(kind.value, kind.value) for kind in ActorKind])
    actor_id = models.CharField(max_length=64, blank=True, default="")
    actor_label = models.CharField(max_length=254, blank=True, default="")
    # The staff member or user, when a person acted (partners and jobs have only the kind and label).
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    # {field: [before, after]} in JSON-safe values (amounts as strings, dates ISO); never a secret.
    changes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "audit log entries"
        indexes = [models.Index(fields=["content_type", "object_id", "-id"], name="audit_entry_by_object")]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=AuditAction.values), name="audit_entry_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.object_repr}"

    @property
    def changed_fields(self) -> list[tuple[str, Any, Any]]:
        """`(field, before, after)` for each changed field, for reading."""
        return [(field, before, after) for field, (before, after) in self.changes.items()]


class IdempotencyKey(models.Model):
    """The first successful response to a POST carrying an `Idempotency-Key` (see
    `clicknback.idempotency`), whichever endpoint it was: keys are per user.

    The row is inserted first in the request's own transaction, so a concurrent request with the
    same key waits on the unique index and then replays the stored response. It commits only
    together with the work and its response, so a committed row always has a response; a refused
    request rolls back and leaves the key free for a corrected retry.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # sha256 of the route and the validated, canonical request: the same key for another request is refused.
    fingerprint = models.CharField(max_length=64)
    # Null only inside the transaction that creates the row, before the response exists.
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The rendered JSON text: a replay returns exactly these bytes (jsonb would reorder keys).
    response_body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created_idx")]

    def __str__(self) -> str:
        return f"idempotency key {self.key!r} of {self.user_id}"


class RateLimitCounter(models.Model):
    """Hits of one rate-limit key in its current window, when the counters live in PostgreSQL (no
    `REDIS_URL`): one row per `group:key`, shared by every process. `clicknback.ratelimit` reads
    and writes it with one statement; rows whose window ended are reused or purged."""

    key = models.TextField(primary_key=True)
    hits = models.PositiveIntegerField()
    window_ends_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits}"
