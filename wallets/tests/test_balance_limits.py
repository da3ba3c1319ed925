"""A balance that would leave its column's range (14 digits, 2 decimals) is refused, never a 500."""

from decimal import Decimal

import pytest
from django.db import transaction

from clicknback.errors import AmountTooLarge
from payouts.services import payout_request
from wallets.models import EntryType, Wallet, WalletEntry
from wallets.services import Posting, wallet_lock, wallet_post, wallet_post_many, wallets_lock
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db

LARGEST = Decimal("999999999999.99")


def near_the_edge(user, **balances: Decimal) -> dict:
    """Put balances straight into the row (the ledger cannot reach them in a test's lifetime)."""
    Wallet.objects.filter(user=user).update(**balances)
    return Wallet.objects.values().get(user=user)


@pytest.mark.parametrize(
    ("balances", "deltas"),
    [
        ({"pending": LARGEST}, {"pending": Decimal("0.01")}),
        ({"available": LARGEST}, {"available": Decimal("0.01")}),
        ({"available": -LARGEST}, {"available": Decimal("-0.01")}),
        ({"paid": LARGEST - 1}, {"available": Decimal("-5.00"), "paid": Decimal("5.00")}),
        # Each bucket fits, but their sum would not: confirming it later would overflow `available`.
        ({"pending": LARGEST - 10, "available": Decimal("5.00")}, {"pending": Decimal("10.00")}),
    ],
)
def test_posting_out_of_range_is_refused_and_changes_nothing(user, balances, deltas):
    fund_wallet(user, Decimal("0.01"))
    before = near_the_edge(user, **balances)
    entries = WalletEntry.objects.count()
    with pytest.raises(AmountTooLarge), transaction.atomic():
        wallet = wallet_lock(user_id=user.id)
        locked = {field: getattr(wallet, field) for field in ("pending", "available", "paid", "entry_count")}
        try:
            wallet_post(wallet=wallet, entry_type=EntryType.CASHBACK_PENDING, **deltas)
        finally:
            assert {field: getattr(wallet, field) for field in locked} == locked  # not even in memory
    assert Wallet.objects.values().get(user=user) == before
    assert WalletEntry.objects.count() == entries


def test_batch_posting_out_of_range_is_refused(user):
    fund_wallet(user, Decimal("0.01"))
    before = near_the_edge(user, pending=LARGEST)
    with pytest.raises(AmountTooLarge), transaction.atomic():
        wallet = wallets_lock(user_ids=[user.id])[user.id]
        wallet_post_many(postings=[Posting(wallet, EntryType.CASHBACK_PENDING, pending=Decimal("1.00"))])
    assert Wallet.objects.values().get(user=user) == before


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
