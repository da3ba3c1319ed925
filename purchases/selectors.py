"""Reads over purchases."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Exists, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from clicknback.money import ZERO
from merchants.models import MerchantStatus
from offers.models import Offer, OfferStatus
from purchases.models import Purchase, PurchaseStatus


def purchases_visible_to(*, user: User) -> QuerySet[Purchase]:
    """Admins see every purchase, users their own; newest first, merchant joined for its name."""
    queryset = Purchase.objects.select_related("merchant").order_by("-created_at", "-id")
    return queryset if user.is_staff else queryset.filter(user_id=user.pk)


def offer_for_purchase(*, user_id: uuid.UUID, merchant_id: uuid.UUID, on_date) -> Offer | None:
    """The active offer of an active merchant valid on `on_date`, with its merchant, if the user is
    active too; None otherwise. One query for the ingestion's three eligibility checks.

    Same rule as `offers.selectors.offer_valid_on` (active offers never overlap, so the newest one
    starting on or before the date is the only candidate), plus the merchant's and user's status.
    """
    return (
        Offer.objects.select_related("merchant")
        .filter(
            merchant_id=merchant_id,
            merchant__status=MerchantStatus.ACTIVE,
            status=OfferStatus.ACTIVE,
            starts_on__lte=on_date,
            ends_on__gte=on_date,
        )
        .filter(Exists(User.objects.filter(pk=user_id, is_active=True)))
        .order_by("-starts_on")
        .first()
    )


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
    """The monthly-cap sum and the velocity count in one indexed query (user, purchased_at).

    `month` is [start, end); `window` is (start, end]. Read under the user's wallet lock, so
    concurrent ingestions for one user see each other's purchases.
    """
    in_month = Q(purchased_at__gte=month[0], purchased_at__lt=month[1])
    in_window = Q(purchased_at__gt=window[0], purchased_at__lte=window[1])
    totals = Purchase.objects.filter(in_month | in_window, user_id=user_id).aggregate(
        earned=Coalesce(
            Sum("cashback_amount", filter=in_month & Q(offer_id=offer_id) & ~Q(status=PurchaseStatus.REVERSED)),
            Value(ZERO),
        ),
        recent=Count("id", filter=in_window),
    )
    return UserPurchaseStats(earned_from_offer=totals["earned"], recent_purchases=totals["recent"])
