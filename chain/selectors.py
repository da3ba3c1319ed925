"""Reads over chain addresses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Count, Q, Sum

from chain.models import BlockchainTransaction, ChainAddress
from chain.reconcile import Mint, ref_of
from clicknback.errors import NotFound, ServiceUnavailable
from payouts.models import Payout, PayoutMethod, PayoutStatus
from payouts.services import token_units


def chain_address_of(*, user_id: uuid.UUID) -> ChainAddress:
    try:
        return ChainAddress.objects.get(user_id=user_id)
    except ChainAddress.DoesNotExist:
        raise NotFound("No chain address is linked.") from None


def linked_address_of(user_id: uuid.UUID) -> str | None:
    """The address a token payout of this user mints to now (payouts asks through its hook)."""
    return ChainAddress.objects.filter(user_id=user_id).values_list("address", flat=True).first()


def token_payouts_of(*, user_id: uuid.UUID) -> tuple[int, int]:
    """(minted total in token units, token payouts still waiting for their mint)."""
    totals = Payout.objects.filter(user_id=user_id, method=PayoutMethod.TOKEN).aggregate(
        minted=Sum("amount", filter=Q(status=PayoutStatus.COMPLETED)),
        pending=Count("id", filter=Q(status=PayoutStatus.REQUESTED)),
    )
    return token_units(totals["minted"]) if totals["minted"] else 0, totals["pending"]


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
    deadline; the adapter down → 503 for this read alone); `minted_total` and `pending_mints` from
    the user's token payouts (completed, and requested)."""
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
    minted_total, pending_mints = token_payouts_of(user_id=user_id)
    return TokenWallet(
        linked.address, reply.token_address, reply.chain_id, int(reply.balance), minted_total, pending_mints
    )


def expected_mints() -> dict[bytes, Mint]:
    """The mints the database stands behind, by ref: one per completed token payout, to the
    address and for the amount its mint record says (a completed payout without one is expected
    at its own address and amount, so the difference shows)."""
    mints = {}
    completed = Payout.objects.filter(method=PayoutMethod.TOKEN, status=PayoutStatus.COMPLETED)
    recorded = {row.payout_id: row for row in BlockchainTransaction.objects.filter(payout__in=completed).order_by()}
    for payout_id, destination, amount in completed.order_by().values_list("id", "destination", "amount"):
        record = recorded.get(payout_id)
        to, units = (record.to_address, record.amount) if record else (destination, token_units(amount))
        mints[ref_of(payout_id)] = Mint(ref_of(payout_id), to, units)
    return mints
