"""Purchases reported by partners, the cashback each one earns, and their audit trail."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from clicknback.append_only import AppendOnlyModel
from clicknback.money import ZERO, MoneyModelField


class PurchaseStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    REVERSED = "reversed", "Reversed"


class CashbackStatus(models.TextChoices):
    """The status of the cashback transaction: which wallet bucket holds the purchase's cashback."""

    PENDING = "pending", "Pending"
    AVAILABLE = "available", "Available"
    REVERSED = "reversed", "Reversed"


class FlagReason(models.TextChoices):
    VELOCITY = "velocity", "Too many purchases in a short time"
    HIGH_AMOUNT = "high_amount", "Amount at or above the review threshold"


# The only status pairs a purchase can be in, each with its timestamps.
_PENDING = Q(
    status=PurchaseStatus.PENDING,
    cashback_status=CashbackStatus.PENDING,
    confirmed_at__isnull=True,
    reversed_at__isnull=True,
)
_CONFIRMED = Q(
    status=PurchaseStatus.CONFIRMED,
    cashback_status=CashbackStatus.AVAILABLE,
    confirmed_at__isnull=False,
    reversed_at__isnull=True,
    flagged=False,
)
_REVERSED = Q(status=PurchaseStatus.REVERSED, cashback_status=CashbackStatus.REVERSED, reversed_at__isnull=False)


