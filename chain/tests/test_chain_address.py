"""POST /me/chain-address/challenge and PUT/GET/PATCH/DELETE /me/chain-address."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from eth_account import Account
from eth_account.messages import encode_defunct

from accounts.tests.factories import UserFactory
from chain.models import ChainAddress, ChainChallenge
from clicknback.testing import bearer_client, error_code, run_at_once
from tests.contract import CHAIN_ADDRESS_FIELDS, CHAIN_CHALLENGE_FIELDS

pytestmark = pytest.mark.django_db

CHALLENGE = "/api/v1/me/chain-address/challenge"
ADDRESS = "/api/v1/me/chain-address"


def sign(account, message: str) -> str:
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex().removeprefix("0x")


def link(client, account, *, address: str | None = None, signer=None):
    address = address or account.address
    challenge = client.post(CHALLENGE, {"address": address}, format="json")
    assert challenge.status_code == 201, challenge.json()
    signature = sign(signer or account, challenge.json()["message"])
    return client.put(ADDRESS, {"address": address, "signature": signature}, format="json")


def test_linking_with_a_valid_signature(user_client, user):
    account = Account.create()
    challenge = user_client.post(CHALLENGE, {"address": account.address.lower()}, format="json")
    assert challenge.status_code == 201
    assert set(challenge.json()) == CHAIN_CHALLENGE_FIELDS
    assert account.address in challenge.json()["message"]
    signature = sign(account, challenge.json()["message"])

    response = user_client.put(ADDRESS, {"address": account.address.lower(), "signature": signature}, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert set(body) == CHAIN_ADDRESS_FIELDS
    assert (body["address"], body["payout_preference"]) == (account.address, "manual")
    assert user_client.get(ADDRESS).json() == body
    assert ChainAddress.objects.get(user=user).address == account.address


def test_a_wrong_signer_is_refused_and_the_challenge_stays_valid(user_client):
    account = Account.create()
    challenge = user_client.post(CHALLENGE, {"address": account.address}, format="json").json()

    wrong = user_client.put(
        ADDRESS, {"address": account.address, "signature": sign(Account.create(), challenge["message"])}, format="json"
    )
    assert (wrong.status_code, error_code(wrong)) == (400, "VALIDATION_ERROR")
    assert set(wrong.json()["error"]["details"]["fields"]) == {"signature"}

    right = user_client.put(
        ADDRESS, {"address": account.address, "signature": sign(account, challenge["message"])}, format="json"
    )
    assert right.status_code == 200


@pytest.mark.parametrize("signature", ["0x" + "00" * 65, "0x" + "ff" * 65, "nothex", ""])
def test_a_malformed_signature_is_a_400_on_signature(user_client, signature):
    account = Account.create()
    user_client.post(CHALLENGE, {"address": account.address}, format="json")
    response = user_client.put(ADDRESS, {"address": account.address, "signature": signature}, format="json")
    assert (response.status_code, list(response.json()["error"]["details"]["fields"])) == (400, ["signature"])


def test_a_used_challenge_is_refused(user_client):
    account = Account.create()
    message = user_client.post(CHALLENGE, {"address": account.address}, format="json").json()["message"]
    body = {"address": account.address, "signature": sign(account, message)}
    assert user_client.put(ADDRESS, body, format="json").status_code == 200

    again = user_client.put(ADDRESS, body, format="json")

    assert (again.status_code, error_code(again)) == (400, "VALIDATION_ERROR")
    assert "used" in again.json()["error"]["message"]


def test_an_expired_challenge_is_refused(user_client):
    account = Account.create()
    message = user_client.post(CHALLENGE, {"address": account.address}, format="json").json()["message"]
    ChainChallenge.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = user_client.put(
        ADDRESS, {"address": account.address, "signature": sign(account, message)}, format="json"
    )

    assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")
    assert "expired" in response.json()["error"]["message"]
    assert not ChainAddress.objects.exists()


def test_a_challenge_expires_after_ten_minutes(user_client):
    before = timezone.now()
    user_client.post(CHALLENGE, {"address": Account.create().address}, format="json")
    challenge = ChainChallenge.objects.get()
    assert before + timedelta(minutes=10) <= challenge.expires_at <= timezone.now() + timedelta(minutes=10)


def test_signing_without_a_challenge_is_refused(user_client):
    account = Account.create()
    response = user_client.put(ADDRESS, {"address": account.address, "signature": sign(account, "hi")}, format="json")
    assert (response.status_code, list(response.json()["error"]["details"]["fields"])) == (400, ["address"])


@pytest.mark.parametrize("mangle", [lambda a: a.replace("E", "e", 1), lambda a: a[:-1] + "g", lambda a: a[:-1]])
def test_a_bad_checksum_or_malformed_address_is_refused(user_client, mangle):
    address = "0x52908400098527886E0F7030069857D2E4169EE7"  # EIP-55's own example, mixed case
    response = user_client.post(CHALLENGE, {"address": mangle(address)}, format="json")
    assert (response.status_code, list(response.json()["error"]["details"]["fields"])) == (400, ["address"])


def test_an_address_of_another_user_is_refused(user_client, other_client):
    account = Account.create()
    assert link(other_client, account).status_code == 200

    response = link(user_client, account)

    assert (response.status_code, error_code(response)) == (409, "ADDRESS_IN_USE")
    assert ChainAddress.objects.count() == 1


def test_relinking_replaces_the_address(user_client, user):
    assert link(user_client, Account.create()).status_code == 200
    newer = Account.create()
    assert link(user_client, newer).json()["address"] == newer.address
    assert ChainAddress.objects.get(user=user).address == newer.address


def test_get_patch_delete(user_client):
    assert error_code(user_client.get(ADDRESS)) == "NOT_FOUND"
    assert user_client.patch(ADDRESS, {"payout_preference": "token"}, format="json").status_code == 404
    assert user_client.delete(ADDRESS).status_code == 404
    account = Account.create()
    link(user_client, account)

    patched = user_client.patch(ADDRESS, {"payout_preference": "token"}, format="json")
    assert (patched.status_code, patched.json()["payout_preference"]) == (200, "token")
    assert user_client.patch(ADDRESS, {"payout_preference": "cash"}, format="json").status_code == 400
    assert user_client.delete(ADDRESS).status_code == 204
    assert user_client.get(ADDRESS).status_code == 404


def test_admins_have_no_chain_address(admin_client):
    assert admin_client.post(CHALLENGE, {"address": Account.create().address}, format="json").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_users_linking_one_address_at_once_one_wins():
    account = Account.create()
    clients = [bearer_client(UserFactory()) for _ in range(2)]
    signatures = []
    for client in clients:
        message = client.post(CHALLENGE, {"address": account.address}, format="json").json()["message"]
        signatures.append(sign(account, message))

    responses = run_at_once(
        [
            lambda client=client, signature=signature: client.put(
                ADDRESS, {"address": account.address, "signature": signature}, format="json"
            )
            for client, signature in zip(clients, signatures, strict=True)
        ]
    )

    assert sorted(response.status_code for response in responses) == [200, 409]
    assert ChainAddress.objects.count() == 1
