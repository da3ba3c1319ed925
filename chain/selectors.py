"""Reads over chain addresses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from chain.models import ChainAddress
from chain.reconcile import Mint
from clicknback.errors import NotFound, ServiceUnavailable


def chain_address_of(*, user_id: uuid.UUID) -> ChainAddress:
    try:
        return ChainAddress.objects.get(user_id=user_id)
    except ChainAddress.DoesNotExist:
        raise NotFound("No chain address is linked.") from None


@dataclass(frozen=True)
class TokenWallet:
    address: str | None
    token_address: str
    chain_id: int
    onchain_balance: int
    minted_total: int
    pending_mints: int


def token_wallet_of(*, user_id: uuid.UUID) -> TokenWallet:
    """The user's token holdings: the balance read from the chain through the adapter (a short
    deadline; the adapter down → 503 for this read alone). `minted_total` and `pending_mints` count
    token payouts, which do not exist yet: 0 until they do."""
    from chain.client import ChainUnavailable, chain_client  # grpc on first use: web workers boot without it

    linked = ChainAddress.objects.filter(user_id=user_id).first()
    client = chain_client()
    try:
        if linked is None:
            health = client.health()
            return TokenWallet(None, health.token_address, health.chain_id, 0, 0, 0)
        reply = client.balance_of(linked.address)
    except ChainUnavailable as exc:
        raise ServiceUnavailable("The chain is unavailable. Retry later.") from exc
    return TokenWallet(linked.address, reply.token_address, reply.chain_id, int(reply.balance), 0, 0)


def expected_mints() -> dict[bytes, Mint]:
    """The mints the database stands behind, by ref: one per completed token payout. Token payouts
    arrive with the mint consumer (issue 17, items 5-6); until then the database expects none."""
    return {}
