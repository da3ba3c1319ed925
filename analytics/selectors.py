"""The figures of the analytics endpoints and the dashboard, read from the daily rollups only.

Every function reads a fixed number of rows per day of the range (its slices), never the raw
tables: a year costs about the same with a thousand purchases or a million (docs/performance.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.db.models import Count, F, Sum
from django.db.models.functions import Coalesce

from analytics.models import DAY_FIGURES, ActiveUserDay, DailyFigures, MerchantDailyFigures, MerchantDayClicks
from loyalty.models import Tier, UserLoyalty
from merchants.models import Merchant

Day = dict[str, Any]

# Points still owed to users: what was granted minus what left, over all days up to a date.
_OUTSTANDING = (
    F("points_earned") + F("points_bonus") - F("points_redeemed") - F("points_expired") - F("points_clawed_back")
)


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def _zero(name: str) -> int | Decimal:
    field = DailyFigures._meta.get_field(name)
    return Decimal("0.00") if field.get_internal_type() == "DecimalField" else 0


def daily_figures(*, first: date, last: date) -> list[Day]:
    """Every figure of every day in [first, last], days without activity as zeros (one query)."""
    rows = (
        DailyFigures.objects.filter(day__gte=first, day__lte=last)
        .values("day")
        .annotate(**{f"{name}_sum": Sum(name) for name in DAY_FIGURES})
        .order_by("day")
    )
    by_day = {row["day"]: row for row in rows}
    return [
        {"date": day, **{name: by_day.get(day, {}).get(f"{name}_sum", _zero(name)) for name in DAY_FIGURES}}
        for day in days_between(first, last)
    ]


def totals(*, first: date, last: date) -> Day:
    """The sums of every figure over [first, last] (one query)."""
    sums = DailyFigures.objects.filter(day__gte=first, day__lte=last).aggregate(
        **{name: Coalesce(Sum(name), _zero(name)) for name in DAY_FIGURES}
    )
    return sums


def points_outstanding(*, on: date) -> int:
    """Points granted and not yet redeemed, expired or clawed back at the end of `on` (the
    liability; equals the sum of the points balances for today)."""
    return DailyFigures.objects.filter(day__lte=on).aggregate(total=Coalesce(Sum(_OUTSTANDING), 0))["total"]


def active_users(*, first: date, last: date) -> int:
    """Distinct users who booked a purchase in [first, last]."""
    return ActiveUserDay.objects.filter(day__gte=first, day__lte=last).values("user_id").distinct().count()


def analytics_summary(*, first: date, last: date) -> dict[str, dict[str, Any]]:
    """`GET /analytics/summary` (four queries)."""
    sums = totals(first=first, last=last)
    return {
        "purchases": {"count": sums["purchases"], "amount": sums["amount"]},
        "cashback": {
            "booked": sums["cashback_booked"],
            "confirmed": sums["cashback_confirmed"],
            "reversed": sums["cashback_reversed"],
        },
        "payouts": {
            "requested": sums["payouts_requested_amount"],
            "completed": sums["payouts_completed_amount"],
            "failed": sums["payouts_failed_amount"],
        },
        "points": {
            "earned": sums["points_earned"] + sums["points_bonus"],
            "redeemed": sums["points_redeemed"],
            "expired": sums["points_expired"],
            "outstanding": points_outstanding(on=last),
        },
        "users": {"new": sums["users_new"], "active": active_users(first=first, last=last)},
    }


RATE_PLACES = Decimal("0.0001")


def conversion_rate(click_purchases: int, clicks: int) -> Decimal | None:
    """Purchases reported with a click per click, to 4 places (half to even); None without clicks.

    Both counts are of the same days: a purchase counts on the day it was booked (like
    `purchases`, and whether reversed since or not: a return is a reversal, not an unmade sale),
    its click on the day it was made. A range's rate is its sums' ratio, never an average of rates;
    a day's may exceed 1 (clicked yesterday, bought today).
    """
    if not clicks:
        return None
    return (Decimal(click_purchases) / Decimal(clicks)).quantize(RATE_PLACES, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class MerchantFigures:
    merchant_id: uuid.UUID
    merchant_name: str
    purchases: int
    amount: Decimal
    cashback: Decimal
    click_purchases: int = 0
    clicks: int = 0  # filled by the dashboard (`clicks_per_merchant`), which shows them

    @property
    def conversion_rate(self) -> Decimal | None:
        return conversion_rate(self.click_purchases, self.clicks)


def merchant_figures(*, first: date, last: date, limit: int, by: str = "amount") -> list[MerchantFigures]:
    """Merchants by amount booked in [first, last] (or by cashback), descending (two queries).
    `cashback` is the cashback booked less the cashback reversed in the range."""
    rows = list(
        MerchantDailyFigures.objects.filter(day__gte=first, day__lte=last)
        .values("merchant_id")
        .annotate(
            purchases=Sum("purchases"),
            click_purchases=Sum("click_purchases"),
            amount=Sum("amount"),
            cashback=Sum("cashback_booked") - Sum("cashback_reversed"),
        )
        .filter(purchases__gt=0)
        .order_by(f"-{by}", "merchant_id")[:limit]
    )
    names = dict(Merchant.objects.filter(pk__in=[r["merchant_id"] for r in rows]).values_list("id", "name"))
    return [
        MerchantFigures(
            r["merchant_id"],
            names.get(r["merchant_id"], ""),
            r["purchases"],
            r["amount"],
            r["cashback"],
            r["click_purchases"],
        )
        for r in rows
    ]


def clicks_per_day(*, first: date, last: date) -> list[int]:
    """Every merchant's clicks, per day of [first, last], zeros included (one query)."""
    rows = dict(
        MerchantDayClicks.objects.filter(day__gte=first, day__lte=last)
        .values("day")
        .annotate(n=Sum("clicks"))
        .values_list("day", "n")
    )
    return [rows.get(day, 0) for day in days_between(first, last)]


