"""Reads over offers. Staff with the offer screen's view permission see all; everyone else (users, and
staff without it) only active offers of active merchants."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from accounts.permissions import staff_may
from clicknback.errors import NotFound
from clicknback.filtering import filter_queryset
from merchants.models import MerchantStatus
from offers.filters import OfferFilter
from offers.models import Offer, OfferStatus
from offers.permissions import VIEW_OFFER

NEWEST_FIRST = ("-created_at", "-id")


def utc_today() -> date:
    return timezone.now().astimezone(UTC).date()


def _live_offers() -> QuerySet[Offer]:
    """Active offers of active merchants: all that a user may ever see."""
    return Offer.objects.select_related("merchant").filter(
        status=OfferStatus.ACTIVE, merchant__status=MerchantStatus.ACTIVE
    )


def offers_visible_to(*, user: User) -> QuerySet[Offer]:
    return Offer.objects.select_related("merchant") if staff_may(user, VIEW_OFFER) else _live_offers()


def offer_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Offer]:
    """Newest first; `merchant_id` and `active_on` for everyone, `status` only for admins (ignored for users)."""
    offers = offers_visible_to(user=user)
    return filter_queryset(OfferFilter, filters, offers, staff=staff_may(user, VIEW_OFFER)).order_by(*NEWEST_FIRST)


def offer_list_active(*, on_date: date | None = None) -> QuerySet[Offer]:
    """Offers valid on `on_date` (default today, UTC) whose offer and merchant are both active."""
    day = on_date or utc_today()
    return _live_offers().filter(starts_on__lte=day, ends_on__gte=day).order_by(*NEWEST_FIRST)


def offer_get(*, user: User, offer_id: uuid.UUID) -> Offer:
    """The offer, or NOT_FOUND (also for a user asking for an inactive offer or one of an inactive merchant)."""
    offer = offers_visible_to(user=user).filter(pk=offer_id).first()
    if offer is None:
        raise NotFound()
    return offer


def offer_valid_on(*, merchant_id: uuid.UUID, on_date: date) -> Offer | None:
    """The active offer of a merchant valid on `on_date`, if any (one indexed query).

    Active offers of a merchant never overlap, so the newest one starting on or before the date is
    the only candidate. The merchant's own status is not checked here.
    """
    return (
        Offer.objects.filter(merchant_id=merchant_id, status=OfferStatus.ACTIVE, starts_on__lte=on_date)
        .order_by("-starts_on")
        .filter(ends_on__gte=on_date)
        .first()
    )
