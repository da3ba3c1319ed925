"""reconcile_chain: the chain's Minted events per address against the database's expected mints."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import CommandError, call_command

from chain.reconcile import ChainDifference, Mint, chain_differences, ref_of

ALICE, BOB = "0x" + "a1" * 20, "0x" + "b2" * 20


def mint(to: str, amount: int) -> Mint:
    return Mint(ref_of(uuid.uuid4()), to, amount)


def test_matching_mints_are_clean():
    mints = [mint(ALICE, 100), mint(ALICE, 50), mint(BOB, 7)]
    assert chain_differences(on_chain=mints, expected={m.ref: m for m in mints}) == []


def test_every_planted_difference_is_reported():
    kept, missing, unexpected = mint(ALICE, 100), mint(ALICE, 50), mint(BOB, 7)
    wrong_amount = mint(BOB, 30)
    on_chain = [kept, unexpected, Mint(wrong_amount.ref, BOB, 31)]
    expected = {m.ref: m for m in (kept, missing, wrong_amount)}

    differences = chain_differences(on_chain=on_chain, expected=expected)

    assert ChainDifference(ALICE, "minted total", 100, 150) in differences
    assert ChainDifference(BOB, "minted total", 38, 30) in differences
    assert ChainDifference(ALICE, f"mint {missing.ref.hex()}", "none", f"50 to {ALICE}") in differences
    assert ChainDifference(BOB, f"mint {unexpected.ref.hex()}", f"7 to {BOB}", "none") in differences
    assert ChainDifference(BOB, f"mint {wrong_amount.ref.hex()}", f"31 to {BOB}", f"30 to {BOB}") in differences
    assert len(differences) == 5


@pytest.mark.django_db
@pytest.mark.requires_server("anvil")
def test_a_mint_the_database_does_not_know_fails_the_command(devnet, settings, holder, capsys):
    settings.CHAIN_ADAPTER_ADDR = devnet.client_address
    reply = devnet.client.mint(ref=ref_of(uuid.uuid4()), to=holder, amount=99)
    assert reply.tx_hash

    with pytest.raises(CommandError, match="difference"):
        call_command("reconcile_chain")

    assert f"{holder}: minted total: chain 99, database 0" in capsys.readouterr().out


@pytest.mark.django_db
def test_the_adapter_down_is_a_clear_error(settings):
    from chain.devchain import free_port

    settings.CHAIN_ADAPTER_ADDR = f"127.0.0.1:{free_port()}"
    with pytest.raises(CommandError, match="unavailable"):
        call_command("reconcile_chain")
