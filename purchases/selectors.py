"""Reads over purchases."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import DateField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncMonth

from accounts.models import User
from accounts.permissions import staff_may
from campaigns.models import CampaignBonus
from campaigns.rules import CampaignTerms
from campaigns.selectors import campaign_candidates
from clicknback import rawsql
from clicknback.errors import NotFound
from clicknback.filtering import filter_queryset
from clicknback.money import ZERO
from loyalty.models import Tier, UserLoyalty
from merchants.models import Merchant, MerchantStatus
from offers.models import Offer, OfferStatus
from purchases.cashback import Breakdown, CashbackTerms, TierTerms, cashback_breakdown
from purchases.filters import PurchaseFilter
from purchases.models import Purchase, PurchaseStatus
from purchases.permissions import VIEW_PURCHASE


def purchases_visible_to(*, user: User) -> QuerySet[Purchase]:
    """Staff with the purchase screen's view permission see every purchase; everyone else their own
    (a staff account has none). Newest first, merchant joined for its name."""
    queryset = Purchase.objects.select_related("merchant").order_by("-created_at", "-id")
    return queryset if staff_may(user, VIEW_PURCHASE) else queryset.filter(user_id=user.pk)


def purchase_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Purchase]:
    """Newest first; users may filter by status, staff who see every purchase by every filter."""
    purchases = purchases_visible_to(user=user)
    return filter_queryset(PurchaseFilter, filters, purchases, staff=staff_may(user, VIEW_PURCHASE))


def cashback_by_month(*, user: User, since: date) -> dict[tuple[date, str], Decimal]:
    """The user's own cashback per month of purchase (UTC) and purchase status, for purchases from
    `since` on; reversed purchases earned nothing and are left out. One grouped query."""
    rows = (
        Purchase.objects.filter(user_id=user.pk, purchased_at__gte=datetime.combine(since, time.min, tzinfo=UTC))
        .exclude(status=PurchaseStatus.REVERSED)
        .annotate(month=TruncMonth("purchased_at", output_field=DateField(), tzinfo=UTC))
        .values_list("month", "status")
        .annotate(total=Sum("cashback_amount"))
        .order_by()
    )
    return {(month, status): total for month, status, total in rows}


def purchase_get(*, user: User, purchase_id: uuid.UUID) -> Purchase:
    """The purchase, or NOT_FOUND (also for another user's purchase)."""
    purchase = purchases_visible_to(user=user).filter(pk=purchase_id).first()
    if purchase is None:
        raise NotFound("No such purchase.")
    return purchase


@cache
def _offer_for_purchase_sql() -> str:
    def o(field: str) -> str:
        return rawsql.col(Offer, field, alias="o")

    def m(field: str) -> str:
        return rawsql.col(Merchant, field, alias="m")

    def u(field: str) -> str:
        return rawsql.col(User, field, alias="u")

    return (
        f"SELECT {rawsql.columns(Offer, 'o')}, {rawsql.columns(Merchant, 'm')} "  # noqa: S608
        f"FROM {rawsql.table(Offer, 'o')} INNER JOIN {rawsql.table(Merchant, 'm')} ON {m('id')} = {o('merchant')} "
        f"WHERE {o('merchant')} = %(merchant_id)s AND {m('status')} = %(merchant_status)s "
        f"AND {o('status')} = %(offer_status)s AND {o('starts_on')} <= %(on_date)s AND {o('ends_on')} >= %(on_date)s "
        f"AND EXISTS (SELECT 1 FROM {rawsql.table(User, 'u')} WHERE {u('id')} = %(user_id)s AND {u('is_active')}) "
        f"ORDER BY {o('starts_on')} DESC LIMIT 1"
    )


def offer_for_purchase(*, user_id: uuid.UUID, merchant_id: uuid.UUID, on_date: date) -> Offer | None:
    """The active offer of an active merchant valid on `on_date`, with its merchant, if the user is
    active too; None otherwise. One query for the ingestion's three eligibility checks.

    Same rule as `offers.selectors.offer_valid_on` (active offers never overlap, so the newest one
    starting on or before the date is the only candidate), plus the merchant's and user's status.
    Hand-written SQL (`clicknback.rawsql`; it runs on every ingestion, measured in
    docs/performance.md); `purchases/tests/test_selectors.py` holds it to its ORM twin.
    """
    params = {
        "merchant_id": merchant_id,
        "merchant_status": MerchantStatus.ACTIVE.value,
        "offer_status": OfferStatus.ACTIVE.value,
        "on_date": on_date,
        "user_id": user_id,
    }
    with connection.cursor() as cursor:
        cursor.execute(_offer_for_purchase_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    offer = rawsql.from_row(Offer, row)
    offer.merchant = rawsql.from_row(Merchant, row, rawsql.width(Offer))
    return offer


@cache
def _user_purchase_stats_sql() -> str:
    def p(field: str) -> str:
        return rawsql.col(Purchase, field)

    def t(field: str) -> str:
        return rawsql.col(Tier, field, alias="t")

    in_month = f"{p('purchased_at')} >= %(month_start)s AND {p('purchased_at')} < %(month_end)s"
    in_window = f"{p('purchased_at')} > %(window_start)s AND {p('purchased_at')} <= %(window_end)s"
    users_tier = (
        f"SELECT {rawsql.col(UserLoyalty, 'tier')} FROM {rawsql.table(UserLoyalty)} "  # noqa: S608
        f"WHERE {rawsql.col(UserLoyalty, 'user')} = %(user_id)s"
    )
    # The user's tier, or the entry tier for a user without one (theirs outranks the entry tier).
    tier = (
        f"SELECT {rawsql.columns(Tier, 't')} FROM {rawsql.table(Tier, 't')} "  # noqa: S608
        f"WHERE {t('min_spend')} = 0 OR {t('id')} = ({users_tier}) ORDER BY {t('min_spend')} DESC LIMIT 1"
    )
    return (
        f'SELECT "tier".*, "stats".* FROM ({tier}) AS "tier" CROSS JOIN ('  # noqa: S608
        f"SELECT COALESCE(SUM({p('cashback_base')}) FILTER ("
        f"WHERE {in_month} AND {p('offer')} = %(offer_id)s AND {p('status')} <> %(reversed)s), {ZERO}), "
        f"COUNT(*) FILTER (WHERE {in_window}) "
        f"FROM {rawsql.table(Purchase)} WHERE {p('user')} = %(user_id)s AND (({in_month}) OR ({in_window}))"
        f') AS "stats"'
    )


@dataclass(frozen=True)
class UserPurchaseStats:
    earned_from_offer: Decimal  # base cashback (no bonuses) on non-reversed purchases of the offer in the month
    recent_purchases: int  # purchases in the velocity window
    tier: Tier  # the user's tier now


def user_purchase_stats(
    *,
    user_id: uuid.UUID,
    offer_id: uuid.UUID,
    month: tuple[datetime, datetime],
    window: tuple[datetime, datetime],
) -> UserPurchaseStats:
    """The monthly-cap sum, the velocity count and the user's tier in one statement (the sums in
    one indexed pass over (user, purchased_at)), written by hand for the same reason as
    `offer_for_purchase`.

    `month` is [start, end); `window` is (start, end]. Read under the user's wallet lock, so
    concurrent ingestions for one user see each other's purchases, and the tier a confirmation of
    theirs committed before.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _user_purchase_stats_sql(),
            {
                "user_id": user_id,
                "offer_id": offer_id,
                "reversed": PurchaseStatus.REVERSED.value,
                "month_start": month[0],
                "month_end": month[1],
                "window_start": window[0],
                "window_end": window[1],
            },
        )
        row = cursor.fetchone()
    earned, recent = row[rawsql.width(Tier) :]
    return UserPurchaseStats(earned_from_offer=earned, recent_purchases=recent, tier=rawsql.from_row(Tier, row))


def purchase_breakdown(
    *,
    user_id: uuid.UUID,
    offer: Offer,
    amount: Decimal,
    purchased_at: datetime,
    stats: UserPurchaseStats,
) -> tuple[Breakdown, list[CampaignTerms]]:
    """The breakdown a purchase gets now, and the campaigns it was chosen from: the candidate
    campaigns (one query) and the user's stats (earned this month, tier) through the one engine.
    Ingestion calls it under the user's wallet lock, the quote without: both book and answer the same."""
    candidates = campaign_candidates(user_id=user_id, merchant_id=offer.merchant_id, at=purchased_at)
    breakdown = cashback_breakdown(
        offer=CashbackTerms.from_offer(offer),
        tier=TierTerms.from_tier(stats.tier),
        campaigns=candidates,
        amount=amount,
        earned_this_month=stats.earned_from_offer,
    )
    return breakdown, candidates


def utc_month(moment: datetime) -> tuple[datetime, datetime]:
    """[first instant of `moment`'s UTC month, first instant of the next)."""
    moment = moment.astimezone(UTC)
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = start.replace(year=start.year + 1, month=1) if start.month == 12 else start.replace(month=start.month + 1)
    return start, end


def campaign_bonus_mismatch_lines() -> list[str]:
    """Purchases whose campaign bonus is not the one their campaign recorded (missing, another
    amount, or reversed on one side only), for `verify_ledger`; one query."""
    bonus = CampaignBonus.objects.filter(purchase_id=OuterRef("pk"))
    rows = (
        Purchase.objects.filter(campaign__isnull=False)
        .annotate(
            recorded=Subquery(bonus.values("amount")[:1]),
            recorded_reversed=Exists(bonus.filter(reversed_at__isnull=False)),
        )
        .filter(
            Q(recorded__isnull=True)
            | ~Q(recorded=F("campaign_bonus"))
            | ~Q(recorded_reversed=Q(status=PurchaseStatus.REVERSED))
        )
        .order_by("created_at")
        .values_list("id", "campaign_bonus", "recorded", "status")
    )
    return [
        f"purchase {purchase_id} ({status}): campaign bonus {bonus_amount}, its campaign recorded {recorded}"
        for purchase_id, bonus_amount, recorded, status in rows
    ]


def qualifying_spend_by_user(*, user_ids: list[uuid.UUID], since: datetime) -> dict[uuid.UUID, Decimal]:
    """Loyalty's qualifying spend: the amounts of each user's confirmed purchases since `since`."""
    rows = (
        Purchase.objects.filter(user_id__in=user_ids, status=PurchaseStatus.CONFIRMED, purchased_at__gte=since)
        .order_by()
        .values("user_id")
        .annotate(total=Sum("amount"))
        .values_list("user_id", "total")
    )
    return dict(rows)
