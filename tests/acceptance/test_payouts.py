"""Payouts: requests, masking, limits, idempotency, processing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import override_settings

from tests.acceptance.conftest import API, IBAN, code, fields
from tests.contract import PAYOUT_FIELDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_payout(user_client):
    def post(amount="10.00", method="bank_transfer", destination=IBAN, client=None, **headers):
        body = {"amount": amount, "method": method, "destination": destination}
        return (client or user_client).post(f"{API}/payouts", body, format="json", **headers)

    return post


@pytest.fixture
def payout(fund, request_payout) -> dict:
    fund("50.00")
    response = request_payout("20.00")
    assert response.status_code == 201, response.json()
    return response.json()


def balances(user_client) -> tuple[str, str]:
    wallet = user_client.get(f"{API}/wallet").json()
    return wallet["available_balance"], wallet["paid_balance"]


def test_request_answers_201_requested_with_the_destination_masked(payout, user_client):
    assert set(payout) == PAYOUT_FIELDS
    assert (payout["amount"], payout["currency"], payout["method"], payout["status"]) == (
        "20.00",
        "EUR",
        "bank_transfer",
        "requested",
    )
    assert payout["destination"] == "DE89 **** **** 3000"
    assert payout["failure_reason"] is None and payout["processed_at"] is None
    assert balances(user_client) == ("30.00", "20.00")


def test_an_iban_written_in_groups_is_accepted_and_masked(fund, request_payout):
    fund("50.00")
    response = request_payout(destination="de89 3704 0044 0532 0130 00")
    assert response.json()["destination"] == "DE89 **** **** 3000"


def test_a_paypal_email_is_masked(fund, request_payout):
    fund("50.00")
    response = request_payout(method="paypal", destination="jane.doe@example.com")
    assert response.status_code == 201 and response.json()["destination"] == "j***@example.com"


@pytest.mark.parametrize(
    ("method", "destination"),
    [("bank_transfer", "DE89370400440532013001"), ("bank_transfer", "hello"), ("paypal", "not-an-email")],
)
def test_a_bad_destination_is_400(fund, request_payout, method, destination):
    fund("50.00")
    response = request_payout(method=method, destination=destination)
    assert response.status_code == 400 and "destination" in fields(response)


def test_an_unknown_method_is_400(request_payout):
    assert "method" in fields(request_payout(method="cheque"))


def test_below_min_payout_amount_is_422(fund, request_payout):
    fund("50.00")
    response = request_payout("9.99")
    assert response.status_code == 422 and code(response) == "BELOW_MINIMUM_PAYOUT"


@pytest.mark.parametrize("minimum", [Decimal("25.00"), "25.00", 25])
def test_min_payout_amount_is_a_setting(fund, request_payout, minimum):
    fund("50.00")
    with override_settings(MIN_PAYOUT_AMOUNT=minimum):
        assert code(request_payout("24.99")) == "BELOW_MINIMUM_PAYOUT"
        assert request_payout("25.00").status_code == 201


def test_more_than_available_is_409_insufficient_balance_with_the_available_balance(fund, request_payout, user_client):
    fund("15.00")
    response = request_payout("15.01")
    assert response.status_code == 409 and code(response) == "INSUFFICIENT_BALANCE"
    assert response.json()["error"]["details"]["available_balance"] == "15.00"
    assert balances(user_client) == ("15.00", "0.00")


def test_only_users_request_payouts(admin_client, request_payout):
    assert code(request_payout(client=admin_client)) == "PERMISSION_DENIED"


def test_an_idempotency_key_retry_replays_the_first_response_and_moves_no_money(fund, request_payout, user_client):
    fund("50.00")
    first = request_payout("20.00", HTTP_IDEMPOTENCY_KEY="k-1")
    again = request_payout("20.00", HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert balances(user_client) == ("30.00", "20.00")
    assert user_client.get(f"{API}/payouts").json()["count"] == 1


def test_the_same_key_with_another_body_is_409_idempotency_key_reused(fund, request_payout):
    fund("50.00")
    request_payout("20.00", HTTP_IDEMPOTENCY_KEY="k-1")
    response = request_payout("21.00", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 409 and code(response) == "IDEMPOTENCY_KEY_REUSED"


def test_idempotency_keys_are_per_user(fund, request_payout, other_client):
    fund("50.00")
    request_payout("20.00", HTTP_IDEMPOTENCY_KEY="k-1")
    response = request_payout("20.00", client=other_client, HTTP_IDEMPOTENCY_KEY="k-1")
    assert code(response) == "INSUFFICIENT_BALANCE"


def test_users_list_their_own_admins_all_newest_first(fund, request_payout, user_client, other_client, admin_client):
    fund("50.00")
    first, second = request_payout().json(), request_payout().json()
    assert [p["id"] for p in user_client.get(f"{API}/payouts").json()["results"]] == [second["id"], first["id"]]
    assert other_client.get(f"{API}/payouts").json()["count"] == 0
    assert admin_client.get(f"{API}/payouts").json()["count"] == 2


def test_admin_filters_status_and_user_id(payout, admin_client, user, other_user):
    assert admin_client.get(f"{API}/payouts?user_id={user.id}").json()["count"] == 1
    assert admin_client.get(f"{API}/payouts?user_id={other_user.id}").json()["count"] == 0
    assert admin_client.get(f"{API}/payouts?status=requested").json()["count"] == 1
    assert admin_client.get(f"{API}/payouts?status=failed").json()["count"] == 0


def test_a_payout_is_visible_to_its_owner_and_admins_others_get_404(payout, user_client, other_client, admin_client):
    assert user_client.get(f"{API}/payouts/{payout['id']}").json() == payout
    assert admin_client.get(f"{API}/payouts/{payout['id']}").json() == payout
    response = other_client.get(f"{API}/payouts/{payout['id']}")
    assert response.status_code == 404 and code(response) == "NOT_FOUND"


def test_complete_moves_requested_to_completed_and_repeating_is_200(payout, admin_client, user_client):
    response = admin_client.post(f"{API}/payouts/{payout['id']}/complete")
    assert response.status_code == 200
    assert response.json()["status"] == "completed" and response.json()["processed_at"]
    again = admin_client.post(f"{API}/payouts/{payout['id']}/complete")
    assert again.status_code == 200 and again.json() == response.json()
    assert balances(user_client) == ("30.00", "20.00")
    failing = admin_client.post(f"{API}/payouts/{payout['id']}/fail", {"reason": "late"}, format="json")
    assert failing.status_code == 409 and code(failing) == "INVALID_STATE_TRANSITION"


def test_fail_returns_the_amount_to_available_once_and_completing_it_is_409(payout, admin_client, user_client):
    response = admin_client.post(f"{API}/payouts/{payout['id']}/fail", {"reason": "bounced"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["failure_reason"]) == ("failed", "bounced")
    again = admin_client.post(f"{API}/payouts/{payout['id']}/fail", {"reason": "bounced"}, format="json")
    assert again.status_code == 200
    assert balances(user_client) == ("50.00", "0.00")
    completing = admin_client.post(f"{API}/payouts/{payout['id']}/complete")
    assert completing.status_code == 409 and code(completing) == "INVALID_STATE_TRANSITION"
    assert completing.json()["error"]["details"]["current_status"] == "failed"


def test_fail_needs_a_reason(payout, admin_client):
    response = admin_client.post(f"{API}/payouts/{payout['id']}/fail", {}, format="json")
    assert response.status_code == 400 and "reason" in fields(response)


def test_complete_and_fail_are_for_admins_only(payout, user_client, admin_client):
    assert code(user_client.post(f"{API}/payouts/{payout['id']}/complete")) == "PERMISSION_DENIED"
    assert user_client.post(f"{API}/payouts/{payout['id']}/fail", {"reason": "x"}, format="json").status_code == 403
    unknown = "00000000-0000-0000-0000-000000000000"
    assert admin_client.post(f"{API}/payouts/{unknown}/complete").status_code == 404


def link_over_http(user_client) -> str:
    """Link a fresh address the way a client does: ask for the challenge, sign it, PUT it."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    account = Account.create()
    challenge = user_client.post(f"{API}/me/chain-address/challenge", {"address": account.address}, format="json")
    signature = account.sign_message(encode_defunct(text=challenge.json()["message"])).signature.hex()
    linked = user_client.put(
        f"{API}/me/chain-address",
        {"address": account.address, "signature": "0x" + signature.removeprefix("0x")},
        format="json",
    )
    assert linked.status_code == 200, linked.json()
    return account.address


def test_a_token_payout_needs_a_linked_address_and_goes_to_it(fund, user_client):
    fund("50.00")
    body = {"amount": "20.00", "method": "token"}

    refused = user_client.post(f"{API}/payouts", body, format="json")
    assert (refused.status_code, code(refused)) == (422, "CHAIN_ADDRESS_REQUIRED")
    address = link_over_http(user_client)
    response = user_client.post(f"{API}/payouts", body, format="json")

    assert response.status_code == 201
    payout = response.json()
    assert set(payout) == PAYOUT_FIELDS
    assert (payout["method"], payout["destination"], payout["status"]) == ("token", address, "requested")
    assert (payout["tx_hash"], payout["block_number"]) == (None, None)
    assert balances(user_client) == ("30.00", "20.00")
