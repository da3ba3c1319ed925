"""The wallet: balances and the ledger."""

from __future__ import annotations

import pytest

from tests.acceptance.conftest import API, IBAN, WEBHOOK, code
from tests.contract import WALLET_ENTRY_FIELDS

pytestmark = pytest.mark.django_db


def test_a_new_user_has_a_wallet_of_zeros(user_client):
    response = user_client.get(f"{API}/wallet")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"currency", "pending_balance", "available_balance", "paid_balance", "updated_at"}
    assert (body["currency"], body["pending_balance"], body["available_balance"], body["paid_balance"]) == (
        "EUR",
        "0.00",
        "0.00",
        "0.00",
    )


def test_a_new_user_has_no_transactions(user_client):
    assert user_client.get(f"{API}/wallet/transactions").json() == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }


def test_the_wallet_is_for_the_user_role(admin_client, api_client):
    assert code(admin_client.get(f"{API}/wallet")) == "PERMISSION_DENIED"
    assert code(api_client.get(f"{API}/wallet")) == "NOT_AUTHENTICATED"


def test_every_change_is_a_ledger_entry_with_the_balances_after_it(
    report_purchase, signed_post, admin_client, user_client
):
    confirmed = report_purchase("100.00").json()  # 10.00
    reversed_ = report_purchase("50.00").json()  # 5.00
    admin_client.post(f"{API}/purchases/{confirmed['id']}/confirm")
    signed_post(WEBHOOK, {"event": "purchase.reversed", "external_id": reversed_["external_id"]})
    payout = user_client.post(
        f"{API}/payouts", {"amount": "10.00", "method": "bank_transfer", "destination": IBAN}, format="json"
    ).json()
    admin_client.post(f"{API}/payouts/{payout['id']}/fail", {"reason": "bounced"}, format="json")

    entries = user_client.get(f"{API}/wallet/transactions").json()["results"]
    assert all(set(entry) == WALLET_ENTRY_FIELDS for entry in entries)
    summary = [
        (
            e["type"],
            e["pending_delta"],
            e["available_delta"],
            e["paid_delta"],
            e["pending_balance"],
            e["available_balance"],
            e["paid_balance"],
        )
        for e in reversed(entries)  # newest first
    ]
    assert summary == [
        ("cashback_pending", "10.00", "0.00", "0.00", "10.00", "0.00", "0.00"),
        ("cashback_pending", "5.00", "0.00", "0.00", "15.00", "0.00", "0.00"),
        ("cashback_confirmed", "-10.00", "10.00", "0.00", "5.00", "10.00", "0.00"),
        ("cashback_reversed", "-5.00", "0.00", "0.00", "0.00", "10.00", "0.00"),
        ("payout_requested", "0.00", "-10.00", "10.00", "0.00", "0.00", "10.00"),
        ("payout_failed", "0.00", "10.00", "-10.00", "0.00", "10.00", "0.00"),
    ]
    assert entries[-1]["purchase_id"] == confirmed["id"] and entries[-1]["payout_id"] is None
    assert entries[0]["payout_id"] == payout["id"] and entries[0]["purchase_id"] is None
    wallet = user_client.get(f"{API}/wallet").json()
    assert (wallet["pending_balance"], wallet["available_balance"], wallet["paid_balance"]) == ("0.00", "10.00", "0.00")


def test_users_see_only_their_own_ledger(report_purchase, other_client):
    report_purchase()
    assert other_client.get(f"{API}/wallet/transactions").json()["count"] == 0
