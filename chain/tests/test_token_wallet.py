"""GET /wallet/token: the user's tokens, the balance read from the chain through the adapter."""

from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from chain.devchain import free_port
from chain.models import ChainAddress
from chain.reconcile import ref_of
from clicknback.testing import error_code
from tests.contract import TOKEN_WALLET_FIELDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def adapter_at(settings):
    def point(address: str) -> None:
        settings.CHAIN_ADAPTER_ADDR = address

    return point


@pytest.mark.requires_server("anvil")
def test_the_onchain_balance_is_read_from_the_chain(user_client, user, devnet, adapter_at, holder):
    adapter_at(devnet.client_address)
    ChainAddress.objects.create(user=user, address=holder, verified_at=timezone.now())
    devnet.client.mint(ref=ref_of(uuid.uuid4()), to=holder, amount=2500)

    response = user_client.get("/api/v1/wallet/token")

    assert response.status_code == 200
    assert response.json() == {
        "address": holder,
        "token_address": devnet.token,
        "chain_id": 31337,
        "onchain_balance": 2500,
        "minted_total": 0,  # token payouts come with the mint consumer
        "pending_mints": 0,
    }
    assert set(response.json()) == TOKEN_WALLET_FIELDS


@pytest.mark.requires_server("anvil")
def test_without_a_linked_address_the_token_is_named_and_the_balance_is_zero(user_client, devnet, adapter_at):
    adapter_at(devnet.client_address)
    body = user_client.get("/api/v1/wallet/token").json()
    assert (body["address"], body["token_address"], body["onchain_balance"]) == (None, devnet.token, 0)


def test_the_adapter_down_is_a_503_for_this_endpoint_alone(user_client, user, adapter_at):
    adapter_at(f"127.0.0.1:{free_port()}")
    ChainAddress.objects.create(user=user, address="0x" + "ab" * 20, verified_at=timezone.now())

    response = user_client.get("/api/v1/wallet/token")

    assert (response.status_code, error_code(response)) == (503, "SERVICE_UNAVAILABLE")
    assert user_client.get("/api/v1/wallet").status_code == 200
