"""The contract's promises under concurrent requests, with real threads and connections."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings

from clicknback.testing import run_at_once
from tests.acceptance.conftest import API, WEBHOOK, today

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_duplicates_make_one_purchase_and_no_500(ingest, user_client):
    results = run_at_once([lambda: ingest(external_id="same-order") for _ in range(6)])
    assert sorted(r.status_code for r in results) == [201, 409, 409, 409, 409, 409]
    assert user_client.get(f"{API}/wallet").json()["pending_balance"] == "10.00"


def test_two_concurrent_overlapping_offers_make_one(admin_client, make_merchant):
    merchant = make_merchant()
    body = {
        "merchant_id": merchant["id"],
        "cashback_type": "percent",
        "cashback_value": "5.00",
        "starts_on": str(today()),
        "ends_on": str(today() + timedelta(days=9)),
    }
    results = run_at_once([lambda: admin_client.post(f"{API}/offers", body, format="json") for _ in range(2)])
    assert sorted(r.status_code for r in results) == [201, 409]


def test_concurrent_payouts_never_overdraw(fund, user_client):
    fund("25.00")
    body = {"amount": "10.00", "method": "paypal", "destination": "jane@example.com"}
    results = run_at_once([lambda: user_client.post(f"{API}/payouts", body, format="json") for _ in range(4)])
    assert sorted(r.status_code for r in results) == [201, 201, 409, 409]
    assert user_client.get(f"{API}/wallet").json()["available_balance"] == "5.00"


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


@override_settings(MIN_PENDING_HOURS=0)
def test_several_confirmation_jobs_at_once_confirm_nothing_twice(ingest, user_client):
    long_ago = (datetime.now(UTC) - timedelta(days=45)).isoformat()
    for _ in range(5):
        ingest("100.00", purchased_at=long_ago)
    outputs = [io.StringIO() for _ in range(3)]
    run_at_once([lambda out=out: call_command("confirm_due_purchases", stdout=out) for out in outputs])
    counts = [int(out.getvalue().split()[1]) for out in outputs]
    assert sum(counts) == 5
    wallet = user_client.get(f"{API}/wallet").json()
    assert (wallet["pending_balance"], wallet["available_balance"]) == ("0.00", "50.00")
    assert user_client.get(f"{API}/wallet/transactions").json()["count"] == 10
