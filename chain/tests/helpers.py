"""Token payouts made through the real services: a linked address, a funded wallet, the request."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone
from eth_account import Account

from chain.models import ChainAddress, PayoutPreference
from events.models import OutboxEvent
from payouts.models import Payout, PayoutMethod
from payouts.services import payout_request
from wallets.tests.helpers import fund_wallet


def link_address(user, *, preference: str = PayoutPreference.MANUAL) -> str:
    """A fresh address linked to `user` (as if its challenge were signed)."""
    address = Account.create().address
    ChainAddress.objects.create(user=user, address=address, verified_at=timezone.now(), payout_preference=preference)
    return address


def token_payout(user, amount: str = "20.00") -> tuple[Payout, OutboxEvent]:
    """Fund the wallet and request a token payout of `amount`; the payout and its token.mint.requested."""
    fund_wallet(user, Decimal(amount))
    payout = payout_request(user=user, amount=Decimal(amount), method=PayoutMethod.TOKEN)
    return payout, OutboxEvent.objects.get(type="token.mint.requested", subject=str(payout.id))


def minted(payout: Payout, *, tx_hash: str = "0x" + "ab" * 32, block_number: int = 7) -> Payout:
    """Complete a token payout as the mint consumer does on a mint reply (no chain: for screens)."""
    from django.db import transaction

    from chain import mint
    from chain.proto import chain_adapter_pb2 as pb

    with transaction.atomic():
        locked = Payout.objects.select_for_update().get(pk=payout.pk)
        reply = pb.MintReply(status=pb.MINTED, tx_hash=tx_hash, block_number=block_number, to=locked.destination)
        mint._complete(locked, reply)
    return locked
