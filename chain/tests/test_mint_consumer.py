"""The mint consumer on the development chain and real PostgreSQL: a token payout becomes tokens
once, whatever fails around it (events.md, "Tokens": the faults, one by one)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings

from chain import mint
from chain.client import chain_client
from chain.models import BlockchainTransaction, PayoutPreference
from chain.reconcile import ref_of
from chain.tests.conftest import NOT_MINTER_KEY
from chain.tests.helpers import link_address, token_payout
from clicknback.actors import Actor
from clicknback.testing import run_at_once
from events import consumers
from events.models import HandledEvent, OutboxEvent
from events.tests.test_consumers import Link, message
from events.tests.test_relay import closed_port_url
from payouts.models import Payout, PayoutMethod, PayoutStatus
from payouts.services import token_units
from purchases.services import purchase_confirm
from wallets.models import Wallet

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.requires_server("anvil")]


def deliver(event: OutboxEvent, attempt: int = 1):
    """One delivery of `event` to the mint consumer, as JetStream makes it; the message (acks, naks)."""
    delivered = message(event, delivered=attempt)
    consumers.deliver(Link(), "mint", delivered)
    return delivered


def reconcile() -> str:
    out = StringIO()
    call_command("reconcile_chain", stdout=out)
    return out.getvalue()


def test_a_mint_completes_the_payout_with_its_transaction_and_the_balance_grows_by_its_amount(
    token_chain, user, user_client
):
    address = link_address(user)
    payout, event = token_payout(user, "12.34")
    waiting = user_client.get("/api/v1/wallet/token").json()
    assert (waiting["onchain_balance"], waiting["minted_total"], waiting["pending_mints"]) == (0, 0, 1)

    delivered = deliver(event)

    assert (delivered.acked, delivered.naks) == (1, [])
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.COMPLETED
    assert token_chain.balance(address) == 1234
    [(to, amount, _, tx_hash, block_number)] = token_chain.mints(ref_of(payout.id))
    assert (to, amount, payout.tx_hash, payout.block_number) == (address, 1234, tx_hash, block_number)
    record = BlockchainTransaction.objects.get(payout=payout)
    assert (record.tx_hash, record.block_number, record.to_address, record.amount) == (
        tx_hash,
        block_number,
        address,
        1234,
    )
    minted = OutboxEvent.objects.get(type="token.minted")
    assert minted.data == {
        "payout_id": str(payout.id),
        "user_id": str(user.id),
        "address": address,
        "amount": 1234,
        "tx_hash": tx_hash,
        "block_number": block_number,
    }
    assert OutboxEvent.objects.filter(type="payout.completed", subject=str(payout.id)).exists()
    wallet = user_client.get("/api/v1/wallet/token").json()
    assert (wallet["onchain_balance"], wallet["minted_total"], wallet["pending_mints"]) == (1234, 1234, 0)
    body = user_client.get(f"/api/v1/payouts/{payout.id}").json()
    assert (body["status"], body["tx_hash"], body["block_number"]) == ("completed", tx_hash, block_number)
    assert "agree: 1 mint(s)" in reconcile()


def test_duplicate_deliveries_one_after_another_and_at_once_make_one_mint(token_chain, user, other_user):
    address = link_address(user)
    payout, event = token_payout(user)
    deliver(event)
    again = deliver(event, attempt=2)
    assert again.acked == 1
    other_address = link_address(other_user)
    other_payout, other_event = token_payout(other_user)

    run_at_once([lambda: deliver(other_event) for _ in range(4)])

    assert len(token_chain.mints(ref_of(payout.id))) == 1 and token_chain.balance(address) == 2000
    assert len(token_chain.mints(ref_of(other_payout.id))) == 1 and token_chain.balance(other_address) == 2000
    assert BlockchainTransaction.objects.count() == 2
    assert OutboxEvent.objects.filter(type="token.minted").count() == 2
    assert "agree: 2 mint(s)" in reconcile()


class Killed(BaseException):
    """The consumer process dying: not an Exception, so nothing in it is caught or retried."""


def test_a_consumer_killed_between_mint_and_commit_mints_once_and_the_redelivery_completes(
    token_chain, user, monkeypatch
):
    address = link_address(user)
    payout, event = token_payout(user)

    def die(*args, **kwargs):
        raise Killed

    with monkeypatch.context() as patched:
        patched.setattr(mint, "_complete", die)  # after Mint answered, before anything is committed
        with pytest.raises(Killed):
            deliver(event)
    connection.close()  # the process is gone with its connection

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REQUESTED and not HandledEvent.objects.exists()
    assert len(token_chain.mints(ref_of(payout.id))) == 1  # on chain already

    redelivered = deliver(event, attempt=2)

    assert redelivered.acked == 1
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.COMPLETED
    assert len(token_chain.mints(ref_of(payout.id))) == 1 and token_chain.balance(address) == 2000
    assert "agree: 1 mint(s)" in reconcile()


def test_with_the_adapter_down_the_mint_waits_with_a_capped_backoff_then_completes(token_chain, user):
    address = link_address(user)
    payout, event = token_payout(user)
    token_chain.stop()

    waits = [deliver(event, attempt=attempt).naks for attempt in (1, 4, 9)]

    assert waits == [[1.0], [8.0], [60.0]]  # CONSUMER_RETRY_BASE_SECONDS * 2^(n-1), at most 60 s
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REQUESTED
    assert not HandledEvent.objects.exists()
    assert Wallet.objects.get(user=user).available == Decimal("0.00")

    token_chain.start()
    assert chain_client().wait_until_ready(timeout=10)  # the redelivery comes a backoff later
    completed = deliver(event, attempt=10)

    assert completed.acked == 1
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.COMPLETED
    assert token_chain.balance(address) == 2000
    assert "agree: 1 mint(s)" in reconcile()


def test_the_circuit_breaker_opens_on_an_adapter_that_keeps_failing_and_stops_calling_it(
    token_chain, user, settings, monkeypatch
):
    link_address(user)
    _, event = token_payout(user)
    token_chain.stop()
    for attempt in range(1, settings.MINT_BREAKER_MIN_CALLS + 1):
        deliver(event, attempt=attempt)
    assert mint.adapter_breaker.state == "open"
    token_chain.start()
    calls = []
    monkeypatch.setattr(mint, "chain_client", lambda: calls.append(1))

    waiting = deliver(event, attempt=settings.MINT_BREAKER_MIN_CALLS + 1)

    assert waiting.naks and not calls  # the open breaker answered without calling the adapter


def test_a_reverted_mint_fails_the_payout_and_gives_the_money_back(make_token_chain, user):
    make_token_chain(adapter_key=NOT_MINTER_KEY)  # this adapter's key may not mint: every mint reverts
    address = link_address(user)
    payout, event = token_payout(user, "25.00")

    failed = deliver(event, attempt=3)

    assert failed.acked == 1
    payout.refresh_from_db()
    assert (payout.status, payout.failure_reason) == (PayoutStatus.FAILED, "the mint reverted on chain")
    assert Wallet.objects.get(user=user).available == Decimal("25.00")
    assert OutboxEvent.objects.get(type="token.mint.failed").data == {
        "payout_id": str(payout.id),
        "user_id": str(user.id),
        "reason": "the mint reverted on chain",
        "attempts": 3,
    }
    assert not BlockchainTransaction.objects.exists()
    assert address  # nothing minted to it
    assert "agree: 0 mint(s)" in reconcile()


def test_past_mint_max_wait_an_existing_mint_completes_the_payout_and_none_fails_it(token_chain, user, other_user):
    minted_user_address = link_address(user)
    minted, minted_event = token_payout(user)
    token_chain.gateway.mint(ref=ref_of(minted.id), to=minted_user_address, amount=2000)  # landed, unrecorded
    link_address(other_user)
    lost, lost_event = token_payout(other_user)
    Payout.objects.update(created_at=minted.created_at - timedelta(days=2))

    deliver(minted_event, attempt=50)
    deliver(lost_event, attempt=50)

    minted.refresh_from_db()
    lost.refresh_from_db()
    assert minted.status == PayoutStatus.COMPLETED and minted.tx_hash
    assert (lost.status, lost.failure_reason) == (PayoutStatus.FAILED, "no mint within MINT_MAX_WAIT (24 h)")
    assert Wallet.objects.get(user=other_user).available == Decimal("20.00")
    assert token_chain.mints(ref_of(lost.id)) == []  # the expired payout was never minted
    assert "agree: 1 mint(s)" in reconcile()


def test_past_mint_max_wait_an_adapter_that_cannot_answer_fails_nothing(token_chain, user):
    link_address(user)
    payout, event = token_payout(user)
    Payout.objects.update(created_at=payout.created_at - timedelta(days=2))
    token_chain.stop()

    waiting = deliver(event, attempt=50)

    assert waiting.naks == [60.0]
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REQUESTED


def test_reconcile_chain_reports_a_planted_difference(token_chain, user):
    address = link_address(user)
    payout, event = token_payout(user)
    deliver(event)
    token_chain.gateway.mint(ref=ref_of(payout.user_id), to=address, amount=5)  # a mint nobody asked for

    with pytest.raises(CommandError, match=r"\d difference"):
        reconcile()


def test_a_confirmed_purchase_of_a_token_preferring_user_ends_as_its_tokens_through_jetstream_nats_down_first(
    jetstream, token_chain, ingest, user
):
    address = link_address(user, preference=PayoutPreference.TOKEN)
    purchase = ingest("250.00")
    purchase_confirm(purchase_id=purchase.id, actor=Actor.job("test"))
    payout = Payout.objects.get(user=user, method=PayoutMethod.TOKEN)
    # NATS down: the outbox keeps the mint request
    with override_settings(NATS_URL=closed_port_url()), pytest.raises(CommandError, match="NATS unavailable"):
        call_command("relay_outbox", stdout=StringIO())
    assert OutboxEvent.objects.filter(type="token.mint.requested", published_at__isnull=True).count() == 1
    call_command("relay_outbox", stdout=StringIO())  # back: it drains

    pulls = iter(range(3))
    consumers.run_consumer("mint", link=jetstream.link, should_stop=lambda: next(pulls, None) is None)

    payout.refresh_from_db()
    assert payout.status == PayoutStatus.COMPLETED
    assert token_chain.balance(address) == token_units(payout.amount) == 2500
    assert "agree: 1 mint(s)" in reconcile()
