"""Demo offers: one current offer per demo merchant, of both kinds and with limits (idempotent)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, TextIO

from clicknback.actors import Actor
from clicknback.errors import OfferOverlap
from merchants.models import Merchant
from offers.selectors import offer_valid_on, utc_today
from offers.services import offer_create

DEMO_OFFERS: dict[str, dict[str, Any]] = {
    "Acme Shoes": {
        "cashback_type": "percent",
        "cashback_value": Decimal("5.00"),
        "monthly_cap_per_user": Decimal("50.00"),
        "max_cashback_per_purchase": Decimal("20.00"),
    },
    "Bookworm": {"cashback_type": "fixed", "cashback_value": Decimal("2.00"), "min_purchase_amount": Decimal("10.00")},
    "Gadget Hub": {
        "cashback_type": "percent",
        "cashback_value": Decimal("11.00"),
        "monthly_cap_per_user": Decimal("100.00"),
        "min_purchase_amount": Decimal("20.00"),
    },
    "Green Grocer": {"cashback_type": "percent", "cashback_value": Decimal("2.50")},
}


# The offers start this long ago: the demo's history (backoffice/demo.py) covers the last 90 days.
STARTS_DAYS_AGO = 100


def seed(out: TextIO) -> None:
    """Valid from STARTS_DAYS_AGO days ago to a year ahead, so the demo's purchases find an offer."""
    actor = Actor.job("seed_demo")
    today = utc_today()
    created = 0
    for merchant in Merchant.objects.filter(name__in=DEMO_OFFERS):
        if offer_valid_on(merchant_id=merchant.id, on_date=today) is not None:
            continue
        try:
            offer_create(
                merchant_id=merchant.id,
                starts_on=today - timedelta(days=STARTS_DAYS_AGO),
                ends_on=today + timedelta(days=365),
                **DEMO_OFFERS[merchant.name],
                actor=actor,
            )
            created += 1
        except OfferOverlap:
            continue  # someone already planned offers for these dates: leave them be
    out.write(f"Offers: current offers for the demo merchants ({created} new)\n")
