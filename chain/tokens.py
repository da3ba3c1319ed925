"""Automatic token payouts (api-v1-rewards.md, "Tokens on a blockchain"): a user who chose
`payout_preference: "token"` gets a token payout requested when a cashback becomes available, in
the confirmation's own transaction. No grpc here: the mint itself is the `mint` consumer's
(chain/mint.py), after the commit."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal

from accounts.models import User
from chain.models import ChainAddress, PayoutPreference
from clicknback.actors import Actor
from clicknback.money import decimal_setting
from clicknback.rollups import rollups_held
from payouts.models import Payout, PayoutMethod
from payouts.services import payout_create
from wallets.services import wallet_lock


def token_payouts_on_confirmation(*, cashbacks: Sequence[tuple[uuid.UUID, Decimal]], actor: Actor) -> list[Payout]:
    """For each (user, cashback) just made available, in the caller's transaction with the wallets
    already locked and credited: a token payout of min(cashback, available now) when the user
    prefers tokens and that is at least MIN_PAYOUT_AMOUNT. A balance at or below zero (a debt
    from a reversal) mints nothing. One query when nobody prefers tokens."""
    if not cashbacks:
        return []
    preferring = set(
        ChainAddress.objects.filter(
            user_id__in={user_id for user_id, _ in cashbacks}, payout_preference=PayoutPreference.TOKEN
        ).values_list("user_id", flat=True)
    )
    if not preferring:
        return []
    users = User.objects.in_bulk(preferring)
    minimum = decimal_setting("MIN_PAYOUT_AMOUNT")
    requested = []
    with rollups_held():  # the confirmation's own flush, last, writes the payouts' figures too
        for user_id, cashback in cashbacks:
            if user_id not in preferring:
                continue
            amount = min(cashback, wallet_lock(user_id=user_id).available)
            if amount >= minimum:
                payout = payout_create(user=users[user_id], amount=amount, method=PayoutMethod.TOKEN, actor=actor)
                requested.append(payout)
    return requested
