"""Back-office screens that are not tables of their own: review queues as proxy models.

A proxy gives each queue its own changelist and its own permissions, without another table.
"""

from __future__ import annotations

from payouts.models import Payout
from purchases.models import Purchase


class FlaggedPurchase(Purchase):
    """The fraud review queue: purchases held for staff review."""

    class Meta:
        proxy = True
        verbose_name = "flagged purchase"
        verbose_name_plural = "fraud review queue"
        # Clearing, confirming or reversing a purchase by hand (support and superusers).
        permissions = [("review_purchase", "Can clear, confirm or reverse purchases")]


class RequestedPayout(Payout):
    """The payout queue: payouts waiting for finance to send the money (or fail them)."""

    class Meta:
        proxy = True
        verbose_name = "requested payout"
        verbose_name_plural = "payout queue"
        # Completing or failing a payout moves money out: finance and superusers only.
        permissions = [("process_payout", "Can complete or fail payouts")]
