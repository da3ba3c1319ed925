"""Loyalty tiers and the reward points ledger (../shared/docs/api-v1-rewards.md).

Two per-user rows, locked like a wallet and always in this order: `UserLoyalty` (tier and
qualifying spend), then `PointsAccount` (the points balance), then the wallet. The account row
caches totals; entries are the truth (`verify_ledger`): balance = Σ entries = Σ lots left - debt.
Entries, tier changes and redemption allocations are append-only in PostgreSQL (`AppendOnly`).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clicknback.append_only import AppendOnlyModel
from clicknback.money import ZERO, MoneyModelField


class Tier(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=64, unique=True)
    # Exactly one tier has 0.00 (the entry tier): unique, and the services never move it away from 0.
    min_spend = MoneyModelField(unique=True)
    cashback_boost_percent = models.DecimalField(max_digits=5, decimal_places=2, default=ZERO)
    points_multiplier = models.DecimalField(max_digits=6, decimal_places=2, default=1)
    upgrade_bonus_points = models.PositiveIntegerField(default=0)
    benefits = ArrayField(models.CharField(max_length=200), default=list, blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["min_spend"]
        constraints = [
            models.CheckConstraint(condition=Q(min_spend__gte=0), name="tier_min_spend_not_negative"),
            models.CheckConstraint(
                condition=Q(cashback_boost_percent__gte=0, cashback_boost_percent__lte=100),
                name="tier_cashback_boost_percent_range",
            ),
            models.CheckConstraint(condition=Q(points_multiplier__gte=1), name="tier_points_multiplier_at_least_one"),
        ]

    def __str__(self) -> str:
        return self.name


class UserLoyalty(models.Model):
    """The user's tier and qualifying spend, kept up to date at confirmation and reversal and
    recomputable from purchases (`recompute_tiers`)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, primary_key=True, related_name="loyalty"
    )
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    qualifying_spend = MoneyModelField(default=ZERO)
    tier_since = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "user loyalty"
        constraints = [
            models.CheckConstraint(condition=Q(qualifying_spend__gte=0), name="user_loyalty_spend_not_negative"),
        ]

    def __str__(self) -> str:
        return f"loyalty of {self.user_id}"


class TierChangeReason(models.TextChoices):
    SPEND = "spend", "Spend reached the tier"
    RECALCULATION = "recalculation", "Recalculation"


class TierChange(AppendOnlyModel):
    """One move of a user between tiers (append-only)."""

    id = models.BigAutoField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="tier_changes")
    from_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    to_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=16, choices=TierChangeReason.choices)
    actor_label = models.CharField(max_length=254, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "-id"], name="tier_change_by_user")]
        constraints = [
            models.CheckConstraint(condition=Q(reason__in=TierChangeReason.values), name="tier_change_reason_valid"),
            models.CheckConstraint(condition=~Q(from_tier=F("to_tier")), name="tier_change_changes_tier"),
        ]

    def __str__(self) -> str:
        return f"{self.from_tier_id} -> {self.to_tier_id} ({self.reason})"


class PointsAccount(models.Model):
    """The user's points: `balance` = Σ lots left - `debt`. Only a claw-back creates a debt (and a
    negative balance); later earnings pay it before they make new lots."""

    id = models.BigAutoField(primary_key=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="points_account")
    balance = models.BigIntegerField(default=0)
    debt = models.BigIntegerField(default=0)
    lifetime_earned = models.BigIntegerField(default=0)
    lifetime_redeemed = models.BigIntegerField(default=0)
    lifetime_expired = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(debt__gte=0), name="points_account_debt_not_negative"),
            models.CheckConstraint(condition=Q(balance__gte=-F("debt")), name="points_account_balance_above_debt"),
            models.CheckConstraint(
                condition=Q(lifetime_earned__gte=0, lifetime_redeemed__gte=0, lifetime_expired__gte=0),
                name="points_account_lifetime_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"points of {self.user_id}"


class PointsLot(models.Model):
    """Points earned together (one purchase, or one upgrade bonus), spent soonest-expiry first."""

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="lots")
    points = models.BigIntegerField()
    points_left = models.BigIntegerField()
    expires_on = models.DateField()
    # The purchase that earned it; None for an upgrade bonus (its entry names the tier).
    purchase_id = models.UUIDField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["expires_on", "id"]
        indexes = [
            # Redemption: a user's lots with points left, soonest expiry first.
            models.Index(
                fields=["account", "expires_on", "id"], name="points_lot_open", condition=Q(points_left__gt=0)
            ),
            # Expiry: open lots past their date, over everyone.
            models.Index(fields=["expires_on"], name="points_lot_expiring", condition=Q(points_left__gt=0)),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(points__gt=0, points_left__gte=0, points_left__lte=F("points")),
                name="points_lot_left_within_points",
            ),
            models.UniqueConstraint(
                fields=["purchase_id"], condition=Q(purchase_id__isnull=False), name="points_lot_once_per_purchase"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.points_left}/{self.points} until {self.expires_on}"


