"""Every feature of the ingestion path switched on for a measurement, and off again (issue 21).

The outbox and the rollups are always on. What the generated data lacks is a running campaign
and tiers: `on()` starts a `bonus_fixed` campaign over the bench's merchants (its budget never runs
out) and gives every user without a loyalty row the tier their generated history earns (confirmed
spend of the last 365 days, the rule `recompute_tiers` applies), so most users ingest with a tier
boost; `off()` ends the campaign and removes exactly those rows. Both are cheap enough to
alternate with measurements of ingestion as it is in the generated data (no campaign, every user
at the entry tier).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from bench import datagen
from clicknback.rawsql import col, table

# The loyalty rows `on()` writes carry this `tier_since`, so `off()` removes those and no others.
MARKER = datetime(2001, 2, 3, 4, 5, 6, tzinfo=UTC)


@dataclass
class Switched:
    campaign_id: object
    tiers: dict[str, int]  # users given a loyalty row, by tier name


def on(*, merchants: int, label: str = "bench: every feature on") -> Switched:
    from campaigns.services import campaign_create
    from clicknback.actors import Actor

    now = timezone.now()
    campaign = campaign_create(
        data={
            "name": label,
            "kind": "bonus_fixed",
            "value": Decimal("1.00"),
            "budget": Decimal("100000000.00"),
            "merchant_ids": [datagen.merchant_uuid(index) for index in range(merchants)],
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=1),
        },
        actor=Actor.job("bench"),
    )
    return Switched(campaign_id=campaign.id, tiers=_tiers_on(now))


def off(switched: Switched) -> None:
    from campaigns.services import campaign_update
    from clicknback.actors import Actor
    from loyalty.models import UserLoyalty

    campaign_update(campaign_id=switched.campaign_id, actor=Actor.job("bench"), status="ended")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table(UserLoyalty)} WHERE {col(UserLoyalty, 'tier_since')} = %s",
            [MARKER],
        )


def _tiers_on(now: datetime) -> dict[str, int]:
    """One statement: each user without a loyalty row gets the highest tier whose `min_spend` its
    confirmed spend of the last 365 days reaches."""
    from accounts.models import User
    from loyalty.models import Tier, UserLoyalty
    from purchases.models import Purchase, PurchaseStatus

    loyalty, tier, purchase = UserLoyalty, Tier, Purchase  # short names for a long statement
    sql = f"""
        WITH spend AS (
            SELECT u.{col(User, "id")} AS user_id, COALESCE(SUM(p.{col(purchase, "amount")}), 0) AS total
            FROM {table(User, "u")}
            LEFT JOIN {table(purchase, "p")} ON p.{col(purchase, "user")} = u.{col(User, "id")}
                AND p.{col(purchase, "status")} = %(confirmed)s AND p.{col(purchase, "purchased_at")} >= %(since)s
            WHERE NOT EXISTS (
                SELECT 1 FROM {table(loyalty, "l")} WHERE l.{col(loyalty, "user")} = u.{col(User, "id")}
            )
            GROUP BY u.{col(User, "id")}
        ), placed AS (
            INSERT INTO {table(loyalty)} ({col(loyalty, "user")}, {col(loyalty, "tier")},
                {col(loyalty, "qualifying_spend")}, {col(loyalty, "tier_since")}, {col(loyalty, "updated_at")})
            SELECT spend.user_id, (
                SELECT t.{col(tier, "id")} FROM {table(tier, "t")} WHERE t.{col(tier, "min_spend")} <= spend.total
                ORDER BY t.{col(tier, "min_spend")} DESC LIMIT 1
            ), spend.total, %(marker)s, %(now)s
            FROM spend
            RETURNING {col(loyalty, "tier")} AS tier_id
        )
        SELECT t.{col(tier, "name")}, COUNT(*) FROM placed
        JOIN {table(tier, "t")} ON t.{col(tier, "id")} = placed.tier_id
        GROUP BY t.{col(tier, "name")}
    """
    params = {"confirmed": PurchaseStatus.CONFIRMED, "since": now - timedelta(days=365), "marker": MARKER, "now": now}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return dict(cursor.fetchall())
