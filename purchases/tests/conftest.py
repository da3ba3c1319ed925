from __future__ import annotations

import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from clicknback.actors import Actor
from offers.models import Offer
from purchases.models import Purchase
from purchases.services import purchase_ingest
from purchases.tests.factories import OfferFactory

WEBHOOK = "/api/v1/webhooks/purchases"
_external_ids = itertools.count(1)


def next_external_id() -> str:
    return f"ext-{next(_external_ids)}"


@pytest.fixture
def no_review_delay(settings) -> None:
    """MIN_PENDING_HOURS=0: due purchases are confirmed however recently they were reported."""
    settings.MIN_PENDING_HOURS = 0


@pytest.fixture
def offer(db: None) -> Offer:
    return OfferFactory()


@pytest.fixture
def merchant(offer: Offer):
    return offer.merchant


@pytest.fixture
def ingest(partner, user, merchant) -> Callable[..., Purchase]:
    """Create a purchase through the service (defaults: the `user` at the `merchant`, 100.00 EUR)."""

    def make(amount: str | Decimal = "100.00", **overrides: Any) -> Purchase:
        fields = {
            "partner": partner,
            "external_id": next_external_id(),
            "user_id": user.id,
            "merchant_id": merchant.id,
            "amount": Decimal(amount),
            "currency": "EUR",
            "actor": Actor.for_partner(partner),
        }
        fields.update(overrides)
        return purchase_ingest(**fields)

    return make


@pytest.fixture
def created_payload(user, merchant) -> Callable[..., dict[str, Any]]:
    def payload(**overrides: Any) -> dict[str, Any]:
        body = {
            "event": "purchase.created",
            "external_id": next_external_id(),
            "user_id": str(user.id),
            "merchant_id": str(merchant.id),
            "amount": "150.00",
            "currency": "EUR",
        }
        body.update(overrides)
        return body

    return payload
