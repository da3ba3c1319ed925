"""Offers: the cashback a merchant pays, over a window of dates, with its limits."""

from __future__ import annotations

import uuid

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeBoundary, RangeOperators
from django.db import models
from django.db.models import Func, Q
from django.utils import timezone

from clicknback.money import MoneyModelField


class CashbackType(models.TextChoices):
    PERCENT = "percent", "Percent"
    FIXED = "fixed", "Fixed amount"


class OfferStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"


class DateRange(Func):
    function = "DATERANGE"
    output_field = DateRangeField()


class Offer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    merchant = models.ForeignKey("merchants.Merchant", on_delete=models.PROTECT, related_name="offers")
    cashback_type = models.CharField(max_length=16, choices=CashbackType.choices)
    # A percentage (e.g. 11.00 for 11 %) or a fixed amount of money, by cashback_type.
    cashback_value = MoneyModelField()
    starts_on = models.DateField()
    ends_on = models.DateField()
    monthly_cap_per_user = MoneyModelField(null=True, blank=True)
    min_purchase_amount = MoneyModelField(null=True, blank=True)
    max_cashback_per_purchase = MoneyModelField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="offer_dates_ordered"),
            models.CheckConstraint(condition=Q(cashback_value__gt=0), name="offer_cashback_value_positive"),
            models.CheckConstraint(
                condition=~Q(cashback_type=CashbackType.PERCENT) | Q(cashback_value__lte=100),
                name="offer_percent_at_most_100",
            ),
            models.CheckConstraint(condition=Q(cashback_type__in=CashbackType.values), name="offer_type_valid"),
            models.CheckConstraint(condition=Q(status__in=OfferStatus.values), name="offer_status_valid"),
            models.CheckConstraint(
                condition=Q(monthly_cap_per_user__isnull=True) | Q(monthly_cap_per_user__gt=0),
                name="offer_monthly_cap_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_cashback_per_purchase__isnull=True) | Q(max_cashback_per_purchase__gt=0),
                name="offer_max_cashback_positive",
            ),
            models.CheckConstraint(
                condition=Q(min_purchase_amount__isnull=True) | Q(min_purchase_amount__gte=0),
                name="offer_min_purchase_not_negative",
            ),
            # Two active offers of one merchant never share a day; PostgreSQL holds this even for
            # concurrent writers. Needs the btree_gist extension for "=" on the merchant id.
            ExclusionConstraint(
                name="offer_no_overlapping_active",
                expressions=[
                    ("merchant", RangeOperators.EQUAL),
                    (
                        DateRange("starts_on", "ends_on", RangeBoundary(inclusive_lower=True, inclusive_upper=True)),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=Q(status=OfferStatus.ACTIVE),
                violation_error_message="Another active offer of this merchant overlaps these dates.",
            ),
        ]
        indexes = [
            # "Which offer applies to merchant M on day D": the newest active offer starting on or
            # before D is the only candidate, since active offers never overlap.
            models.Index(
                fields=["merchant", "-starts_on"], name="offer_active_by_start", condition=Q(status=OfferStatus.ACTIVE)
            ),
        ]

    def __str__(self) -> str:
        value = f"{self.cashback_value}%" if self.cashback_type == CashbackType.PERCENT else f"{self.cashback_value}"
        return f"{value} cashback, {self.starts_on} to {self.ends_on}"
