"""Test helpers that put money in a wallet through the real ledger service, or balances at the edge
of their columns' range."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from wallets.models import EntryType, Wallet
from wallets.services import wallet_lock, wallet_post


def fund_wallet(user, available: Decimal) -> Wallet:
    """Credit `available` through the ledger, as an adjustment (no purchase behind it)."""
    with transaction.atomic():
        wallet = wallet_lock(user_id=user.id)
        wallet_post(wallet=wallet, entry_type=EntryType.ADJUSTMENT, available=available)
    wallet.refresh_from_db()
    return wallet


LARGEST = Decimal("999999999999.99")  # the largest balance a column holds (14 digits, 2 decimals)


def near_the_edge(user, **balances: Decimal) -> dict:
    """Put balances straight into the row (the ledger cannot reach them in a test's lifetime)."""
    Wallet.objects.filter(user=user).update(**balances)
    return Wallet.objects.values().get(user=user)
