"""The contract's promises under concurrent requests, with real threads and connections.

Each race is tested once, here; the apps' own concurrency tests hold the races the contract does
not spell out (racing transitions, idempotency keys, a merchant's name).
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings

from clicknback.testing import run_at_once
from tests.acceptance.conftest import API, WEBHOOK, code, today

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_duplicates_make_one_purchase_and_no_500(report_purchase, user_client):
    results = run_at_once([lambda: report_purchase(external_id="same-order") for _ in range(6)])
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409, 409, 409]
    created = next(r for r in results if r.status_code == 201).json()
    duplicates = [r for r in results if r.status_code == 409]
    assert {code(r) for r in duplicates} == {"DUPLICATE_PURCHASE"}
    assert {r.json()["error"]["details"]["purchase_id"] for r in duplicates} == {created["id"]}
    assert user_client.get(f"{API}/wallet").json()["pending_balance"] == "10.00"
    assert user_client.get(f"{API}/wallet/transactions").json()["count"] == 1


def test_two_concurrent_overlapping_offers_make_one(admin_client, make_merchant):
    merchant = make_merchant()
    bodies = [
        {
            "merchant_id": merchant["id"],
            "cashback_type": "percent",
            "cashback_value": "5.00",
            "starts_on": str(today() + timedelta(days=starts)),
            "ends_on": str(today() + timedelta(days=starts + 9)),
        }
        for starts in (0, 5)
    ]
    results = run_at_once([lambda b=b: admin_client.post(f"{API}/offers", b, format="json") for b in bodies])
    assert sorted(r.status_code for r in results) == [201, 409]
    winner = next(r for r in results if r.status_code == 201).json()
    loser = next(r for r in results if r.status_code == 409)
    assert code(loser) == "OFFER_OVERLAP"
    assert loser.json()["error"]["details"]["offer_id"] == winner["id"]
    offers = admin_client.get(f"{API}/offers", {"merchant_id": merchant["id"]}).json()
    assert [offer["id"] for offer in offers["results"]] == [winner["id"]]


def test_concurrent_payouts_never_overdraw(fund, user_client):
    fund("25.00")
    body = {"amount": "10.00", "method": "paypal", "destination": "jane@example.com"}
    results = run_at_once([lambda: user_client.post(f"{API}/payouts", body, format="json") for _ in range(4)])
    assert sorted(r.status_code for r in results) == [201, 201, 409, 409]
    assert {code(r) for r in results if r.status_code == 409} == {"INSUFFICIENT_BALANCE"}
    wallet = user_client.get(f"{API}/wallet").json()
    assert (wallet["available_balance"], wallet["paid_balance"]) == ("5.00", "20.00")
    assert user_client.get(f"{API}/payouts").json()["count"] == 2


def test_the_monthly_cap_holds_under_concurrent_ingestion(signed_post, user, make_offer, user_client):
    offer = make_offer(monthly_cap_per_user="25.00")

    def buy(n: int):
        return signed_post(
            WEBHOOK,
            {
                "event": "purchase.created",
                "external_id": f"cap-{n}",
                "user_id": str(user.id),
                "merchant_id": offer["merchant_id"],
                "amount": "100.00",
                "currency": "EUR",
            },
        )

    results = run_at_once([lambda n=n: buy(n) for n in range(5)])
    assert all(r.status_code == 201 for r in results)
    assert user_client.get(f"{API}/wallet").json()["pending_balance"] == "25.00"
    purchases = user_client.get(f"{API}/purchases").json()["results"]
    cashback = sorted((purchase["cashback_amount"] for purchase in purchases), key=float, reverse=True)
    assert cashback == ["10.00", "10.00", "5.00", "0.00", "0.00"]


@override_settings(MIN_PENDING_HOURS=0, FRAUD_VELOCITY_LIMIT="1000/h")
def test_several_confirmation_jobs_at_once_confirm_nothing_twice(
    report_purchase, user, other_user, user_client, other_client
):
    """Small batches over two users' purchases, so each job commits several while the others skip
    the rows it holds."""
    long_ago = (datetime.now(UTC) - timedelta(days=45)).isoformat()
    for n in range(16):
        report_purchase("100.00", purchased_at=long_ago, user_id=str((user, other_user)[n % 2].id))
    outputs = [io.StringIO() for _ in range(3)]
    run_at_once([lambda out=out: call_command("confirm_due_purchases", batch_size=2, stdout=out) for out in outputs])
    counts = [int(out.getvalue().split()[1]) for out in outputs]
    assert sum(counts) == 16
    for client in (user_client, other_client):
        wallet = client.get(f"{API}/wallet").json()
        assert (wallet["pending_balance"], wallet["available_balance"]) == ("0.00", "80.00")
        assert client.get(f"{API}/wallet/transactions").json()["count"] == 16
        purchases = client.get(f"{API}/purchases").json()["results"]
        assert Counter(purchase["status"] for purchase in purchases) == {"confirmed": 8}
