"""Amounts a partner may report, and what happens at the edge of a wallet's range."""

from decimal import Decimal

import pytest

from clicknback.testing import error_code
from purchases.models import Purchase
from purchases.tests.conftest import WEBHOOK
from wallets.models import Wallet, WalletEntry

pytestmark = pytest.mark.django_db


def test_amount_above_max_purchase_amount_is_422_and_stores_nothing(signed_post, created_payload, settings):
    settings.MAX_PURCHASE_AMOUNT = "500.00"  # as the environment gives it: a string
    at_max = signed_post(WEBHOOK, created_payload(amount="500.00"))
    above = signed_post(WEBHOOK, created_payload(amount="500.01"))
    assert at_max.status_code == 201, at_max.json()
    assert above.status_code == 422
    assert error_code(above) == "AMOUNT_TOO_LARGE"
    assert above.json()["error"]["details"] == {"max_purchase_amount": "500.00"}
    assert Purchase.objects.count() == 1 and WalletEntry.objects.count() == 1


def test_max_purchase_amount_defaults_to_100000(signed_post, created_payload):
    assert signed_post(WEBHOOK, created_payload(amount="100000.00")).status_code == 201
    assert error_code(signed_post(WEBHOOK, created_payload(amount="100000.01"))) == "AMOUNT_TOO_LARGE"


def test_a_wallet_driven_past_its_range_is_422_not_500(signed_post, created_payload, offer, user, settings):
    """The issue's reproduction: five huge purchases at 20 %; the fifth would overflow `pending`."""
    settings.MAX_PURCHASE_AMOUNT = "999999999999.99"
    offer.cashback_value = Decimal("20.00")
    offer.save()
    statuses = [signed_post(WEBHOOK, created_payload(amount="999999999999.99")).status_code for _ in range(4)]
    assert statuses == [201] * 4
    before = Wallet.objects.values().get(user=user)

    fifth = signed_post(WEBHOOK, created_payload(amount="999999999999.99"))

    assert fifth.status_code == 422, fifth.json()
    assert error_code(fifth) == "AMOUNT_TOO_LARGE"
    assert Purchase.objects.count() == 4 and WalletEntry.objects.count() == 4
    assert Wallet.objects.values().get(user=user) == before


# --- dates: 2000-01-01 to 2100-12-31 (UTC), everywhere ---------------------------------------

DATE_RANGE = "Must be between 2000-01-01 and 2100-12-31."


@pytest.mark.parametrize(
    "purchased_at",
    ["0001-01-01T00:30:00Z", "0001-01-01T00:30:00+01:00", "1999-12-31T23:59:59Z", "2000-01-01T00:30:00+01:00"],
)
def test_purchased_at_before_2000_is_400_and_stores_nothing(signed_post, created_payload, purchased_at):
    response = signed_post(WEBHOOK, created_payload(purchased_at=purchased_at))
    assert response.status_code == 400, response.json()
    assert error_code(response) == "VALIDATION_ERROR"
    assert "purchased_at" in response.json()["error"]["details"]["fields"]
    assert Purchase.objects.count() == 0


def test_purchased_at_names_the_supported_range(signed_post, created_payload):
    response = signed_post(WEBHOOK, created_payload(purchased_at="0001-01-01T00:30:00Z"))
    assert response.json()["error"]["details"]["fields"] == {"purchased_at": [DATE_RANGE]}


@pytest.mark.parametrize(
    "params",
    [
        {"purchased_from": "0001-01-01"},
        {"purchased_from": "1999-12-31"},
        {"purchased_to": "2101-01-01"},
        {"purchased_to": "9999-12-31"},
    ],
)
def test_purchase_date_filters_out_of_range_are_400(admin_client, params):
    response = admin_client.get("/api/v1/purchases", params)
    assert response.status_code == 400
    assert response.json()["error"]["details"]["fields"] == {name: [DATE_RANGE] for name in params}


def test_purchase_date_filters_take_the_edges_of_the_range(admin_client, ingest):
    purchase = ingest()
    response = admin_client.get("/api/v1/purchases", {"purchased_from": "2000-01-01", "purchased_to": "2100-12-31"})
    assert [item["id"] for item in response.json()["results"]] == [str(purchase.id)]
