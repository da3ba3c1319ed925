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


class RequestedPayout(Payout):
    """The payout queue: payouts waiting for finance to send the money (or fail them)."""

    class Meta:
        proxy = True
        verbose_name = "requested payout"
        verbose_name_plural = "payout queue"