class PointsEntryType(models.TextChoices):
    EARNED = "earned", "Earned"
    UPGRADE_BONUS = "upgrade_bonus", "Upgrade bonus"
    REDEEMED = "redeemed", "Redeemed"
    EXPIRED = "expired", "Expired"
    CLAWED_BACK = "clawed_back", "Clawed back"


class Redemption(models.Model):
    """Points turned into available cashback (a `points_redeemed` wallet entry)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="redemptions")
    points = models.BigIntegerField()
    amount = MoneyModelField()
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0, amount__gt=0), name="redemption_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.points} points -> {self.amount} {self.currency}"


class RedemptionAllocation(AppendOnlyModel):
    """How many points of one lot a redemption used (append-only)."""

    id = models.BigAutoField(primary_key=True)
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, related_name="allocations")
    lot = models.ForeignKey(PointsLot, on_delete=models.PROTECT, related_name="allocations")
    points = models.BigIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(points__gt=0), name="redemption_allocation_positive"),
            models.UniqueConstraint(fields=["redemption", "lot"], name="redemption_allocation_once_per_lot"),
        ]

    def __str__(self) -> str:
        return f"{self.points} points of lot {self.lot_id}"


class PointsEntry(AppendOnlyModel):
    """One points movement and the balance right after it (append-only)."""

    id = models.BigAutoField(primary_key=True)
    account = models.ForeignKey(PointsAccount, on_delete=models.PROTECT, related_name="entries", db_index=False)
    type = models.CharField(max_length=16, choices=PointsEntryType.choices)
    points_delta = models.BigIntegerField()
    balance_after = models.BigIntegerField()
    purchase_id = models.UUIDField(null=True, blank=True)
    redemption = models.ForeignKey(Redemption, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The lot the entry made or emptied; an earning that only paid a debt makes none.
    lot = models.ForeignKey(PointsLot, on_delete=models.PROTECT, null=True, blank=True, related_name="entries")
    # The tier of an upgrade bonus: a tier's bonus is granted once per user per 365 days.
    bonus_tier = models.ForeignKey(Tier, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    expires_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "points entries"
        indexes = [
            # A user's history newest first (cursor pagination on id).
            models.Index(fields=["account", "-id"], name="points_entry_by_account"),
            # The back-office charts points moves per day.
            models.Index(fields=["created_at"], name="points_entry_created"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=PointsEntryType.values), name="points_entry_type_valid"),
            models.CheckConstraint(
                condition=Q(type__in=[PointsEntryType.EARNED, PointsEntryType.UPGRADE_BONUS], points_delta__gt=0)
                | Q(
                    type__in=[PointsEntryType.REDEEMED, PointsEntryType.EXPIRED, PointsEntryType.CLAWED_BACK],
                    points_delta__lt=0,
                ),
                name="points_entry_sign_matches_type",
            ),
            models.CheckConstraint(
                condition=Q(type__in=[PointsEntryType.EARNED, PointsEntryType.CLAWED_BACK], purchase_id__isnull=False)
                | Q(type=PointsEntryType.REDEEMED, redemption__isnull=False, purchase_id__isnull=True)
                | Q(type=PointsEntryType.UPGRADE_BONUS, bonus_tier__isnull=False, purchase_id__isnull=True)
                | Q(type=PointsEntryType.EXPIRED, lot__isnull=False, purchase_id__isnull=True),
                name="points_entry_document_matches_type",
            ),
            # A purchase earns once and is clawed back once; a lot expires once.
            models.UniqueConstraint(
                fields=["purchase_id", "type"],
                condition=Q(purchase_id__isnull=False),
                name="points_entry_once_per_purchase",
            ),
            models.UniqueConstraint(
                fields=["lot"], condition=Q(type=PointsEntryType.EXPIRED), name="points_entry_lot_expires_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.points_delta:+d}"
