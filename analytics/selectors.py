"""The figures of the analytics endpoints and the dashboard, read from the daily rollups only.

Every function reads a fixed number of rows per day of the range (its slices), never the raw
tables: a year costs about the same with a thousand purchases or a million (docs/performance.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, IntegerField, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce

from analytics.models import ACTIVE_HORIZON, DAY_FIGURES, ActiveUserDay, ActiveUsers, DailyFigures, MerchantDailyFigures
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


def points_outstanding(*, on: date) -> int:
    """Points granted and not yet redeemed, expired or clawed back at the end of `on` (the
    liability; equals the sum of the points balances for today)."""
    return DailyFigures.objects.filter(day__lte=on).aggregate(total=Coalesce(Sum(_OUTSTANDING), 0))["total"]


def active_users(*, first: date, last: date) -> int:
    """Distinct users who booked a purchase in [first, last] (one query, one array entry per day
    slice: `analytics.models.ActiveUsers`). A range longer than the API allows (an internal
    caller's) counts the (day, user) facts instead: exact, but a row per user and day."""
    if (last - first).days >= ACTIVE_HORIZON:
        facts = ActiveUserDay.objects.filter(day__gte=first, day__lte=last)
        return facts.values("user_id").distinct().count()
    first_in_range = RawSQL("counts[(day - %s::date) + 1]", (first,), output_field=IntegerField())
    rows = ActiveUsers.objects.filter(day__gte=first, day__lte=last)
    return rows.aggregate(n=Coalesce(Sum(first_in_range), 0))["n"]


def analytics_summary(*, first: date, last: date) -> dict[str, dict[str, Any]]:
    """`GET /analytics/summary` (two queries: the range's sums and the outstanding points in one
    pass over the day slices up to `last`, then the distinct active users)."""
    in_range = Q(day__gte=first)
    row = DailyFigures.objects.filter(day__lte=last).aggregate(
        **{f"{name}_sum": Coalesce(Sum(name, filter=in_range), _zero(name)) for name in DAY_FIGURES},
        outstanding=Coalesce(Sum(_OUTSTANDING), 0),
    )
    sums = {name: row[f"{name}_sum"] for name in DAY_FIGURES}
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
            "outstanding": row["outstanding"],
        },
        "users": {"new": sums["users_new"], "active": active_users(first=first, last=last)},
    }


@dataclass(frozen=True)
class MerchantFigures:
    merchant_id: uuid.UUID
    merchant_name: str
    purchases: int
    amount: Decimal
    cashback: Decimal


def merchant_figures(*, first: date, last: date, limit: int, by: str = "amount") -> list[MerchantFigures]:
    """Merchants by amount booked in [first, last] (or by cashback), descending (two queries).
    `cashback` is the cashback booked less the cashback reversed in the range."""
    rows = list(
        MerchantDailyFigures.objects.filter(day__gte=first, day__lte=last)
        .values("merchant_id")
        .annotate(
            purchases=Sum("purchases"),
            amount=Sum("amount"),
            cashback=Sum("cashback_booked") - Sum("cashback_reversed"),
        )
        .filter(purchases__gt=0)
        .order_by(f"-{by}", "merchant_id")[:limit]
    )
    names = dict(Merchant.objects.filter(pk__in=[r["merchant_id"] for r in rows]).values_list("id", "name"))
    return [
        MerchantFigures(r["merchant_id"], names.get(r["merchant_id"], ""), r["purchases"], r["amount"], r["cashback"])
        for r in rows
    ]


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
