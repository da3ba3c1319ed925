"""Reads over wallets and the ledger."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Max, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from clicknback.money import ZERO
from wallets.models import Wallet, WalletEntry


def wallet_for_user(*, user_id: uuid.UUID) -> Wallet:
    """The user's wallet, or an unsaved all-zero one: reading never creates rows."""
    try:
        return Wallet.objects.get(user_id=user_id)
    except Wallet.DoesNotExist:
        return Wallet(user_id=user_id)


def wallet_entries_of(*, wallet: Wallet) -> QuerySet[WalletEntry]:
    """Newest first, by wallet id: a backward scan of the (wallet, sequence) unique index that stops
    after one page, whatever the length of the history (a join on user_id sorts the whole ledger)."""
    return WalletEntry.objects.filter(wallet_id=wallet.id).order_by("-sequence")


@dataclass(frozen=True)
class LedgerDiscrepancy:
    wallet_id: uuid.UUID
    user_id: uuid.UUID
    field: str
    wallet_value: Decimal | int
    ledger_value: Decimal | int


def ledger_discrepancies() -> list[LedgerDiscrepancy]:
    """Every wallet whose cached totals differ from the sum of its entries (one query)."""
    zero = Value(ZERO)
    wallets = (
        Wallet.objects.annotate(
            ledger_pending=Coalesce(Sum("entries__pending_delta"), zero),
            ledger_available=Coalesce(Sum("entries__available_delta"), zero),
            ledger_paid=Coalesce(Sum("entries__paid_delta"), zero),
            ledger_count=Count("entries"),
            ledger_last_sequence=Coalesce(Max("entries__sequence"), Value(0)),
        )
        .filter(
            ~Q(pending=F("ledger_pending"))
            | ~Q(available=F("ledger_available"))
            | ~Q(paid=F("ledger_paid"))
            | ~Q(entry_count=F("ledger_count"))
            | ~Q(entry_count=F("ledger_last_sequence"))
        )
        .order_by("user_id")
    )
    found = []
    for wallet in wallets:
        pairs = {
            "pending": (wallet.pending, wallet.ledger_pending),
            "available": (wallet.available, wallet.ledger_available),
            "paid": (wallet.paid, wallet.ledger_paid),
            "entry_count": (wallet.entry_count, wallet.ledger_count),
            "last_sequence": (wallet.entry_count, wallet.ledger_last_sequence),
        }
        for field, (cached, computed) in pairs.items():
            if cached != computed:
                found.append(LedgerDiscrepancy(wallet.id, wallet.user_id, field, cached, computed))
    return found


def ledger_discrepancy_lines() -> list[str]:
    """`ledger_discrepancies()` as `verify_ledger` prints them."""
    return [
        f"wallet {item.wallet_id} (user {item.user_id}): {item.field} is {item.wallet_value}, "
        f"entries say {item.ledger_value}"
        for item in ledger_discrepancies()
    ]
