"""Models shared by every app: the stored responses of idempotent requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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
