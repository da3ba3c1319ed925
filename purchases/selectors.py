"""Reads over purchases."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache

from django.db import connection
from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import staff_may
from clicknback import rawsql
from clicknback.money import ZERO
from merchants.models import Merchant, MerchantStatus
from offers.models import Offer, OfferStatus
from purchases.models import Purchase, PurchaseStatus
from purchases.permissions import VIEW_PURCHASE


def purchases_visible_to(*, user: User) -> QuerySet[Purchase]:
    """Staff with the purchase screen's view permission see every purchase; everyone else their own
    (a staff account has none). Newest first, merchant joined for its name."""
    queryset = Purchase.objects.select_related("merchant").order_by("-created_at", "-id")
    return queryset if staff_may(user, VIEW_PURCHASE) else queryset.filter(user_id=user.pk)


@cache
def _offer_for_purchase_sql() -> str:
    offer, merchant, user = Offer._meta.db_table, Merchant._meta.db_table, User._meta.db_table
    # Identifiers from the models' metadata, every value a parameter.
    return (
        f"SELECT {rawsql.columns(Offer, 'o')}, {rawsql.columns(Merchant, 'm')} "  # noqa: S608
        f'FROM "{offer}" o INNER JOIN "{merchant}" m ON m."id" = o."merchant_id" '
        f'WHERE o."merchant_id" = %s AND m."status" = %s AND o."status" = %s '
        f'AND o."starts_on" <= %s AND o."ends_on" >= %s '
        f'AND EXISTS (SELECT 1 FROM "{user}" u WHERE u."id" = %s AND u."is_active") '
        f'ORDER BY o."starts_on" DESC LIMIT 1'
    )


def offer_for_purchase(*, user_id: uuid.UUID, merchant_id: uuid.UUID, on_date: date) -> Offer | None:
    """The active offer of an active merchant valid on `on_date`, with its merchant, if the user is
    active too; None otherwise. One query for the ingestion's three eligibility checks.

    Same rule as `offers.selectors.offer_valid_on` (active offers never overlap, so the newest one
    starting on or before the date is the only candidate), plus the merchant's and user's status.
    Hand-written SQL (`clicknback.rawsql`): this runs on every ingestion and compiling the
    equivalent queryset cost more CPU than PostgreSQL spends answering it.
    """
    params = [merchant_id, MerchantStatus.ACTIVE.value, OfferStatus.ACTIVE.value, on_date, on_date, user_id]
    with connection.cursor() as cursor:
        cursor.execute(_offer_for_purchase_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None
    offer = rawsql.from_row(Offer, row)
    offer.merchant = rawsql.from_row(Merchant, row, rawsql.width(Offer))
    return offer


_USER_PURCHASE_STATS = f"""
    SELECT COALESCE(SUM("cashback_amount") FILTER (
               WHERE "purchased_at" >= %s AND "purchased_at" < %s AND "offer_id" = %s AND "status" <> %s
           ), {ZERO}),
           COUNT(*) FILTER (WHERE "purchased_at" > %s AND "purchased_at" <= %s)
    FROM "{Purchase._meta.db_table}"
    WHERE "user_id" = %s
      AND (("purchased_at" >= %s AND "purchased_at" < %s) OR ("purchased_at" > %s AND "purchased_at" <= %s))
"""  # noqa: S608 - the table name from the model, every value a parameter


@dataclass(frozen=True)
class UserPurchaseStats:
    earned_from_offer: Decimal  # cashback on non-reversed purchases of the offer in the month
    recent_purchases: int  # purchases in the velocity window


def user_purchase_stats(
    *,
    user_id: uuid.UUID,
    offer_id: uuid.UUID,
    month: tuple[datetime, datetime],
    window: tuple[datetime, datetime],
) -> UserPurchaseStats:
    """The monthly-cap sum and the velocity count in one indexed query (user, purchased_at), written
    by hand for the same reason as `offer_for_purchase`.

    `month` is [start, end); `window` is (start, end]. Read under the user's wallet lock, so
    concurrent ingestions for one user see each other's purchases.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _USER_PURCHASE_STATS,
            [*month, offer_id, PurchaseStatus.REVERSED.value, *window, user_id, *month, *window],
        )
        earned, recent = cursor.fetchone()
    return UserPurchaseStats(earned_from_offer=earned, recent_purchases=recent)
