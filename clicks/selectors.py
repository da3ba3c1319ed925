"""Reads over clicks."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import staff_may
from clicknback.errors import OfferNotAvailable
from clicknback.filtering import filter_queryset
from clicks.filters import ClickFilter
from clicks.models import Click
from clicks.permissions import VIEW_CLICK
from offers.models import Offer
from offers.selectors import offer_list_active


def click_target(*, merchant_id: uuid.UUID) -> Offer:
    """The offer a click today activates, with its merchant (one query): the merchant active with a
    tracking URL, an active offer valid today. Else OFFER_NOT_AVAILABLE: a merchant without a
    tracking URL has nowhere to send the user, so it offers nothing to click on."""
    offer = offer_list_active().filter(merchant_id=merchant_id).exclude(merchant__tracking_url="").first()
    if offer is None:
        raise OfferNotAvailable("This merchant has no offer to activate today.", merchant_id=str(merchant_id))
    return offer


def clicks_visible_to(*, user: User) -> QuerySet[Click]:
    """Staff with the click screen's view permission see every click; everyone else their own."""
    clicks = Click.objects.all() if staff_may(user, VIEW_CLICK) else Click.objects.filter(user_id=user.pk)
    return clicks.order_by("-created_at", "-id")


def click_list(*, user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Click]:
    """Newest first; staff may filter by merchant_id and user_id (others' such filters are ignored)."""
    return filter_queryset(ClickFilter, filters, clicks_visible_to(user=user), staff=staff_may(user, VIEW_CLICK))


def click_find(*, click_id: str) -> Click | None:
    return Click.objects.filter(pk=click_id).first()
