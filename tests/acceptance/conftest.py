"""The contract's acceptance checklist (docs api-v1.md): black-box, through HTTP only.

Everything a test needs is made the way a client would make it: merchants and offers by an
admin over the API, purchases by a partner through the signed webhook, money by confirming them.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from clicknback.testing import error_code

API = "/api/v1"
WEBHOOK = f"{API}/webhooks/purchases"
IBAN = "DE89370400440532013000"
_names = itertools.count(1)


def today() -> date:
    from django.utils import timezone

    return timezone.now().date()  # TIME_ZONE is UTC


def code(response) -> str:
    """The error code, after checking the response is the contract's envelope."""
    return error_code(response)


def fields(response) -> dict[str, list[str]]:
    assert code(response) == "VALIDATION_ERROR", response.json()
    return response.json()["error"]["details"]["fields"]


@pytest.fixture
def make_merchant(admin_client: APIClient) -> Callable[..., dict[str, Any]]:
    def make(**body: Any) -> dict[str, Any]:
        body.setdefault("name", f"Shop {next(_names)}")
        response = admin_client.post(f"{API}/merchants", body, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return make


@pytest.fixture
def make_offer(admin_client: APIClient, make_merchant) -> Callable[..., dict[str, Any]]:
    """An active offer (default: 10 % at a new merchant, valid from 60 days ago to 60 days ahead)."""

    def make(merchant: dict[str, Any] | None = None, **body: Any) -> dict[str, Any]:
        merchant = merchant or make_merchant()
        payload = {
            "merchant_id": merchant["id"],
            "cashback_type": "percent",
            "cashback_value": "10.00",
            "starts_on": str(today() - timedelta(days=60)),
            "ends_on": str(today() + timedelta(days=60)),
            **body,
        }
        response = admin_client.post(f"{API}/offers", payload, format="json")
        assert response.status_code == 201, response.json()
        return response.json()

    return make


@pytest.fixture
def offer(make_offer) -> dict[str, Any]:
    return make_offer()


@pytest.fixture
def report_purchase(signed_post, user, offer) -> Callable[..., Any]:
    """Report `purchase.created` for `user` at `offer`'s merchant; returns the response."""

    def post(amount: Any = "100.00", **body: Any) -> Any:
        payload = {
            "event": "purchase.created",
            "external_id": f"order-{next(_names)}",
            "user_id": str(user.id),
            "merchant_id": offer["merchant_id"],
            "amount": amount,
            "currency": "EUR",
            **body,
        }
        return signed_post(WEBHOOK, payload)

    return post


@pytest.fixture
def purchase(report_purchase) -> dict[str, Any]:
    response = report_purchase()
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def fund(signed_post, admin_client, user, make_offer) -> Callable[[str], None]:
    """Give `user` an available balance: a fixed-cashback purchase, confirmed by an admin."""

    def give(amount: str) -> None:
        offer = make_offer(cashback_type="fixed", cashback_value=amount)
        created = signed_post(
            WEBHOOK,
            {
                "event": "purchase.created",
                "external_id": f"fund-{next(_names)}",
                "user_id": str(user.id),
                "merchant_id": offer["merchant_id"],
                "amount": "999.00",
                "currency": "EUR",
            },
        )
        assert created.status_code == 201, created.json()
        confirmed = admin_client.post(f"{API}/purchases/{created.json()['id']}/confirm")
        assert confirmed.json()["status"] == "confirmed"

    return give
