"""Fixtures every app's tests share: clients for each kind of caller, an offer, and purchases
reported through the service."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.authentication import signature_header
from accounts.models import Partner, User
from accounts.tests.factories import AdminFactory, PartnerFactory, UserFactory
from clicknback.actors import Actor
from clicknback.testing import bearer_client
from merchants.models import Merchant
from offers.models import Offer
from offers.tests.factories import OfferFactory
from purchases.models import Purchase
from purchases.services import purchase_ingest

# `@pytest.mark.requires_server(...)`: skipped on a bare machine, required in CI.
pytest_plugins = ["tests.required_servers"]

_external_ids = itertools.count(1)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db: None) -> User:
    return UserFactory()


@pytest.fixture
def other_user(db: None) -> User:
    return UserFactory()


@pytest.fixture
def admin_user(db: None) -> User:
    return AdminFactory()


@pytest.fixture
def user_client(user: User) -> APIClient:
    return bearer_client(user)


@pytest.fixture
def other_client(other_user: User) -> APIClient:
    return bearer_client(other_user)


@pytest.fixture
def admin_client(admin_user: User) -> APIClient:
    """An API client with an admin's bearer token (shadows pytest-django's session admin_client)."""
    return bearer_client(admin_user)


@pytest.fixture
def partner(db: None) -> Partner:
    return PartnerFactory()


@pytest.fixture
def signed_post(partner: Partner) -> Callable[..., Any]:
    """POST a JSON body to a partner endpoint, signed with the partner's secret."""

    def post(path: str, payload: dict[str, Any], *, timestamp: int | None = None, client: APIClient | None = None):
        body = json.dumps(payload).encode()
        return (client or APIClient()).post(
            path,
            data=body,
            content_type="application/json",
            HTTP_X_PARTNER_KEY=partner.key,
            HTTP_X_SIGNATURE=signature_header(partner.secret, body, timestamp),
        )

    return post


@pytest.fixture
def offer(db: None) -> Offer:
    return OfferFactory()


@pytest.fixture
def merchant(offer: Offer) -> Merchant:
    return offer.merchant


@pytest.fixture
def ingest(partner: Partner, user: User, merchant: Merchant) -> Callable[..., Purchase]:
    """Report a purchase through the service (defaults: the `user` at the `merchant`, 100.00 EUR;
    at or above FRAUD_REVIEW_AMOUNT it is flagged for review)."""

    def make(amount: str | Decimal = "100.00", **overrides: Any) -> Purchase:
        fields = {
            "partner": partner,
            "external_id": f"ingested-{next(_external_ids)}",
            "user_id": user.id,
            "merchant_id": merchant.id,
            "amount": Decimal(amount),
            "currency": "EUR",
            "actor": Actor.for_partner(partner),
        }
        return purchase_ingest(**(fields | overrides))

    return make
