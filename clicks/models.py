"""Clicks: a user activating cashback at a merchant before shopping. A partner reports the sale
with the click's id, so it never needs our user ids."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

# 18 random bytes: 24 URL-safe characters, so a click id can be neither guessed nor enumerated.
CLICK_ID_BYTES = 18
CLICK_ID_MAX_LENGTH = 64
# A partner's clock may run a little behind ours: a purchase dated this much before the click still counts.
CLOCK_SKEW = timedelta(minutes=5)


def new_click_id() -> str:
    return secrets.token_urlsafe(CLICK_ID_BYTES)


class Click(models.Model):
    id = models.CharField(primary_key=True, max_length=CLICK_ID_MAX_LENGTH, default=new_click_id, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clicks")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="clicks")
    offer = models.ForeignKey("offers.Offer", on_delete=models.PROTECT, related_name="clicks", db_index=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The end of the attribution window (created_at + CLICK_TTL_DAYS).
    expires_at = models.DateTimeField()
    # HMAC of the client address and user agent (keyed with SECRET_KEY): evidence that two clicks
    # came from one device, without keeping the address itself.
    client_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="click_expires_after"),
        ]
        indexes = [
            # A user's clicks, newest first (GET /clicks for a user; a claim's evidence).
            models.Index(fields=["user", "-created_at"], name="click_user_created"),
            # A merchant's clicks, newest first (admins' filter; clicks per merchant per day).
            models.Index(fields=["merchant", "-created_at"], name="click_merchant_created"),
            models.Index(fields=["-created_at"], name="click_created"),
        ]

    def __str__(self) -> str:
        return self.id

    def covers(self, moment: datetime) -> bool:
        """Whether a purchase made at `moment` falls in this click's attribution window (from a
        few minutes before the click, for clocks that disagree, to its expiry)."""
        return self.created_at - CLOCK_SKEW <= moment <= self.expires_at
