"""Payouts (withdrawals of available cashback) and the idempotency keys of their requests."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clicknback.money import ZERO, MoneyModelField
from payouts.destinations import mask_email, mask_iban


class PayoutMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    PAYPAL = "paypal", "PayPal"


class PayoutStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"


class Payout(models.Model):
    """One withdrawal. Its money left `available` for `paid` when it was requested; a failure
    moves it back. `processed_by`/`processed_at` say who completed or failed it, and when."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts")
    amount = MoneyModelField()
    currency = models.CharField(max_length=3)
    method = models.CharField(max_length=16, choices=PayoutMethod.choices)
    # Normalised (IBAN uppercase without spaces, email lowercased) and kept in full; shown masked.
    destination = models.CharField(max_length=254)
    status = models.CharField(max_length=16, choices=PayoutStatus.choices, default=PayoutStatus.REQUESTED)
    failure_reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="processed_payouts"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        # Completing or failing a payout moves money out: finance and superusers only.
        permissions = [("process_payout", "Can complete or fail payouts")]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="payout_user_created_idx"),
            models.Index(fields=["status", "created_at"], name="payout_status_created_idx"),
            # The back-office warns when several users pay out to one destination.
            models.Index(fields=["destination", "user"], name="payout_destination_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=ZERO), name="payout_amount_positive"),
            models.CheckConstraint(condition=Q(method__in=PayoutMethod.values), name="payout_method_valid"),
            models.CheckConstraint(condition=Q(status__in=PayoutStatus.values), name="payout_status_valid"),
            # A requested payout is unprocessed; a processed one says when; a failed one says why.
            models.CheckConstraint(
                condition=(Q(status=PayoutStatus.REQUESTED) & Q(processed_at__isnull=True))
                | (~Q(status=PayoutStatus.REQUESTED) & Q(processed_at__isnull=False)),
                name="payout_processed_at_matches_status",
            ),
            models.CheckConstraint(
                condition=~Q(status=PayoutStatus.FAILED) | ~Q(failure_reason=""),
                name="payout_failed_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} to {self.masked_destination} ({self.status})"

    @property
    def masked_destination(self) -> str:
        if self.method == PayoutMethod.BANK_TRANSFER:
            return mask_iban(self.destination)
        return mask_email(self.destination)


class IdempotencyKey(models.Model):
    """The first successful response to a `POST /payouts` carrying an `Idempotency-Key`.

    The row is inserted first in the payout's own transaction, so a concurrent request with the
    same key waits on the unique index and then replays the stored response. It commits only
    together with its payout and response, so a committed row always has a response; a refused
    request rolls back and leaves the key free for a corrected retry.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # sha256 of method, path and canonical JSON body: the same key with another body is refused.
    fingerprint = models.CharField(max_length=64)
    payout = models.ForeignKey(Payout, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Null only inside the transaction that creates the row, before the response exists.
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # The rendered JSON text: a replay returns exactly these bytes (jsonb would reorder keys).
    response_body = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="payout_idempotency_key_unique")]
        indexes = [models.Index(fields=["created_at"], name="payout_idem_created_idx")]

    def __str__(self) -> str:
        return f"idempotency key {self.key!r} of {self.user_id}"
