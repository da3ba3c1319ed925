"""The demo user's chain address and one minted token payout.

The address is that of a fixed, public development key (printed, so a newcomer can check the
balance with any wallet tool against the development chain). The mint needs the development chain:
seed_demo runs before `make run` starts the adapter, so it starts one of its own for the moment
(the same chain state, in CHAIN_DATA_DIR); without anvil, or with the chain unreachable, the mint is
skipped with a note and the next seed_demo makes it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TextIO

from django.conf import settings
from django.db import transaction
from django.test.utils import override_settings
from eth_account import Account
from eth_account.messages import encode_defunct

from accounts.demo import DEMO_USER
from accounts.models import User
from chain.models import ChainAddress
from chain.services import chain_address_link, chain_challenge_create
from payouts.models import Payout, PayoutMethod, PayoutStatus
from payouts.services import payout_create

# Anvil's well-known development account 2: public, for the demo only (never hold real value with it).
DEMO_CHAIN_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"
DEMO_TOKEN_PAYOUT = Decimal("12.50")


def seed(out: TextIO) -> None:
    user = User.objects.get(email__iexact=DEMO_USER[0])
    account = Account.from_key(DEMO_CHAIN_KEY)
    if not ChainAddress.objects.filter(user=user).exists():
        challenge = chain_challenge_create(user=user, address=account.address)
        signature = account.sign_message(encode_defunct(text=challenge.message)).signature.hex()
        chain_address_link(user=user, address=account.address, signature="0x" + signature.removeprefix("0x"))
    out.write(f"Chain:   {user.email}'s address {account.address}, key {DEMO_CHAIN_KEY}  (development chain only)\n")
    tokens = Payout.objects.filter(user=user, method=PayoutMethod.TOKEN)
    if tokens.filter(status=PayoutStatus.COMPLETED).exists():
        return
    payout = tokens.filter(status=PayoutStatus.REQUESTED).first() or _request(user)
    note = _mint_now(payout)
    out.write(f"Tokens:  {note}\n")


def _request(user: User) -> Payout:
    with transaction.atomic(durable=True):
        return payout_create(user=user, amount=DEMO_TOKEN_PAYOUT, method=PayoutMethod.TOKEN)


def _mint_now(payout: Payout) -> str:
    """Hand the payout's token.mint.requested to the mint consumer now: through the running adapter,
    or one of our own on the development chain while this runs."""
    from chain.client import ChainUnavailable, chain_client

    try:
        chain_client().health()
    except ChainUnavailable:
        return _mint_on_own_adapter(payout)
    return _mint_through(payout, settings.CHAIN_ADAPTER_ADDR)


def _mint_on_own_adapter(payout: Payout) -> str:
    from chain import devchain
    from chain.adapter import adapter_from_settings

    if settings.CHAIN_RPC_URL or not devchain.anvil_available():
        return f"{payout.amount} requested, not minted: no chain adapter running and no development chain to start"
    try:
        adapter = adapter_from_settings(listen_address="127.0.0.1:0")
    except Exception as exc:  # the chain unreachable: the demo goes on without its mint
        return f"{payout.amount} requested, not minted: the chain is unavailable ({exc.__class__.__name__})"
    try:
        return _mint_through(payout, f"127.0.0.1:{adapter.port}")
    finally:
        adapter.stop(grace=1)


def _mint_through(payout: Payout, adapter_address: str) -> str:
    from chain.client import ChainClient
    from events.consumers import RetryLater, handle_event
    from events.models import OutboxEvent

    ChainClient(adapter_address).wait_until_ready(timeout=10)
    event = OutboxEvent.objects.get(type="token.mint.requested", subject=str(payout.id))
    try:
        with override_settings(CHAIN_ADAPTER_ADDR=adapter_address):
            handle_event("mint", event.envelope())  # the consumer's own step: JetStream's copy will find it done
    except RetryLater as exc:
        return f"{payout.amount} requested, not minted yet: {exc}"
    payout.refresh_from_db()
    return f"{payout.amount} minted to {payout.destination} in block {payout.block_number} ({payout.tx_hash})"
