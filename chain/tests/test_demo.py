"""seed_demo's chain part: the demo user's address (its key printed) and one minted token payout."""

from __future__ import annotations

import io
from importlib import import_module
from importlib.util import find_spec

import pytest
from django.apps import apps
from eth_account import Account

from chain import demo as chain_demo
from chain.models import BlockchainTransaction, ChainAddress
from payouts.models import Payout, PayoutMethod, PayoutStatus

pytestmark = pytest.mark.django_db(transaction=True)


def seed() -> str:
    """seed_demo up to the chain's part: the apps before it in INSTALLED_APPS order (accounts, the demo
    purchases whose confirmed cashback funds the token payout, the demo payouts drawing on it first)."""
    for config in apps.get_app_configs():
        if config.name == "chain":
            break
        if find_spec(f"{config.name}.demo") is not None:
            import_module(f"{config.name}.demo").seed(io.StringIO())
    out = io.StringIO()
    chain_demo.seed(out)
    return out.getvalue()


def demo_token_payouts() -> list[Payout]:
    return list(Payout.objects.filter(user__email="user@example.com", method=PayoutMethod.TOKEN))


@pytest.mark.requires_server("anvil")
def test_the_demo_user_has_the_printed_keys_address_and_a_payout_minted_on_a_chain_started_for_the_seed(settings):
    from chain.devchain import free_port

    settings.CHAIN_ADAPTER_ADDR = f"127.0.0.1:{free_port()}"  # no adapter running: the seed starts its own
    printed = seed()

    address = Account.from_key(chain_demo.DEMO_CHAIN_KEY).address
    assert ChainAddress.objects.get(user__email="user@example.com").address == address
    assert f"{address}, key {chain_demo.DEMO_CHAIN_KEY}" in printed
    [payout] = demo_token_payouts()
    assert (payout.status, payout.destination) == (PayoutStatus.COMPLETED, address)
    assert BlockchainTransaction.objects.get(payout=payout).amount == 1250
    assert f"minted to {address}" in printed

    assert "Tokens:" not in seed()  # idempotent: nothing more to mint
    assert len(demo_token_payouts()) == 1


@pytest.mark.requires_server("anvil")
def test_with_an_adapter_running_the_demo_mints_through_it(token_chain):
    seed()
    [payout] = demo_token_payouts()
    assert payout.status == PayoutStatus.COMPLETED
    assert token_chain.balance(payout.destination) == 1250


def test_without_a_development_chain_the_mint_is_skipped_with_a_note(monkeypatch, settings):
    from chain import devchain

    settings.CHAIN_ADAPTER_ADDR = f"127.0.0.1:{devchain.free_port()}"
    monkeypatch.setattr(devchain, "anvil_available", lambda: False)

    printed = seed()

    assert "not minted: no chain adapter running and no development chain to start" in printed
    [payout] = demo_token_payouts()
    assert payout.status == PayoutStatus.REQUESTED
    assert ChainAddress.objects.filter(user__email="user@example.com").exists()
