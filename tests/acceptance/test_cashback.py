"""Cashback calculation, through ingestion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.acceptance.conftest import API, WEBHOOK

pytestmark = pytest.mark.django_db


@pytest.fixture
def earn(signed_post, user, make_offer):
    """Ingest one purchase at a fresh offer with these terms; returns its cashback_amount."""

    def run(amount: str, **terms) -> str:
        offer = make_offer(**terms)
        response = signed_post(
            WEBHOOK,
            {
                "event": "purchase.created",
                "external_id": f"cb-{offer['id']}-{amount}",
                "user_id": str(user.id),
                "merchant_id": offer["merchant_id"],
                "amount": amount,
                "currency": "EUR",
            },
        )
        assert response.status_code == 201, response.json()
        return response.json()["cashback_amount"]

    return run


@pytest.mark.parametrize(
    ("percent", "amount", "cashback"),
    [
        ("11.00", "150.00", "16.50"),
        ("10.00", "33.33", "3.33"),
        ("2.50", "10.10", "0.25"),
        ("5.00", "0.50", "0.02"),
        ("5.00", "0.70", "0.04"),
    ],
)
def test_the_contract_examples_round_half_even(earn, percent, amount, cashback):
    assert earn(amount, cashback_value=percent) == cashback


def test_fixed_cashback_is_the_value(earn):
    assert earn("80.00", cashback_type="fixed", cashback_value="5.00") == "5.00"


def test_below_min_purchase_amount_earns_zero_and_is_still_stored(earn, user_client):
    assert earn("19.99", min_purchase_amount="20.00") == "0.00"
    assert user_client.get(f"{API}/purchases").json()["count"] == 1


def test_never_more_than_max_cashback_per_purchase(earn):
    assert earn("500.00", max_cashback_per_purchase="7.50") == "7.50"


def test_never_more_than_the_purchase_amount(earn):
    assert earn("3.00", cashback_type="fixed", cashback_value="5.00") == "3.00"


def test_monthly_cap_counts_non_reversed_purchases_of_the_offer_in_the_month(signed_post, user, make_offer):
    offer = make_offer(monthly_cap_per_user="25.00")

    def buy(external_id: str, amount: str, when: datetime | None = None) -> dict:
        body = {
            "event": "purchase.created",
            "external_id": external_id,
            "user_id": str(user.id),
            "merchant_id": offer["merchant_id"],
            "amount": amount,
            "currency": "EUR",
        }
        if when:
            body["purchased_at"] = when.isoformat()
        return signed_post(WEBHOOK, body).json()

    first = buy("a", "200.00")
    assert first["cashback_amount"] == "20.00"
    assert buy("b", "200.00")["cashback_amount"] == "5.00"
    assert buy("c", "200.00")["cashback_amount"] == "0.00"
    signed_post(WEBHOOK, {"event": "purchase.reversed", "external_id": "a"})
    assert buy("d", "100.00")["cashback_amount"] == "10.00"
    last_month = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(seconds=1)
    if (datetime.now(UTC) - last_month).days < 59:  # the offer started 60 days ago
        assert buy("e", "200.00", last_month)["cashback_amount"] == "20.00"
