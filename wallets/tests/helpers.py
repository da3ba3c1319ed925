"""Test helpers that put money in a wallet through the real ledger service."""

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
