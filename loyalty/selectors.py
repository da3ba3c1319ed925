"""Reads over tiers and points."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from loyalty.models import PointsAccount, PointsEntry, PointsLot, Tier, TierChange, UserLoyalty

EXPIRING_SOON_DAYS = 30
STATUS_HISTORY_LENGTH = 20


def tiers_all() -> QuerySet[Tier]:
    return Tier.objects.order_by("min_spend")


@dataclass(frozen=True)
class LoyaltyStatus:
    tier: Tier
    qualifying_spend: object
    tier_since: object
    next_tier: Tier | None
    history: list[TierChange]


def loyalty_status(*, user_id: uuid.UUID) -> LoyaltyStatus:
    """Three queries whatever the history: the user's row, the tiers, the last changes."""
    row = UserLoyalty.objects.filter(user_id=user_id).first()
    tiers = list(tiers_all())
    tier = next((t for t in tiers if row is not None and t.id == row.tier_id), tiers[0])
    history = list(
        TierChange.objects.filter(user_id=user_id)
        .select_related("from_tier", "to_tier")
        .order_by("-id")[:STATUS_HISTORY_LENGTH]
    )
    spend = row.qualifying_spend if row is not None else tier.min_spend
    return LoyaltyStatus(
        tier=tier,
        qualifying_spend=spend,
        tier_since=row.tier_since if row is not None else None,
        next_tier=next((t for t in tiers if t.min_spend > tier.min_spend), None),
        history=history,
    )


def points_account_for(*, user_id: uuid.UUID) -> PointsAccount:
    """The user's account, or an unsaved all-zero one: reading never creates rows."""
    return PointsAccount.objects.filter(user_id=user_id).first() or PointsAccount(user_id=user_id)


def points_expiring_soon(*, account: PointsAccount, today: date | None = None) -> list[dict[str, object]]:
    """What is left in lots expiring in the next 30 days, per date, soonest first."""
    if account.pk is None:
        return []
    today = today or timezone.now().date()
    return list(
        PointsLot.objects.filter(
            account=account,
            points_left__gt=0,
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=EXPIRING_SOON_DAYS),
        )
        .values("expires_on")
        .annotate(points=Sum("points_left"))
        .order_by("expires_on")
        .values("points", "expires_on")
    )


def points_entries_of(*, user_id: uuid.UUID) -> QuerySet[PointsEntry]:
    """Newest first, through the (account, -id) index: one page whatever the history's length."""
    account_id = PointsAccount.objects.filter(user_id=user_id).values("id")
    return PointsEntry.objects.filter(account_id=Subquery(account_id)).order_by("-id")


@dataclass(frozen=True)
class PointsDiscrepancy:
    account_id: int
    user_id: uuid.UUID
    field: str
    account_value: int
    ledger_value: int


def points_discrepancies() -> list[PointsDiscrepancy]:
    """Every account where balance ≠ Σ entries or balance ≠ Σ lots left - debt (one query)."""
    entries = (
        PointsEntry.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum("points_delta"))
        .values("total")
    )
    lots = (
        PointsLot.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum("points_left"))
        .values("total")
    )
    accounts = (
        PointsAccount.objects.annotate(
            entries_total=Coalesce(Subquery(entries), Value(0)),
            lots_total=Coalesce(Subquery(lots), Value(0)),
        )
        .filter(~Q(balance=F("entries_total")) | ~Q(balance=F("lots_total") - F("debt")))
        .order_by("user_id")
    )
    found = []
    for account in accounts:
        if account.balance != account.entries_total:
            found.append(
                PointsDiscrepancy(account.id, account.user_id, "balance", account.balance, account.entries_total)
            )
        if account.balance != account.lots_total - account.debt:
            found.append(
                PointsDiscrepancy(
                    account.id,
                    account.user_id,
                    "lots_left_minus_debt",
                    account.balance,
                    account.lots_total - account.debt,
                )
            )
    return found


def points_discrepancy_lines() -> list[str]:
    """`points_discrepancies()` as `verify_ledger` prints them."""
    return [
        f"points account {item.account_id} (user {item.user_id}): balance is {item.account_value}, "
        f"{item.field} says {item.ledger_value}"
        for item in points_discrepancies()
    ]