class Purchase(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # The partner's own id for the purchase; unique per partner in the database, so no purchase is
    # rewarded twice, and two networks with the same order-id scheme never collide.
    external_id = models.CharField(max_length=128)
    partner = models.ForeignKey("accounts.Partner", on_delete=models.PROTECT, related_name="purchases")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="purchases")
    offer = models.ForeignKey("offers.Offer", on_delete=models.PROTECT, related_name="purchases")
    amount = MoneyModelField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=PurchaseStatus.choices, default=PurchaseStatus.PENDING)
    cashback_amount = MoneyModelField(default=ZERO)
    cashback_status = models.CharField(max_length=16, choices=CashbackStatus.choices, default=CashbackStatus.PENDING)
    # The user's loyalty tier when the purchase was booked, and its points multiplier then: later
    # tier changes or edits never rewrite what a booked purchase earns.
    tier_at_ingestion = models.ForeignKey(
        "loyalty.Tier", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    points_multiplier = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("1.00"))
    # The breakdown (api-v1-rewards.md): cashback_amount = cashback_base + tier_bonus + campaign_bonus,
    # and the terms that made it (offer values, tier boost, campaign kind and value), so a past
    # purchase's cashback is explained whatever was edited since (purchases.cashback.Breakdown).
    cashback_base = MoneyModelField(default=ZERO)
    tier_bonus = MoneyModelField(default=ZERO)
    campaign_bonus = MoneyModelField(default=ZERO)
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    cashback_terms = models.JSONField(default=dict, blank=True)
    # Held for staff review: the confirmation job skips it and partners cannot confirm it.
    flagged = models.BooleanField(default=False)
    # Why it was flagged; kept after staff clear the flag, as the record of the review.
    flag_reasons = ArrayField(models.CharField(max_length=32, choices=FlagReason.choices), default=list, blank=True)
    # The partner confirmed it while it was flagged: staff clearing the flag confirms it at once.
    settlement_requested = models.BooleanField(default=False)
    purchased_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    reversal_reason = models.CharField(max_length=500, blank=True, default="")
    # The click the partner reported the sale with (the user was then taken from it).
    click = models.ForeignKey("clicks.Click", on_delete=models.PROTECT, null=True, blank=True, related_name="purchases")
    # The merchant's order number: one order is rewarded once (with the claims of that order).
    order_reference = models.CharField(max_length=128, null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        # Clearing a flag, confirming or reversing a purchase by hand (support and superusers).
        permissions = [("review_purchase", "Can clear, confirm or reverse purchases")]
        constraints = [
            # external_id first: its index also serves the back-office's search by external id alone.
            models.UniqueConstraint(fields=["external_id", "partner"], name="purchase_partner_external_id_unique"),
            models.CheckConstraint(condition=Q(status__in=PurchaseStatus.values), name="purchase_status_valid"),
            models.CheckConstraint(
                condition=Q(cashback_status__in=CashbackStatus.values), name="purchase_cashback_status_valid"
            ),
            models.CheckConstraint(condition=_PENDING | _CONFIRMED | _REVERSED, name="purchase_status_consistent"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="purchase_amount_positive"),
            models.CheckConstraint(
                condition=Q(cashback_amount__gte=0, cashback_amount__lte=models.F("amount")),
                name="purchase_cashback_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(flagged=False) | Q(flag_reasons__len__gt=0), name="purchase_flag_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(cashback_base__gte=0, tier_bonus__gte=0, campaign_bonus__gte=0)
                & Q(cashback_amount=F("cashback_base") + F("tier_bonus") + F("campaign_bonus")),
                name="purchase_breakdown_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(campaign__isnull=True, campaign_bonus=0) | Q(campaign__isnull=False, campaign_bonus__gt=0),
                name="purchase_campaign_bonus_has_campaign",
            ),
            models.CheckConstraint(condition=~Q(external_id=""), name="purchase_external_id_not_empty"),
            # One order, one reward: a reversed purchase frees its order for a new report or a claim.
            models.UniqueConstraint(
                fields=["merchant", "order_reference"],
                condition=Q(order_reference__isnull=False) & ~Q(status=PurchaseStatus.REVERSED),
                name="purchase_merchant_order_unique",
            ),
            models.CheckConstraint(condition=~Q(order_reference=""), name="purchase_order_reference_not_empty"),
        ]
        indexes = [
            # A user's purchases, newest first (GET /purchases for a user).
            models.Index(fields=["user", "-created_at"], name="purchase_user_created"),
            # All purchases newest first (GET /purchases for an admin).
            models.Index(fields=["-created_at"], name="purchase_created"),
            # Velocity window and the monthly-cap sum at ingestion; admins' date filters per user.
            models.Index(fields=["user", "purchased_at"], name="purchase_user_purchased"),
            # Admins' date range filters over everyone.
            models.Index(fields=["purchased_at"], name="purchase_purchased"),
            # The confirmation job: pending, unflagged, oldest first.
            models.Index(
                fields=["purchased_at"],
                name="purchase_due_candidates",
                condition=Q(status=PurchaseStatus.PENDING, flagged=False),
            ),
            # The review queue.
            models.Index(fields=["-created_at"], name="purchase_flagged", condition=Q(flagged=True)),
        ]

    def __str__(self) -> str:
        return f"{self.external_id} ({self.status})"


class PurchaseAction(models.TextChoices):
    CREATED = "created", "Created"
    CONFIRMED = "confirmed", "Confirmed"
    REVERSED = "reversed", "Reversed"
    SETTLEMENT_REQUESTED = "settlement_requested", "Partner confirmed while flagged"
    FLAG_CLEARED = "flag_cleared", "Flag cleared by staff"


class PurchaseEvent(AppendOnlyModel):
    """One change of a purchase, who made it and why; written in the transaction of the change."""

    id = models.BigAutoField(primary_key=True)
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="events", db_index=False)
    action = models.CharField(max_length=32, choices=PurchaseAction.choices)
    from_status = models.CharField(max_length=16, choices=PurchaseStatus.choices, blank=True, default="")
    to_status = models.CharField(max_length=16, choices=PurchaseStatus.choices)
    actor_kind = models.CharField(max_length=16)
    actor_id = models.CharField(max_length=64, blank=True, default="")
    actor_label = models.CharField(max_length=254, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["purchase", "id"]
        indexes = [models.Index(fields=["purchase", "id"], name="purchase_event_by_purchase")]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=PurchaseAction.values), name="purchase_event_action_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.action}: {self.from_status or '-'} -> {self.to_status}"
