"""Chain addresses (a user's own EVM address, proven by signing a one-time challenge) and the
token payouts' mints."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from payouts.models import Payout


class PayoutPreference(models.TextChoices):
    MANUAL = "manual", "Manual"
    TOKEN = "token", "Token"


class ChainAddress(models.Model):
    """At most one per user and one user per address: the unique index decides, also under races.
    `address` is stored EIP-55 checksummed, so equal addresses are equal strings."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chain_address")
    address = models.CharField(max_length=42, unique=True)
    verified_at = models.DateTimeField()
    payout_preference = models.CharField(
        max_length=10, choices=PayoutPreference.choices, default=PayoutPreference.MANUAL
    )

    def __str__(self) -> str:
        return self.address


class ChainChallenge(models.Model):
    """A message the user signs with the address's key to prove they hold it; used once."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    address = models.CharField(max_length=42)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "address", "-created_at"], name="chain_challenge_latest")]

    def __str__(self) -> str:
        return f"{self.address} ({self.user_id})"


class BlockchainTransaction(models.Model):
    """One mint on chain: the transaction that made a token payout final. One per payout (the
    contract's ref is the payout id) and one per transaction; written with the payout's completion."""

    id = models.BigAutoField(primary_key=True)
    payout = models.OneToOneField(Payout, on_delete=models.PROTECT, related_name="blockchain_transaction")
    tx_hash = models.CharField(max_length=66, unique=True)
    block_number = models.PositiveBigIntegerField()
    chain_id = models.PositiveBigIntegerField()
    to_address = models.CharField(max_length=42)
    amount = models.PositiveBigIntegerField(help_text="Token units (cents).")
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-block_number", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="blockchain_transaction_amount_positive"),
            models.CheckConstraint(
                condition=Q(tx_hash__regex=r"^0x[0-9a-f]{64}$"), name="blockchain_transaction_tx_hash_shape"
            ),
        ]

    def __str__(self) -> str:
        return self.tx_hash


class TokenPayout(Payout):
    """Token payouts and their chain status, for the back-office (read-only: the mint moves them)."""

    class Meta:
        proxy = True
        verbose_name = "token payout"
