"""Wallets and their append-only ledger. The wallet row caches totals; the entries are the truth."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clicknback.append_only import AppendOnlyModel
from clicknback.money import ZERO, MoneyModelField


class Wallet(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="wallet")
    pending = MoneyModelField(default=ZERO)
    # May go below zero: a reversal after a payout leaves a debt paid back from later cashback.
    available = MoneyModelField(default=ZERO)
    paid = MoneyModelField(default=ZERO)
    # Number of entries so far; the next entry gets entry_count + 1, so entries have a strict order.
    entry_count = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(pending__gte=0), name="wallet_pending_not_negative"),
            models.CheckConstraint(condition=Q(paid__gte=0), name="wallet_paid_not_negative"),
        ]

    def __str__(self) -> str:
        return f"wallet of {self.user_id}"


class EntryType(models.TextChoices):
    CASHBACK_PENDING = "cashback_pending", "Cashback pending"
    CASHBACK_CONFIRMED = "cashback_confirmed", "Cashback confirmed"
    CASHBACK_REVERSED = "cashback_reversed", "Cashback reversed"
    PAYOUT_REQUESTED = "payout_requested", "Payout requested"
    PAYOUT_FAILED = "payout_failed", "Payout failed"
    POINTS_REDEEMED = "points_redeemed", "Points redeemed"
    ADJUSTMENT = "adjustment", "Adjustment"


# The document each type of entry comes from: a purchase, a payout, or neither (the database checks it).
PURCHASE_ENTRY_TYPES = (EntryType.CASHBACK_PENDING, EntryType.CASHBACK_CONFIRMED, EntryType.CASHBACK_REVERSED)
PAYOUT_ENTRY_TYPES = (EntryType.PAYOUT_REQUESTED, EntryType.PAYOUT_FAILED)
UNDOCUMENTED_ENTRY_TYPES = (EntryType.POINTS_REDEEMED, EntryType.ADJUSTMENT)


class WalletEntry(AppendOnlyModel):
    """One balance change: the deltas per bucket and the balances right after it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    sequence = models.PositiveBigIntegerField()
    type = models.CharField(max_length=32, choices=EntryType.choices)
    pending_delta = MoneyModelField(default=ZERO)
    available_delta = MoneyModelField(default=ZERO)
    paid_delta = MoneyModelField(default=ZERO)
    pending_balance = MoneyModelField()
    available_balance = MoneyModelField()
    paid_balance = MoneyModelField()
    # The document the entry comes from. Plain ids keep the ledger free of the apps that use it.
    purchase_id = models.UUIDField(null=True, blank=True)
    payout_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name_plural = "wallet entries"
        ordering = ["-sequence"]
        # The back-office charts cashback issued and reversed per day over the last 30 days.
        indexes = [models.Index(fields=["created_at"], name="wallet_entry_created")]
        constraints = [
            models.UniqueConstraint(fields=["wallet", "sequence"], name="wallet_entry_sequence_unique"),
            # A purchase or payout moves money at most once per kind of entry: no double reward,
            # no double refund, whatever the timing.
            models.UniqueConstraint(
                fields=["purchase_id", "type"],
                condition=Q(purchase_id__isnull=False),
                name="wallet_entry_once_per_purchase",
            ),
            models.UniqueConstraint(
                fields=["payout_id", "type"], condition=Q(payout_id__isnull=False), name="wallet_entry_once_per_payout"
            ),
            models.CheckConstraint(condition=Q(type__in=EntryType.values), name="wallet_entry_type_valid"),
            models.CheckConstraint(
                condition=Q(type__in=PURCHASE_ENTRY_TYPES, purchase_id__isnull=False, payout_id__isnull=True)
                | Q(type__in=PAYOUT_ENTRY_TYPES, purchase_id__isnull=True, payout_id__isnull=False)
                | Q(type__in=UNDOCUMENTED_ENTRY_TYPES, purchase_id__isnull=True, payout_id__isnull=True),
                name="wallet_entry_document_matches_type",
            ),
            models.CheckConstraint(condition=Q(pending_balance__gte=0), name="wallet_entry_pending_not_negative"),
            models.CheckConstraint(condition=Q(paid_balance__gte=0), name="wallet_entry_paid_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.sequence}"


class AdjustmentStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class Adjustment(models.Model):
    """A manual credit or debit of a user's available balance (a goodwill credit, a correction).

    Maker-checker: one finance member proposes it, a different one approves it, and only the
    approval posts it to the ledger (as one `adjustment` entry). proposed -> approved | rejected.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="adjustments")
    amount = MoneyModelField(help_text="Added to the available balance; negative to take money back.")
    reason = models.CharField(max_length=500)
    status = models.CharField(max_length=16, choices=AdjustmentStatus.choices, default=AdjustmentStatus.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The ledger entry the approval posted: a plain id, as the ledger keeps its documents (no foreign
    # key between the ledger and the documents that move it).
    entry_id = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        permissions = [("approve_adjustment", "Can approve or reject adjustments proposed by someone else")]
        indexes = [models.Index(fields=["status", "proposed_at"], name="adjustment_status_proposed")]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="adjustment_amount_not_zero"),
            models.CheckConstraint(condition=~Q(reason=""), name="adjustment_reason_not_empty"),
            models.CheckConstraint(condition=Q(status__in=AdjustmentStatus.values), name="adjustment_status_valid"),
            # The checker is never the maker, whatever the code above the database does.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=models.F("proposed_by")),
                name="adjustment_approver_is_not_proposer",
            ),
            models.CheckConstraint(
                condition=Q(status=AdjustmentStatus.PROPOSED, decided_by__isnull=True, entry_id__isnull=True)
                | Q(status=AdjustmentStatus.APPROVED, decided_by__isnull=False, entry_id__isnull=False)
                | Q(status=AdjustmentStatus.REJECTED, decided_by__isnull=False, entry_id__isnull=True),
                name="adjustment_status_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"adjustment of {self.amount} ({self.status})"
