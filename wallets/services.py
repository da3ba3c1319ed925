"""The only code that changes a balance.

Callers run inside their own `transaction.atomic(durable=True)` entry point, having locked their
document (purchase or payout) first; the wallet row is locked last, here.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from clicknback.money import ZERO
from wallets.models import EntryType, Wallet, WalletEntry


def wallet_lock(*, user_id: uuid.UUID) -> Wallet:
    """Lock the user's wallet row for this transaction, creating it on first use without races."""
    _require_transaction()
    wallet = Wallet.objects.select_for_update().filter(user_id=user_id).first()
    if wallet is None:
        # Two first uses at once: one insert wins, the other is ignored; both then lock the same row.
        Wallet.objects.bulk_create([Wallet(user_id=user_id)], ignore_conflicts=True)
        wallet = Wallet.objects.select_for_update().get(user_id=user_id)
    return wallet


def wallet_post(
    *,
    wallet: Wallet,
    entry_type: EntryType,
    pending: Decimal = ZERO,
    available: Decimal = ZERO,
    paid: Decimal = ZERO,
    purchase_id: uuid.UUID | None = None,
    payout_id: uuid.UUID | None = None,
) -> WalletEntry:
    """Apply deltas to a wallet locked by `wallet_lock` and write the matching ledger entry.

    The database refuses a negative `pending` or `paid` and a second entry of one type for one
    document, so a bug upstream fails loudly instead of creating or losing money.
    """
    _require_transaction()
    now = timezone.now()
    wallet.pending += pending
    wallet.available += available
    wallet.paid += paid
    wallet.entry_count += 1
    wallet.updated_at = now
    wallet.save(update_fields=["pending", "available", "paid", "entry_count", "updated_at"])
    return WalletEntry.objects.create(
        wallet=wallet,
        sequence=wallet.entry_count,
        type=entry_type,
        pending_delta=pending,
        available_delta=available,
        paid_delta=paid,
        pending_balance=wallet.pending,
        available_balance=wallet.available,
        paid_balance=wallet.paid,
        purchase_id=purchase_id,
        payout_id=payout_id,
        created_at=now,
    )


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Wallet changes must run inside the caller's transaction.")
