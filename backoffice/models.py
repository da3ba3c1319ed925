"""Back-office screens that are not tables of their own: review queues as proxy models.

A proxy gives each queue its own changelist and its own permissions, without another table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import User
from payouts.models import Payout
from purchases.models import Purchase


class FlaggedPurchase(Purchase):
    """The fraud review queue: purchases held for staff review."""

    class Meta:
        proxy = True
        verbose_name = "flagged purchase"
        verbose_name_plural = "fraud review queue"


class RequestedPayout(Payout):
    """The payout queue: payouts waiting for finance to send the money (or fail them)."""

    class Meta:
        proxy = True
        verbose_name = "requested payout"
        verbose_name_plural = "payout queue"


class Customer(User):
    """The customer 360 page: one user's money, purchases, payouts, flags and staff notes."""

    class Meta:
        proxy = True
        verbose_name = "customer"


class StaffNote(models.Model):
    """A note staff leave on a customer's page: who wrote it, when, what. Never edited."""

    id = models.BigAutoField(primary_key=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        indexes = [models.Index(fields=["customer", "-created_at"], name="staff_note_customer_created")]
        constraints = [models.CheckConstraint(condition=~models.Q(text=""), name="staff_note_text_not_empty")]

    def __str__(self) -> str:
        return f"note by {self.author_id} on {self.created_at:%Y-%m-%d}"
