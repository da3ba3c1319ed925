"""Payouts (withdrawals of available cashback) and their audit trail."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clicknback.append_only import AppendOnlyModel
from clicknback.money import ZERO, MoneyModelField
from payouts.destinations import mask_email, mask_iban


class PayoutMethod(models.TextChoices):
    BANK_TRANSFER = "bank_transfer", "Bank transfer"
    PAYPAL = "paypal", "PayPal"
    TOKEN = "token", "Token"  # minted to the user's chain address (chain/)


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
    # A token payout's is the chain address it mints to (EIP-55), public and shown in full.
    destination = models.CharField(max_length=254)
    status = models.CharField(max_length=16, choices=PayoutStatus.choices, default=PayoutStatus.REQUESTED)
    failure_reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True)
    processed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="processed_payouts"
    )
    # A token payout's mint, once final on chain (a reverted one's hash stays on its failure).
    tx_hash = models.CharField(max_length=66, blank=True, default="")
    block_number = models.PositiveBigIntegerField(null=True, blank=True)

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
            # Only a token payout has a chain transaction; a completed one always has its mint's.
            models.CheckConstraint(
                condition=Q(method=PayoutMethod.TOKEN) | (Q(tx_hash="") & Q(block_number__isnull=True)),
                name="payout_chain_fields_only_token",
            ),
            models.CheckConstraint(
                condition=~Q(method=PayoutMethod.TOKEN, status=PayoutStatus.COMPLETED)
                | (~Q(tx_hash="") & Q(block_number__isnull=False)),
                name="payout_completed_token_has_mint",
            ),
            models.CheckConstraint(
                condition=~Q(method=PayoutMethod.TOKEN) | Q(destination__regex=r"^0x[0-9a-fA-F]{40}$"),
                name="payout_token_destination_address",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} to {self.masked_destination} ({self.status})"

    @property
    def masked_destination(self) -> str:
        if self.method == PayoutMethod.TOKEN:
            return self.destination  # a chain address is public: the chain shows it to anyone
        if self.method == PayoutMethod.BANK_TRANSFER:
            return mask_iban(self.destination)
        return mask_email(self.destination)


class PayoutEvent(AppendOnlyModel):
    """One change of a payout (requested, completed, failed), who made it and why; written in the
    transaction of the change."""

    id = models.BigAutoField(primary_key=True)
    payout = models.ForeignKey(Payout, on_delete=models.PROTECT, related_name="events", db_index=False)
    from_status = models.CharField(max_length=16, choices=PayoutStatus.choices, blank=True, default="")
    to_status = models.CharField(max_length=16, choices=PayoutStatus.choices)
    actor_kind = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64, blank=True, default="")
    actor_label = models.CharField(max_length=254, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["payout", "id"]
        indexes = [models.Index(fields=["payout", "id"], name="payout_event_by_payout")]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"
