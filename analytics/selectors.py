"""The figures of the analytics endpoints and the dashboard, read from the daily rollups only.

Every function reads a fixed number of rows per day of the range (its slices), never the raw
tables: a year costs about the same with a thousand purchases or a million (docs/performance.md).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from analytics.models import (
    ACTIVE_HORIZON,
    DAY_FIGURES,
    ActiveUserDay,
    ActiveUsers,
    DailyFigures,
    MerchantDailyFigures,
    MerchantDayClicks,
)
from clicknback import rawsql
from loyalty.models import Tier, UserLoyalty
from merchants.models import Merchant

Day = dict[str, Any]


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=offset) for offset in range((last - first).days + 1)]


def _column_sum(name: str) -> str:
    """The column's sum, 0 without rows, as its own type (PostgreSQL sums bigints as numeric)."""
    total = f"coalesce(sum({rawsql.col(DailyFigures, name)}), 0)"
    if DailyFigures._meta.get_field(name).get_internal_type() == "BigIntegerField":
        return f"{total}::bigint"
    return f"round({total}, 2)"


_DAYS, _DAY = rawsql.table(DailyFigures), rawsql.col(DailyFigures, "day")


@cache
def _daily_sql(names: tuple[str, ...]) -> str:
    """Every day of [first, last] with these figures' sums over its slices, zeros on a day without
    rows, in one statement written once per set of figures (the ORM's 18 aggregates and zero-filling
    in Python took 5x the database's time)."""
    return (
        f"SELECT series.d::date, {', '.join(_column_sum(name) for name in names)} "  # noqa: S608
        "FROM generate_series(%(first)s::date, %(last)s::date, interval '1 day') AS series (d) "
        f"LEFT JOIN {_DAYS} ON {_DAY} = series.d GROUP BY series.d ORDER BY series.d"
    )


def daily_figures(*, first: date, last: date, names: tuple[str, ...] = DAY_FIGURES) -> list[Day]:
    """These figures (by default all) of every day in [first, last], days without activity as
    zeros (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_daily_sql(names), {"first": first, "last": last})
        return [dict(zip(("date", *names), row, strict=True)) for row in cursor.fetchall()]


_EARNED, _BONUS, _REDEEMED, _EXPIRED, _CLAWED_BACK = (
    rawsql.col(DailyFigures, name)
    for name in ("points_earned", "points_bonus", "points_redeemed", "points_expired", "points_clawed_back")
)
# Points still owed to users: what was granted minus what left, over all days up to a date.
_OUTSTANDING_SQL = (
    f"SELECT coalesce(sum({_EARNED} + {_BONUS} - {_REDEEMED} - {_EXPIRED} - {_CLAWED_BACK}), 0)::bigint "  # noqa: S608
    f"FROM {_DAYS} WHERE {_DAY} <= %(last)s"
)
# Distinct users over [first, last]: one array entry per day slice (`analytics.activity`); a range
# longer than the API allows (an internal caller's) counts the (day, user) facts instead: exact, but
# a row per user and day.
_ACTIVE_SQL = (
    f"SELECT coalesce(sum(counts[(day - %(first)s::date) + 1]), 0)::bigint FROM {rawsql.table(ActiveUsers)} "  # noqa: S608
    "WHERE day BETWEEN %(first)s AND %(last)s"
)
_ACTIVE_LONG_SQL = (
    f"SELECT count(DISTINCT user_id) FROM {rawsql.table(ActiveUserDay)} WHERE day BETWEEN %(first)s AND %(last)s"  # noqa: S608
)
# `GET /analytics/summary` in one statement, written once: the ORM would compile its 17 aggregates
# at every request, which took longer than the database's work.
_SUMMARY_SQL = (
    f"SELECT {', '.join(_column_sum(name) for name in DAY_FIGURES)}, "  # noqa: S608
    f"({_OUTSTANDING_SQL}), ({{active}}) "
    f"FROM {_DAYS} WHERE {_DAY} BETWEEN %(first)s AND %(last)s"
)


def points_outstanding(*, on: date) -> int:
    """Points granted and not yet redeemed, expired or clawed back at the end of `on` (the
    liability; equals the sum of the points balances for today)."""
    with connection.cursor() as cursor:
        cursor.execute(_OUTSTANDING_SQL, {"last": on})
        return cursor.fetchone()[0]


def _active_sql(first: date, last: date) -> str:
    return _ACTIVE_SQL if (last - first).days < ACTIVE_HORIZON else _ACTIVE_LONG_SQL


def active_users(*, first: date, last: date) -> int:
    """Distinct users who booked a purchase in [first, last] (one query)."""
    with connection.cursor() as cursor:
        cursor.execute(_active_sql(first, last), {"first": first, "last": last})
        return cursor.fetchone()[0]


def analytics_summary(*, first: date, last: date) -> dict[str, dict[str, Any]]:
    """`GET /analytics/summary` (one query): the range's sums, the points outstanding at the end
    of `last` and the distinct active users."""
    with connection.cursor() as cursor:
        cursor.execute(_SUMMARY_SQL.format(active=_active_sql(first, last)), {"first": first, "last": last})
        *figures, outstanding, active = cursor.fetchone()
    sums = dict(zip(DAY_FIGURES, figures, strict=True))
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
            "outstanding": outstanding,
        },
        "users": {"new": sums["users_new"], "active": active},
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
