"""Claims under concurrency, with real threads: one order is held once, one claim booked once."""

from __future__ import annotations

from collections import Counter

import pytest

from accounts.tests.factories import UserFactory
from claims.models import Claim, ClaimStatus
from claims.tests.conftest import support_staff
from claims.tests.factories import ClaimFactory
from claims.tests.test_api import CLAIMS, days_ago
from clicknback.testing import bearer_client, run_at_once
from offers.tests.factories import OfferFactory
from purchases.models import Purchase
from wallets.models import WalletEntry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_two_claims_of_one_order_filed_at_once_one_201_one_409() -> None:
    merchant = OfferFactory().merchant
    body = {
        "merchant_id": str(merchant.id),
        "order_reference": "ORD-RACE",
        "amount": "50.00",
        "purchased_at": days_ago(10).isoformat(),
    }
    clients = [bearer_client(UserFactory()) for _ in range(2)]
    responses = run_at_once([lambda c=client: c.post(CLAIMS, body, format="json") for client in clients])
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 1}
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"CLAIM_DUPLICATE"}
    assert Claim.objects.count() == 1


def test_one_claim_approved_twice_at_once_books_one_purchase() -> None:
    support = support_staff()
    claim = ClaimFactory()
    clients = [bearer_client(support) for _ in range(4)]
    responses = run_at_once([lambda c=client: c.post(f"{CLAIMS}/{claim.id}/approve") for client in clients])
    assert [r.status_code for r in responses] == [200] * 4, [r.json() for r in responses]
    purchase = Purchase.objects.get()
    assert {r.json()["purchase_id"] for r in responses} == {str(purchase.id)}
    assert WalletEntry.objects.count() == 1
    claim.refresh_from_db()
    assert (claim.status, claim.purchase) == (ClaimStatus.APPROVED, purchase)


def test_approving_and_rejecting_at_once_decide_once() -> None:
    support = support_staff()
    claim = ClaimFactory()
    approver, rejecter = bearer_client(support), bearer_client(support)
    responses = run_at_once(
        [
            lambda: approver.post(f"{CLAIMS}/{claim.id}/approve"),
            lambda: rejecter.post(f"{CLAIMS}/{claim.id}/reject", {"reason": "no"}, format="json"),
        ]
    )
    assert sorted(r.status_code for r in responses) == [200, 409]
    claim.refresh_from_db()
    assert Purchase.objects.count() == (1 if claim.status == ClaimStatus.APPROVED else 0)
