"""Campaigns: time-boxed bonuses on top of offers, their budgets, enrollments and the bonuses paid.

The budget is held in `BUDGET_STRIPES` counter rows per campaign (`CampaignBudgetStripe`), so
concurrent ingestions take from different rows (`FOR UPDATE SKIP LOCKED`) instead of queueing on
one. `budget_spent` is the sum of the stripes' `spent`; each `CampaignBonus` records which stripes
paid it, so a reversal gives back to exactly those. Stripes are locked after the wallet, and a
transaction waits for stripes only in slot order and while it holds none of them (services.py).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.lookups import Exact
from django.utils import timezone

from clicknback.money import ZERO, MoneyModelField

BUDGET_STRIPES = 16


class CampaignKind(models.TextChoices):
    BONUS_PERCENT = "bonus_percent", "Percent of the amount"
    BONUS_FIXED = "bonus_fixed", "Fixed amount"
    MULTIPLIER = "multiplier", "Multiplier of the base cashback"


class CampaignStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    ENDED = "ended", "Ended"


class Campaign(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    kind = models.CharField(max_length=16, choices=CampaignKind.choices)
    value = models.DecimalField(max_digits=14, decimal_places=2)
    # Empty: every merchant.
    merchant_ids = ArrayField(models.UUIDField(), default=list, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    min_purchase_amount = MoneyModelField(null=True, blank=True)
    max_bonus_per_purchase = MoneyModelField(null=True, blank=True)
    max_uses_per_user = models.PositiveIntegerField(null=True, blank=True)
    # None: no limit. What is spent lives in the stripes (`budget_spent` is their sum).
    budget = MoneyModelField(null=True, blank=True)
    requires_enrollment = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=CampaignKind.values), name="campaign_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=CampaignStatus.values), name="campaign_status_valid"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="campaign_window_valid"),
            models.CheckConstraint(
                condition=(Q(kind=CampaignKind.BONUS_PERCENT, value__gt=0, value__lte=100))
                | Q(kind=CampaignKind.BONUS_FIXED, value__gt=0)
                | Q(kind=CampaignKind.MULTIPLIER, value__gt=1, value__lte=10),
                name="campaign_value_valid",
            ),
            models.CheckConstraint(
                condition=Q(min_purchase_amount__isnull=True) | Q(min_purchase_amount__gte=0),
                name="campaign_min_purchase_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(max_bonus_per_purchase__isnull=True) | Q(max_bonus_per_purchase__gt=0),
                name="campaign_max_bonus_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_uses_per_user__isnull=True) | Q(max_uses_per_user__gt=0),
                name="campaign_max_uses_positive",
            ),
            models.CheckConstraint(condition=Q(budget__isnull=True) | Q(budget__gte=0), name="campaign_budget_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="campaign_name_not_empty"),
        ]
        indexes = [
            # Ingestion's candidates: active campaigns whose window has not ended.
            models.Index(fields=["ends_at"], name="campaign_active_ends", condition=Q(status=CampaignStatus.ACTIVE)),
        ]

    def __str__(self) -> str:
        return self.name

    def is_running(self, at=None) -> bool:
        at = at or timezone.now()
        return self.status == CampaignStatus.ACTIVE and self.starts_at <= at < self.ends_at


class CampaignBudgetStripe(models.Model):
    """A slice of a campaign's budget: `limit` (None with no budget) of which `spent` is taken."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="stripes", db_index=False)
    slot = models.PositiveSmallIntegerField()
    limit = MoneyModelField(null=True, blank=True)
    spent = MoneyModelField(default=ZERO)

    class Meta:
        ordering = ["campaign", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "slot"], name="campaign_stripe_slot_unique"),
            models.CheckConstraint(condition=Q(spent__gte=0), name="campaign_stripe_spent_not_negative"),
            models.CheckConstraint(
                condition=Q(limit__isnull=True) | Q(spent__lte=F("limit")), name="campaign_stripe_within_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} #{self.slot}"


class CampaignEnrollment(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="enrollments", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    enrolled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "user"], name="campaign_enrollment_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.campaign_id}"


class CampaignBonus(models.Model):
    """The bonus one purchase got from a campaign, and the stripes that paid it (`slots[i]` paid
    `amounts[i]`). A reversal marks it reversed and gives those amounts back to those stripes."""

    id = models.BigAutoField(primary_key=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="bonuses", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    purchase_id = models.UUIDField(unique=True)
    amount = MoneyModelField()
    slots = ArrayField(models.PositiveSmallIntegerField())
    amounts = ArrayField(MoneyModelField())
    created_at = models.DateTimeField(default=timezone.now)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="campaign_bonus_positive"),
            models.CheckConstraint(
                condition=Exact(Func(F("slots"), function="cardinality"), Func(F("amounts"), function="cardinality")),
                name="campaign_bonus_takes_paired",
            ),
        ]
        indexes = [
            # A user's uses of a campaign (ingestion's max_uses_per_user, the campaign list).
            models.Index(
                fields=["campaign", "user"], name="campaign_bonus_uses", condition=Q(reversed_at__isnull=True)
            ),
            # Spend per day (dashboard) and the budget check.
            models.Index(fields=["campaign", "created_at"], name="campaign_bonus_by_day"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} from {self.campaign_id} to {self.purchase_id}"
