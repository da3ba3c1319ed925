"""Chain addresses: a user's own EVM address, proven by signing a one-time challenge."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


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
