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
