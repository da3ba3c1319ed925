"""The only code that changes a balance.

Callers run inside their own `transaction.atomic(durable=True)` entry point, having locked their
document (purchase or payout) first; the wallet row is locked last, here.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import User
from clicknback import rawsql
from clicknback.actors import Actor
from clicknback.audit import audit_record, initial_values
from clicknback.errors import AmountTooLarge, DomainError, InvalidStateTransition, SelfApproval
from clicknback.models import AuditAction
from clicknback.money import CENT, MAX_INTEGER_DIGITS, ZERO, format_money
from wallets.models import Adjustment, AdjustmentStatus, EntryType, Wallet, WalletEntry


def _wallet(field: str) -> str:
    return rawsql.col(Wallet, field)


LOCK_SQL = (
    f"SELECT {rawsql.columns(Wallet)} FROM {rawsql.table(Wallet)} WHERE {_wallet('user')} = %(user_id)s FOR UPDATE"  # noqa: S608
)
_BALANCES = ("pending", "available", "paid", "entry_count")
# The balances' UPDATE shaped as save(update_fields=...) writes it, and the ledger entry's INSERT
# fed by its one returned row, in one statement: no wallet row updated, no entry written
# (bench/ceiling.py replays it with the locked row's values).
POST_SQL = (
    f'WITH "balances" AS (UPDATE {rawsql.table(Wallet)} SET '  # noqa: S608
    + ", ".join(f"{_wallet(name)} = %({name})s" for name in (*_BALANCES, "updated_at"))
    + f" WHERE {_wallet('id')} = %(id)s RETURNING {_wallet('id')}) "
    + rawsql.insert_sql(WalletEntry, source="balances")
)


def _update_from_arrays_sql() -> str:
    """One UPDATE for many wallets, from one array per column (Django's bulk_update builds a CASE
    per row and field)."""
    names = ("id", *_BALANCES)
    arrays = ", ".join(f"%({name})s::{Wallet._meta.get_field(name).db_type(connection)}[]" for name in names)
    values = ", ".join(_wallet(name) for name in names)
    sets = ", ".join(f'{_wallet(name)} = "v".{_wallet(name)}' for name in _BALANCES)
    return (
        f"UPDATE {rawsql.table(Wallet)} SET {sets}, {_wallet('updated_at')} = %(updated_at)s "  # noqa: S608
        f'FROM unnest({arrays}) AS "v"({values}) WHERE {rawsql.table(Wallet)}.{_wallet("id")} = "v".{_wallet("id")}'
    )


_UPDATE_FROM_ARRAYS = _update_from_arrays_sql()
# The largest balance the columns hold (MoneyModelField: 14 digits, 2 of them decimals).
LARGEST_BALANCE = Decimal(10**MAX_INTEGER_DIGITS) - CENT


def wallet_lock(*, user_id: uuid.UUID) -> Wallet:
    """Lock the user's wallet row for this transaction, creating it on first use without races.

    The lookup and the posting are hand-written SQL (`clicknback.rawsql`): they run on every money
    movement (docs/performance.md); `wallets/tests/test_services.py` holds them to their ORM twins.
    """
    _require_transaction()
    with connection.cursor() as cursor:
        cursor.execute(LOCK_SQL, {"user_id": user_id})
        row = cursor.fetchone()
    wallet = rawsql.from_row(Wallet, row) if row is not None else None
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
    """Apply deltas to a wallet locked by `wallet_lock` and write the matching ledger entry (one statement).

    The database refuses a negative `pending` or `paid` and a second entry of one type for one
    document, so a bug upstream fails loudly instead of creating or losing money.
    """
    _require_transaction()
    posting = Posting(wallet, entry_type, pending, available, paid, purchase_id, payout_id)
    entry = _apply(posting, now=timezone.now())
    _, params = rawsql.insert(entry)
    params |= {name: getattr(wallet, name) for name in (*_BALANCES, "updated_at", "id")}
    with connection.cursor() as cursor:
        cursor.execute(POST_SQL, params)
        row = cursor.fetchone()
    if row is None:  # as save(update_fields=...) would: the wallet must exist
        raise DatabaseError(f"Wallet {wallet.id} was not updated.")
    return rawsql.mark_saved(entry, row)


def wallets_lock(*, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Wallet]:
    """Lock several users' wallets in `user_id` order (the batch lock order), creating missing ones.

    Only for batches (the confirmation job). Wallets created here are locked after the existing
    ones; callers whose users all have wallets (every purchase created one) keep the strict order.
    """
    _require_transaction()
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    locked = {w.user_id: w for w in Wallet.objects.select_for_update().filter(user_id__in=ids).order_by("user_id")}
    missing = [user_id for user_id in ids if user_id not in locked]
    if missing:
        Wallet.objects.bulk_create([Wallet(user_id=user_id) for user_id in missing], ignore_conflicts=True)
        for wallet in Wallet.objects.select_for_update().filter(user_id__in=missing).order_by("user_id"):
            locked[wallet.user_id] = wallet
    return locked


@dataclass(frozen=True)
class Posting:
    """One `wallet_post` call, for `wallet_post_many`."""

    wallet: Wallet
    entry_type: EntryType
    pending: Decimal = ZERO
    available: Decimal = ZERO
    paid: Decimal = ZERO
    purchase_id: uuid.UUID | None = None
    payout_id: uuid.UUID | None = None


def wallet_post_many(*, postings: Sequence[Posting]) -> list[WalletEntry]:
    """`wallet_post` for each posting in order, in two queries whatever their number.

    The wallets must be locked by `wallet_lock`/`wallets_lock` in this transaction. Postings to one
    wallet must share one `Wallet` object, so each entry's balances include the previous ones.
    """
    _require_transaction()
    if not postings:
        return []
    now = timezone.now()
    entries = [_apply(posting, now=now) for posting in postings]
    wallets = list({id(p.wallet): p.wallet for p in postings}.values())
    with connection.cursor() as cursor:
        cursor.execute(
            _UPDATE_FROM_ARRAYS,
            {"updated_at": now} | {name: [getattr(w, name) for w in wallets] for name in ("id", *_BALANCES)},
        )
    return WalletEntry.objects.bulk_create(entries)


def _apply(posting: Posting, *, now: datetime) -> WalletEntry:
    """Move the wallet's balances in memory and return the (unsaved) entry recording the move."""
    wallet = posting.wallet
    _check_range(
        pending=wallet.pending + posting.pending,
        available=wallet.available + posting.available,
        paid=wallet.paid + posting.paid,
    )
    wallet.pending += posting.pending
    wallet.available += posting.available
    wallet.paid += posting.paid
    wallet.entry_count += 1
    wallet.updated_at = now
    return WalletEntry(
        wallet=wallet,
        sequence=wallet.entry_count,
        type=posting.entry_type,
        pending_delta=posting.pending,
        available_delta=posting.available,
        paid_delta=posting.paid,
        pending_balance=wallet.pending,
        available_balance=wallet.available,
        paid_balance=wallet.paid,
        purchase_id=posting.purchase_id,
        payout_id=posting.payout_id,
        created_at=now,
    )


