"""Pre-aggregated daily figures (../shared/docs/api-v1-rewards.md, "Analytics (admin)").

Written by `analytics.services.rollups_write`, in the transaction of the change they count
(`clicknback.rollups`), except clicks, which a trigger on the clicks table counts inside the
click's own INSERT (`MerchantDayClicks`); all are recomputable from the raw tables (`rebuild_rollups`, checked by
`verify_ledger`). Days are UTC dates. A day's totals are split in `SLICES` rows by user, so
concurrent changes of different users rarely wait on the same row; readers sum the slices.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

SLICES = 8

# `ActiveUsers.counts` has one entry per day a range can reach back (the contract's longest range).
ACTIVE_HORIZON = 366

# Sums over years of money: wider than a single amount's MoneyModelField.
TOTAL_DIGITS = 18


def _total() -> models.DecimalField:
    return models.DecimalField(max_digits=TOTAL_DIGITS, decimal_places=2, default=0, db_default=0)


def _count() -> models.BigIntegerField:
    return models.BigIntegerField(default=0, db_default=0)


# The figures each table holds, by the names the sources add them under.
PURCHASE_FIGURES = (
    "purchases",
    "click_purchases",
    "amount",
    "cashback_booked",
    "cashback_confirmed",
    "cashback_reversed",
)
DAY_FIGURES = (
    *PURCHASE_FIGURES,
    "payouts_requested",
    "payouts_requested_amount",
    "payouts_completed",
    "payouts_completed_amount",
    "payouts_failed",
    "payouts_failed_amount",
    "points_earned",
    "points_bonus",
    "points_redeemed",
    "points_expired",
    "points_clawed_back",
    "users_new",
)


class DailyFigures(models.Model):
    """One slice of one day's totals."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    slice = models.SmallIntegerField()
    purchases = _count()  # booked that day
    click_purchases = _count()  # of those, the ones a partner reported with a click id (reversed or not)
    amount = _total()
    cashback_booked = _total()
    cashback_confirmed = _total()  # confirmed that day, whenever booked
    cashback_reversed = _total()  # reversed that day, from pending or available
    payouts_requested = _count()
    payouts_requested_amount = _total()
    payouts_completed = _count()
    payouts_completed_amount = _total()
    payouts_failed = _count()
    payouts_failed_amount = _total()
    points_earned = _count()
    points_bonus = _count()  # upgrade bonuses
    points_redeemed = _count()
    points_expired = _count()
    points_clawed_back = _count()
    users_new = _count()

    class Meta:
        verbose_name_plural = "daily figures"
        constraints = [
            models.UniqueConstraint(fields=["day", "slice"], name="daily_figures_day_slice_unique"),
            models.CheckConstraint(condition=Q(slice__gte=0, slice__lt=SLICES), name="daily_figures_slice_range"),
        ]

    def __str__(self) -> str:
        return f"{self.day} #{self.slice}"


class MerchantDailyFigures(models.Model):
    """One merchant's purchase figures on one day."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    merchant_id = models.UUIDField()
    purchases = _count()
    click_purchases = _count()
    amount = _total()
    cashback_booked = _total()
    cashback_confirmed = _total()
    cashback_reversed = _total()

    class Meta:
        verbose_name_plural = "merchant daily figures"
        constraints = [
            models.UniqueConstraint(fields=["day", "merchant_id"], name="merchant_daily_figures_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.merchant_id}"


class MerchantDayClicks(models.Model):
    """One merchant's clicks on one day, from the users of one slice.

    Counted by the trigger `clicks_click_counted` (migration 0002) inside the click's INSERT: the
    click endpoint stays one statement, and every way a click is made (the endpoint, the demo, a
    bulk load) counts. Split by the user's slice like the day totals: clicks on one merchant (a
    newsletter sends every member there at once) queue on 8 rows, not one, and never on a row
    ingestion holds. Readers sum the slices.
    """

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    merchant_id = models.UUIDField()
    slice = models.SmallIntegerField()
    clicks = _count()

    class Meta:
        verbose_name_plural = "merchant day clicks"
        constraints = [
            models.UniqueConstraint(fields=["day", "merchant_id", "slice"], name="merchant_day_clicks_unique"),
            models.CheckConstraint(condition=Q(slice__gte=0, slice__lt=SLICES), name="merchant_day_clicks_slice_range"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.merchant_id} #{self.slice}"


class ActiveUserDay(models.Model):
    """A user who booked a purchase that day: the facts `ActiveUsers` summarises."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    user_id = models.UUIDField()

    class Meta:
        # By user first: the writer reads the user's days just before and after a new one.
        constraints = [models.UniqueConstraint(fields=["user_id", "day"], name="active_user_day_user_day_unique")]

    def __str__(self) -> str:
        return f"{self.day} {self.user_id}"


class ActiveUsers(models.Model):
    """One slice of one day's active users, by how long each had been away: `counts[k]` (from 0)
    is how many users of the slice were active on `day` and not in the k days before it.

    Distinct users over [first, last] is then one entry per row: a user counts on the first day
    of the range they were active, i.e. the sum over the range's rows of `counts[day - first]`
    (`analytics.selectors.active_users`), at most ACTIVE_HORIZON days back."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    slice = models.SmallIntegerField()
    counts = ArrayField(models.IntegerField(), size=ACTIVE_HORIZON)

    class Meta:
        verbose_name_plural = "active users"
        constraints = [
            models.UniqueConstraint(fields=["day", "slice"], name="active_users_day_slice_unique"),
            models.CheckConstraint(condition=Q(slice__gte=0, slice__lt=SLICES), name="active_users_slice_range"),
        ]

    def __str__(self) -> str:
        return f"{self.day} #{self.slice}"
