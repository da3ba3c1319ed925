"""Selectors for the admin dashboard: a fixed number of queries, whatever the data or the range.

Every chart and the top merchants read the analytics daily figures (`analytics.selectors`), never
the raw tables; the cards read the wallets' totals and the two review queues (partial indexes).
The range is the date-range picker's (`?from=&to=`, UTC days, at most 366), by default the last 30.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.selectors import (
    MerchantFigures,
    TierUsers,
    clicks_per_day,
    clicks_per_merchant,
    conversion_rate,
    daily_figures,
    days_between,
    merchant_figures,
    points_outstanding,
    users_per_tier,
)
from campaigns.models import Campaign
from campaigns.selectors import campaign_spend_per_day, running_campaigns_budget_left
from clicknback.charts import Chart, Series, bar_chart
from clicknback.money import ZERO
from payouts.models import Payout, PayoutStatus
from purchases.models import Purchase
from wallets.models import Wallet

DASHBOARD_DAYS = 30
TOP_MERCHANTS = 10

_MONEY = DecimalField(max_digits=14, decimal_places=2)


def _money_sum(expression, **extra) -> Coalesce:
    return Coalesce(Sum(expression, **extra), Value(ZERO), output_field=_MONEY)


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
    points_outstanding: int
    purchases_chart: Chart
    cashback_chart: Chart
    payouts_chart: Chart
    points_chart: Chart
    campaigns_chart: Chart
    clicks_chart: Chart
    conversion_chart: Chart
    running_campaigns: list[tuple[Campaign, Decimal | None]]  # each with its budget left (None: no budget)
    top_merchants: list[MerchantFigures]
    tiers: list[TierUsers]
    range_error: str = ""  # the picker's input was refused: the default range is shown

    @property
    def charts(self) -> list[Chart]:
        return [
            self.purchases_chart,
            self.cashback_chart,
            self.payouts_chart,
            self.points_chart,
            self.campaigns_chart,
            self.clicks_chart,
            self.conversion_chart,
        ]


def dashboard_days(*, today: date | None = None, days: int = DASHBOARD_DAYS) -> list[date]:
    last = today or timezone.now().date()
    return days_between(last - timedelta(days=days - 1), last)


def dashboard_data(*, first: date | None = None, last: date | None = None) -> Dashboard:
    """Everything the admin index shows for [first, last] (default: the last 30 days), in fourteen
    queries."""
    last = last or timezone.now().date()
    first = first or last - timedelta(days=DASHBOARD_DAYS - 1)
    days = days_between(first, last)
    figures = daily_figures(first=first, last=last)
    clicks = [{**row, "clicks": n} for row, n in zip(figures, clicks_per_day(first=first, last=last), strict=True)]
    top = merchant_figures(first=first, last=last, limit=TOP_MERCHANTS, by="cashback")
    top_clicks = clicks_per_merchant(first=first, last=last, merchant_ids=[m.merchant_id for m in top])
    totals = Wallet.objects.aggregate(
        pending=_money_sum("pending"), available=_money_sum("available"), paid=_money_sum("paid")
    )
    payout_queue = Payout.objects.filter(status=PayoutStatus.REQUESTED).aggregate(
        count=Count("id"), amount=_money_sum("amount")
    )
    return Dashboard(
        first_day=first,
        last_day=last,
        pending=totals["pending"],
        available=totals["available"],
        paid=totals["paid"],
        # The partial index `purchase_flagged` makes this count cheap.
        flagged_purchases=Purchase.objects.filter(flagged=True).count(),
        requested_payouts=payout_queue["count"],
        requested_payouts_amount=payout_queue["amount"],
        points_outstanding=points_outstanding(on=last),
        purchases_chart=_chart("Purchases booked per day", days, figures, [("purchases", "booked", "#3867b5")]),
        cashback_chart=_chart(
            "Cashback booked, confirmed and reversed per day (EUR)",
            days,
            figures,
            [
                ("cashback_booked", "booked", "#3867b5"),
                ("cashback_confirmed", "confirmed", "#3a7d44"),
                ("cashback_reversed", "reversed", "#b8312f"),
            ],
        ),
        payouts_chart=_chart(
            "Payouts requested, completed and failed per day",
            days,
            figures,
            [
                ("payouts_requested", "requested", "#3867b5"),
                ("payouts_completed", "completed", "#3a7d44"),
                ("payouts_failed", "failed", "#b8312f"),
            ],
        ),
        points_chart=_chart(
            "Points earned, redeemed and expired per day",
            days,
            [{**row, "points_earned": row["points_earned"] + row["points_bonus"]} for row in figures],
            [
                ("points_earned", "earned", "#3a7d44"),
                ("points_redeemed", "redeemed", "#3867b5"),
                ("points_expired", "expired", "#e0a526"),
            ],
        ),
        campaigns_chart=_chart(
            "Campaign bonuses paid per day (EUR)",
            days,
            [{"bonus": spent} for spent in campaign_spend_per_day(first, last).values()],
            [("bonus", "bonuses", "#7a4fb5")],
        ),
        clicks_chart=_chart(
            "Clicks and purchases by click per day",
            days,
            clicks,
            [("clicks", "clicks", "#3867b5"), ("click_purchases", "purchases by click", "#3a7d44")],
        ),
        conversion_chart=_chart(
            "Conversion rate per day (%, purchases by click / clicks)",
            days,
            [{"rate": _percent(conversion_rate(row["click_purchases"], row["clicks"]))} for row in clicks],
            [("rate", "conversion", "#e0a526")],
        ),
        running_campaigns=running_campaigns_budget_left(),
        top_merchants=[replace(m, clicks=top_clicks.get(m.merchant_id, 0)) for m in top],
        tiers=users_per_tier(),
    )


def _percent(rate: Decimal | None) -> Decimal:
    """A rate as a percentage with 2 places, for a chart (a day without clicks draws no bar)."""
    return ZERO if rate is None else (rate * 100).quantize(ZERO)


def _chart(title: str, days: list[date], figures: list[dict], series: list[tuple[str, str, str]]) -> Chart:
    return bar_chart(
        title,
        days,
        [Series(label, color, [row[name] for row in figures]) for name, label, color in series],
        stacked=False,
    )
