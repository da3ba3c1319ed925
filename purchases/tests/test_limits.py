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
