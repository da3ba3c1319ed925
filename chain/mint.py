"""The `mint` consumer (`python manage.py run_consumer mint`): a token payout becomes tokens.

On `token.mint.requested` it asks the chain adapter to `Mint` with ref = the payout id, inside the
consumer's transaction (`events.consumers.handle_event`), with the payout row locked:

- minted, or the ref already minted (by an earlier delivery killed before its commit) → the
  payout is `completed` with the mint's tx hash and block, a `BlockchainTransaction` row and
  `token.minted`;
- the adapter down, slow, or its circuit breaker open → `RetryLater`: nothing committed, the
  event comes back after a backoff capped at 60 s, until MINT_MAX_WAIT after the request;
- reverted, or the wait expired → `GetMint(ref)` first: a mint that exists completes the payout;
  only none fails it (the amount back to available, `token.mint.failed`). An adapter that cannot
  answer GetMint fails nothing: the event waits.

A duplicate delivery finds the event handled, or the payout no longer `requested`: one mint.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone

from chain.breaker import BreakerOpen, RateBreaker
from chain.client import ChainClient, ChainUnavailable, chain_client
from chain.models import BlockchainTransaction
from chain.proto import chain_adapter_pb2 as pb
from chain.reconcile import ref_of
from clicknback.actors import Actor
from events import outbox
from events.consumers import RetryLater, delivery_attempt
from payouts.models import Payout, PayoutMethod, PayoutStatus
from payouts.services import token_units
from payouts.state_machine import ChainOutcome, payout_transition

BACKOFF_CAP_SECONDS = 60.0
MINT_ACTOR = Actor.job("mint")
FOUND = (pb.MINTED, pb.ALREADY_MINTED)


def _breaker() -> RateBreaker:
    return RateBreaker(
        ratio=settings.MINT_BREAKER_FAILURE_RATIO,
        window=settings.MINT_BREAKER_WINDOW_SECONDS,
        min_calls=settings.MINT_BREAKER_MIN_CALLS,
        reset_timeout=settings.MINT_BREAKER_RESET_SECONDS,
        # Only the adapter being away counts; a refusal (bad input) is an answer, not an outage.
        counts=lambda exc: isinstance(exc, ChainUnavailable),
    )


adapter_breaker = _breaker()


def _ask(call: Callable[[ChainClient], Any]) -> Any:
    """One adapter call through the circuit breaker; unavailable (or the breaker open) → RetryLater."""
    try:
        return adapter_breaker.call(lambda: call(chain_client()))
    except (ChainUnavailable, BreakerOpen) as exc:
        raise RetryLater(
            f"the chain adapter is unavailable ({exc.__class__.__name__})", cap_seconds=BACKOFF_CAP_SECONDS
        ) from exc


def mint_requested(envelope: dict[str, Any]) -> None:
    payout = Payout.objects.select_for_update().filter(pk=uuid.UUID(envelope["data"]["payout_id"])).first()
    if payout is None or payout.method != PayoutMethod.TOKEN or payout.status != PayoutStatus.REQUESTED:
        return  # a duplicate of a mint already settled
    ref = ref_of(payout.id)
    if timezone.now() - payout.created_at >= settings.MINT_MAX_WAIT:
        existing = _ask(lambda client: client.get_mint(ref=ref))
        if existing.status in FOUND:
            _complete(payout, existing)
        else:
            _fail(payout, f"no mint within MINT_MAX_WAIT ({settings.MINT_MAX_WAIT.total_seconds() / 3600:g} h)")
        return
    reply = _ask(lambda client: client.mint(ref=ref, to=payout.destination, amount=token_units(payout.amount)))
    if reply.status in FOUND:
        _complete(payout, reply)
        return
    # Reverted (or an answer we do not know): a mint that exists all the same completes the payout.
    existing = _ask(lambda client: client.get_mint(ref=ref))
    if existing.status in FOUND:
        _complete(payout, existing)
    else:
        _fail(payout, "the mint reverted on chain", tx_hash=reply.tx_hash)


def _complete(payout: Payout, mint: pb.MintReply) -> None:
    tx_hash = mint.tx_hash.lower()
    payout_transition(
        payout=payout,
        to_status=PayoutStatus.COMPLETED,
        actor=MINT_ACTOR,
        chain=ChainOutcome(tx_hash, mint.block_number),
    )
    BlockchainTransaction.objects.create(
        payout=payout,
        tx_hash=tx_hash,
        block_number=mint.block_number,
        chain_id=settings.CHAIN_ID,
        to_address=mint.to or payout.destination,
        amount=int(mint.amount) if mint.amount else token_units(payout.amount),
    )
    outbox.record(
        "token.minted",
        payout.id,
        {
            "payout_id": payout.id,
            "user_id": payout.user_id,
            "address": mint.to or payout.destination,
            "amount": int(mint.amount) if mint.amount else token_units(payout.amount),
            "tx_hash": tx_hash,
            "block_number": mint.block_number,
        },
    )


def _fail(payout: Payout, reason: str, *, tx_hash: str = "") -> None:
    payout_transition(
        payout=payout,
        to_status=PayoutStatus.FAILED,
        actor=MINT_ACTOR,
        reason=reason,
        chain=ChainOutcome(tx_hash.lower()),
    )
    outbox.record(
        "token.mint.failed",
        payout.id,
        {"payout_id": payout.id, "user_id": payout.user_id, "reason": reason, "attempts": delivery_attempt()},
    )


HANDLERS = {"token.mint.requested": mint_requested}
