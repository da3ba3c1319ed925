"""Reads over offers."""

from __future__ import annotations

import uuid
from datetime import date

from offers.models import Offer, OfferStatus


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