def clicks_per_merchant(*, first: date, last: date, merchant_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    """These merchants' clicks in [first, last] (one query)."""
    return dict(
        MerchantDayClicks.objects.filter(day__gte=first, day__lte=last, merchant_id__in=merchant_ids)
        .values("merchant_id")
        .annotate(n=Sum("clicks"))
        .values_list("merchant_id", "n")
    )


@dataclass(frozen=True)
class MerchantDayClickFigures:
    date: date
    merchant_id: uuid.UUID
    merchant_name: str
    clicks: int
    click_purchases: int

    @property
    def conversion_rate(self) -> Decimal | None:
        return conversion_rate(self.click_purchases, self.clicks)


def click_figures(*, first: date, last: date, merchant_id: uuid.UUID | None = None) -> list[MerchantDayClickFigures]:
    """`GET /analytics/clicks`: per merchant (or only `merchant_id`) and day of [first, last] with a
    click or a purchase by click, by date, then clicks descending (three queries). Days without
    either are left out: a zero-filled grid would be days x merchants rows."""
    only = {} if merchant_id is None else {"merchant_id": merchant_id}
    clicks = {
        (r["day"], r["merchant_id"]): r["n"]
        for r in MerchantDayClicks.objects.filter(day__gte=first, day__lte=last, **only)
        .values("day", "merchant_id")
        .annotate(n=Sum("clicks"))
    }
    bought = {
        (day, merchant): n
        for day, merchant, n in MerchantDailyFigures.objects.filter(
            day__gte=first, day__lte=last, click_purchases__gt=0, **only
        ).values_list("day", "merchant_id", "click_purchases")
    }
    keys = set(clicks) | set(bought)
    names = dict(Merchant.objects.filter(pk__in={merchant for _, merchant in keys}).values_list("id", "name"))
    rows = [
        MerchantDayClickFigures(day, merchant, names.get(merchant, ""), clicks.get((day, merchant), 0),
                                bought.get((day, merchant), 0))
        for day, merchant in keys
    ]  # fmt: skip
    return sorted(rows, key=lambda r: (r.date, -r.clicks, -r.click_purchases, str(r.merchant_id)))


@dataclass(frozen=True)
class TierUsers:
    tier: str
    users: int


def users_per_tier() -> list[TierUsers]:
    """Users in each tier now, by min_spend (three queries). A user without a loyalty row is in the
    entry tier, so the entry tier's count is every user less those of the other tiers."""
    tiers = list(Tier.objects.order_by("min_spend"))
    entry = tiers[0]
    above = dict(
        UserLoyalty.objects.exclude(tier=entry)
        .values("tier_id")
        .annotate(n=Count("user_id"))
        .values_list("tier_id", "n")
    )
    everyone = DailyFigures.objects.aggregate(n=Coalesce(Sum("users_new"), 0))["n"]
    counts = {tier.id: above.get(tier.id, 0) for tier in tiers[1:]}
    counts[entry.id] = everyone - sum(counts.values())
    return [TierUsers(tier.name, counts[tier.id]) for tier in tiers]
