"""A payout that would take `paid` out of its column's range is refused, never a 500 (the wallet
services' own range checks: wallets/tests/test_services.py)."""

from decimal import Decimal

import pytest

from clicknback.errors import AmountTooLarge
from payouts.services import payout_request
from wallets.models import Wallet, WalletEntry
from wallets.tests.helpers import LARGEST, fund_wallet, near_the_edge

pytestmark = pytest.mark.django_db


def test_payout_that_would_overflow_paid_is_422_and_writes_nothing(user, user_client):
    fund_wallet(user, Decimal("100.00"))
    before = near_the_edge(user, paid=LARGEST - 50)
    entries = WalletEntry.objects.count()
    response = user_client.post(
        "/api/v1/payouts", {"amount": "60.00", "method": "paypal", "destination": "me@example.com"}, format="json"
    )
    assert response.status_code == 422, response.json()
    assert response.json()["error"]["code"] == "AMOUNT_TOO_LARGE"
    assert Wallet.objects.values().get(user=user) == before
    assert WalletEntry.objects.count() == entries
    with pytest.raises(AmountTooLarge):
        payout_request(user=user, amount=Decimal("60.00"), method="paypal", destination="me@example.com")
