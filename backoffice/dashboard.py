"""Selectors for the admin dashboard: a fixed number of queries, one GROUP BY per chart.

Every chart covers the last `days` days (UTC) and reads an indexed date column of its table, so
the page costs the same with a thousand purchases or a million.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from clicknback.charts import Chart, Series, bar_chart
from clicknback.money import ZERO
from payouts.models import Payout, PayoutStatus
from purchases.models import Purchase, PurchaseStatus
from wallets.models import EntryType, Wallet, WalletEntry

DASHBOARD_DAYS = 30
TOP_MERCHANTS = 10

_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _money_sum(expression, **extra) -> Coalesce:
    return Coalesce(Sum(expression, **extra), Value(ZERO), output_field=_MONEY)


@dataclass(frozen=True)
class MerchantCashback:
    merchant_id: object
    name: str
    purchases: int
    cashback: Decimal


@dataclass(frozen=True)
class Dashboard:
    first_day: date
    last_day: date
    pending: Decimal
    available: Decimal
    paid: Decimal
    flagged_purchases: int
    requested_payouts: int
    requested_payouts_amount: Decimal
    purchases_chart: Chart
    cashback_chart: Chart
    payouts_chart: Chart
    top_merchants: list[MerchantCashback]


def dashboard_days(*, today: date | None = None, days: int = DASHBOARD_DAYS) -> list[date]:
    last = today or timezone.now().date()
    return [last - timedelta(days=offset) for offset in range(days - 1, -1, -1)]


def dashboard_data(*, today: date | None = None, days: int = DASHBOARD_DAYS) -> Dashboard:
    """Everything the admin index shows, in seven queries."""
    day_list = dashboard_days(today=today, days=days)
    since = timezone.make_aware(datetime.combine(day_list[0], time.min))
    totals = Wallet.objects.aggregate(
        pending=_money_sum("pending"), available=_money_sum("available"), paid=_money_sum("paid")
    )
    payout_queue = Payout.objects.filter(status=PayoutStatus.REQUESTED).aggregate(
        count=Count("id"), amount=_money_sum("amount")
    )
    return Dashboard(
        first_day=day_list[0],
        last_day=day_list[-1],
        pending=totals["pending"],
        available=totals["available"],
        paid=totals["paid"],
        # The partial index `purchase_flagged` makes this count cheap.
        flagged_purchases=Purchase.objects.filter(flagged=True).count(),
        requested_payouts=payout_queue["count"],
        requested_payouts_amount=payout_queue["amount"],
        purchases_chart=purchases_per_day(days=day_list, since=since),
        cashback_chart=cashback_per_day(days=day_list, since=since),
        payouts_chart=payouts_per_day(days=day_list, since=since),
        top_merchants=top_merchants_by_cashback(since=since),
    )


def purchases_per_day(*, days: list[date], since: datetime) -> Chart:
    """Purchases received each day, stacked by their current status (index `purchase_created`)."""
    rows = (
        Purchase.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(**{status: Count("id", filter=Q(status=status)) for status in PurchaseStatus.values})
        .order_by()
    )
    by_day = {row["day"]: row for row in rows}
    series = [
        Series(label, color, [by_day.get(day, {}).get(status, 0) for day in days])
        for status, label, color in (
            (PurchaseStatus.CONFIRMED, "confirmed", "#3a7d44"),
            (PurchaseStatus.PENDING, "pending", "#e0a526"),
            (PurchaseStatus.REVERSED, "reversed", "#b8312f"),
        )
    ]
    return bar_chart("Purchases per day, by status", days, series, stacked=True)


def cashback_per_day(*, days: list[date], since: datetime) -> Chart:
    """Cashback issued (credited as pending) and reversed each day, from the ledger.

    A reversal takes the cashback from whichever bucket held it, so its amount is
    -(pending_delta + available_delta).
    """
    rows = (
        WalletEntry.objects.filter(
            created_at__gte=since, type__in=[EntryType.CASHBACK_PENDING, EntryType.CASHBACK_REVERSED]
        )
        .annotate(day=TruncDate("created_at"))
        .values("day")
        .annotate(
            issued=_money_sum("pending_delta", filter=Q(type=EntryType.CASHBACK_PENDING)),
            reversed=_money_sum(
                -(F("pending_delta") + F("available_delta")), filter=Q(type=EntryType.CASHBACK_REVERSED)
            ),
        )
        .order_by()
    )
    by_day = {row["day"]: row for row in rows}
    series = [
        Series("issued", "#3a7d44", [by_day.get(day, {}).get("issued", ZERO) for day in days]),
        Series("reversed", "#b8312f", [by_day.get(day, {}).get("reversed", ZERO) for day in days]),
    ]
    return bar_chart("Cashback issued vs reversed per day (EUR)", days, series, stacked=False)


def payouts_per_day(*, days: list[date], since: datetime) -> Chart:
    """Payouts requested each day and payouts completed each day.

    One GROUP BY over (request day, processing day, status): each group is counted on its
    request day as requested and, if completed, on its processing day as completed.
    """
    rows = (
        Payout.objects.filter(Q(created_at__gte=since) | Q(status=PayoutStatus.COMPLETED, processed_at__gte=since))
        .annotate(requested_day=TruncDate("created_at"), processed_day=TruncDate("processed_at"))
        .values("requested_day", "processed_day", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    requested: dict[date, int] = defaultdict(int)
    completed: dict[date, int] = defaultdict(int)
    for row in rows:
        requested[row["requested_day"]] += row["n"]
        if row["status"] == PayoutStatus.COMPLETED:
            completed[row["processed_day"]] += row["n"]
    series = [
        Series("requested", "#3867b5", [requested[day] for day in days]),
        Series("completed", "#3a7d44", [completed[day] for day in days]),
    ]
    return bar_chart("Payouts requested vs completed per day", days, series, stacked=False)


def top_merchants_by_cashback(*, since: datetime, limit: int = TOP_MERCHANTS) -> list[MerchantCashback]:
    """Merchants by cashback earned on purchases received in the period, reversals excluded."""
    rows = (
        Purchase.objects.filter(created_at__gte=since)
        .exclude(status=PurchaseStatus.REVERSED)
        .values("merchant_id", "merchant__name")
        .annotate(purchases=Count("id"), cashback=_money_sum("cashback_amount"))
        .order_by("-cashback", "merchant__name")[:limit]
    )
    return [
        MerchantCashback(row["merchant_id"], row["merchant__name"], row["purchases"], row["cashback"]) for row in rows
    ]
