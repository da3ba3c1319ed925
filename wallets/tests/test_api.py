"""GET /wallet and GET /wallet/transactions: the user's own balances and ledger."""

import pytest

from clicknback.actors import Actor
from clicknback.testing import error_code
from purchases.services import purchase_confirm, purchase_reverse
from tests.contract import WALLET_ENTRY_FIELDS
from wallets.models import Wallet

pytestmark = pytest.mark.django_db


def test_new_user_gets_zeros_without_creating_a_wallet(user_client, django_assert_num_queries):
    with django_assert_num_queries(2):  # auth user, wallet lookup
        response = user_client.get("/api/v1/wallet")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"currency", "pending_balance", "available_balance", "paid_balance", "updated_at"}
    assert (body["currency"], body["pending_balance"], body["available_balance"], body["paid_balance"]) == (
        "EUR",
        "0.00",
        "0.00",
        "0.00",
    )
    assert Wallet.objects.count() == 0
    assert user_client.get("/api/v1/wallet/transactions/").json()["results"] == []


def test_balances_and_entries_follow_purchases(user_client, ingest, admin_user):
    admin = Actor.for_user(admin_user)
    first = ingest("100.00")
    second = ingest("40.00")
    purchase_confirm(purchase_id=first.id, actor=admin)
    purchase_reverse(purchase_id=second.id, actor=admin)
    wallet = user_client.get("/api/v1/wallet/").json()
    assert (wallet["pending_balance"], wallet["available_balance"], wallet["paid_balance"]) == ("0.00", "10.00", "0.00")
    entries = user_client.get("/api/v1/wallet/transactions").json()["results"]
    assert set(entries[0]) == WALLET_ENTRY_FIELDS
    assert [
        (e["type"], e["pending_delta"], e["available_delta"], e["pending_balance"], e["available_balance"])
        for e in entries
    ] == [
        ("cashback_reversed", "-4.00", "0.00", "0.00", "10.00"),
        ("cashback_confirmed", "-10.00", "10.00", "4.00", "10.00"),
        ("cashback_pending", "4.00", "0.00", "14.00", "0.00"),
        ("cashback_pending", "10.00", "0.00", "10.00", "0.00"),
    ]
    assert entries[0]["purchase_id"] == str(second.id) and entries[0]["payout_id"] is None


def test_users_see_only_their_own_ledger(other_client, ingest):
    ingest()
    assert other_client.get("/api/v1/wallet/transactions").json()["count"] == 0
    assert other_client.get("/api/v1/wallet").json()["pending_balance"] == "0.00"


@pytest.mark.parametrize("count", [1, 6])
def test_transactions_query_count_is_fixed(user_client, ingest, django_assert_num_queries, count):
    for _ in range(count):
        ingest()
    with django_assert_num_queries(3) as queries:  # auth user, wallet (its entry_count is the count), page
        response = user_client.get("/api/v1/wallet/transactions", {"limit": 3})
    assert len(response.json()["results"]) == min(3, count)
    assert response.json()["count"] == count
    # No COUNT(*) over the ledger and no join: the cost does not grow with the user's history.
    assert not any("COUNT(" in q["sql"] or "JOIN" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("path", ["/api/v1/wallet", "/api/v1/wallet/transactions"])
def test_admins_get_403_and_anonymous_401(admin_client, api_client, path):
    response = admin_client.get(path)
    assert response.status_code == 403 and error_code(response) == "PERMISSION_DENIED"
    assert api_client.get(path).status_code == 401
