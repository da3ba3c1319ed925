"""Missing-cashback claims: a purchase the network never reported, filed by its user and decided
by support. One order is rewarded once, with the purchases of that order."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clicknback.money import MoneyModelField


class ClaimStatus(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


# The statuses that hold an order: a rejected claim frees it for a new claim or a report.
HOLDING_STATUSES = (ClaimStatus.OPEN, ClaimStatus.APPROVED)

_OPEN = Q(status=ClaimStatus.OPEN, decided_at__isnull=True, purchase__isnull=True)
_APPROVED = Q(status=ClaimStatus.APPROVED, decided_at__isnull=False, purchase__isnull=False)
_REJECTED = Q(status=ClaimStatus.REJECTED, decided_at__isnull=False, purchase__isnull=True) & ~Q(decision_reason="")


class Claim(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims")
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="claims")
    order_reference = models.CharField(max_length=128)
    amount = MoneyModelField()
    purchased_at = models.DateTimeField()
    # As the user gave it (may name no click at all); `click_verified` says whether it backs the claim.
    click_id = models.CharField(max_length=64, blank=True, default="")
    click_verified = models.BooleanField(default=False)
    note = models.CharField(max_length=1000, blank=True, default="")
    status = models.CharField(max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.OPEN)
    decision_reason = models.CharField(max_length=500, blank=True, default="")
    # The purchase its approval booked (through the same ingestion as the webhook).
    purchase = models.OneToOneField(
        "purchases.Purchase", on_delete=models.PROTECT, null=True, blank=True, related_name="claim"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("review_claim", "Can approve or reject missing-cashback claims")]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "order_reference"],
                condition=Q(status__in=HOLDING_STATUSES),
                name="claim_merchant_order_unique",
            ),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_status_valid"),
            models.CheckConstraint(condition=_OPEN | _APPROVED | _REJECTED, name="claim_status_consistent"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="claim_amount_positive"),
            models.CheckConstraint(condition=~Q(order_reference=""), name="claim_order_reference_not_empty"),
        ]
        indexes = [
            # A user's claims, newest first (GET /claims for a user).
            models.Index(fields=["user", "-created_at"], name="claim_user_created"),
            # All claims newest first (GET /claims for an admin).
            models.Index(fields=["-created_at"], name="claim_created"),
            # The support queue: open claims, oldest first.
            models.Index(fields=["created_at"], name="claim_open_queue", condition=Q(status=ClaimStatus.OPEN)),
        ]

    def __str__(self) -> str:
        return f"{self.order_reference} ({self.status})"


class OpenClaimManager(models.Manager):
    def get_queryset(self) -> models.QuerySet[Claim]:
        return super().get_queryset().filter(status=ClaimStatus.OPEN)


class OpenClaim(Claim):
    """The support queue: open claims, oldest first (its own screen in the back-office)."""

    objects = OpenClaimManager()

    class Meta:
        proxy = True
        ordering = ["created_at", "id"]
        verbose_name = "open claim (support queue)"
        verbose_name_plural = "open claims (support queue)"
