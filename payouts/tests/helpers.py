"""Ledger helpers for payout tests."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from wallets.models import EntryType, Wallet, WalletEntry
from wallets.services import wallet_lock, wallet_post
from wallets.tests.helpers import fund_wallet


def give_debt(user, *, earned: Decimal, reversed_: Decimal) -> Wallet:
    """`earned` credited, then `reversed_` taken back (as a late reversal would): available may go negative."""
    fund_wallet(user, earned)
    with transaction.atomic():
        wallet = wallet_lock(user_id=user.id)
        wallet_post(wallet=wallet, entry_type=EntryType.ADJUSTMENT, available=-reversed_)
    wallet.refresh_from_db()
    return wallet


def available(user) -> Decimal:
    return Wallet.objects.get(user=user).available


def payout_entries(payout_id) -> list[str]:
    return list(WalletEntry.objects.filter(payout_id=payout_id).order_by("sequence").values_list("type", flat=True))