def _check_range(*, pending: Decimal, available: Decimal, paid: Decimal) -> None:
    """Refuse (`AmountTooLarge`, nothing changed) balances the columns cannot hold, and a sum of
    them that they could not: confirmations and failed payouts only move money between buckets,
    so with the sum in range they never overflow later, where nobody could be refused."""
    if max(abs(pending), abs(available), abs(paid), abs(pending + available + paid)) > LARGEST_BALANCE:
        raise AmountTooLarge(f"A wallet balance cannot exceed {format_money(LARGEST_BALANCE)}.")


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Wallet changes must run inside the caller's transaction.")


def adjustment_propose(*, user_id: uuid.UUID, amount: Decimal, reason: str, proposed_by: User) -> Adjustment:
    """The maker's half: a proposal, which moves no money until another finance member approves it."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Give a reason.", field="reason")
    if amount == ZERO or amount != amount.quantize(CENT):
        raise DomainError("The amount must be non-zero, with at most two decimals.", field="amount")
    # Not durable: the admin's add form saves inside its own transaction, and a proposal moves no money.
    with transaction.atomic():
        adjustment = Adjustment.objects.create(user_id=user_id, amount=amount, reason=reason, proposed_by=proposed_by)
        audit_record(
            actor=Actor.for_user(proposed_by),
            action=AuditAction.ADJUSTMENT_PROPOSED,
            obj=adjustment,
            changes=initial_values(adjustment, ("user_id", "amount", "reason", "status"))
            | {"proposed_by": (None, proposed_by.email)},
        )
        return adjustment


def adjustment_approve(*, adjustment_id: uuid.UUID, approver: User) -> tuple[Adjustment, bool]:
    """The checker's half: a different person approves, and the amount is posted once as an
    `adjustment` entry. Decided under the row's lock, from `proposed` only: two approvals at once post once; approving
    an approved adjustment again changes nothing. Returns the adjustment and whether this call posted it."""
    return _adjustment_decide(adjustment_id=adjustment_id, decider=approver, target=AdjustmentStatus.APPROVED)


def adjustment_reject(*, adjustment_id: uuid.UUID, rejecter: User) -> tuple[Adjustment, bool]:
    """A different finance member turns the proposal down; nothing is posted."""
    return _adjustment_decide(adjustment_id=adjustment_id, decider=rejecter, target=AdjustmentStatus.REJECTED)


def _adjustment_decide(*, adjustment_id: uuid.UUID, decider: User, target: AdjustmentStatus) -> tuple[Adjustment, bool]:
    with transaction.atomic(durable=True):
        adjustment = Adjustment.objects.select_for_update().select_related("proposed_by").get(pk=adjustment_id)
        if adjustment.status == target:
            return adjustment, False
        if adjustment.status != AdjustmentStatus.PROPOSED:
            raise InvalidStateTransition(f"This adjustment is already {adjustment.status}.")
        if adjustment.proposed_by_id == decider.pk:
            raise SelfApproval()
        adjustment.status, adjustment.decided_by, adjustment.decided_at = target, decider, timezone.now()
        changes = {"status": (AdjustmentStatus.PROPOSED, target), "decided_by": (None, decider.email)}
        if target == AdjustmentStatus.APPROVED:
            wallet = wallet_lock(user_id=adjustment.user_id)
            entry = wallet_post(wallet=wallet, entry_type=EntryType.ADJUSTMENT, available=adjustment.amount)
            adjustment.entry_id = entry.id
            changes["entry"] = (None, f"#{entry.sequence}")
        adjustment.save(update_fields=["status", "decided_by", "decided_at", "entry_id"])
        audit_record(
            actor=Actor.for_user(decider),
            action=AuditAction.ADJUSTMENT_APPROVED
            if target == AdjustmentStatus.APPROVED
            else AuditAction.ADJUSTMENT_REJECTED,
            obj=adjustment,
            changes=changes | {"proposed_by": (adjustment.proposed_by.email, adjustment.proposed_by.email)},
        )
        return adjustment, True
