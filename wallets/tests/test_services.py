"""The wallet services' hand-written SQL writes and reads what the ORM would, on generated data."""

from decimal import Decimal

import pytest
from django.db import transaction

from accounts.tests.factories import UserFactory
from clicknback.testing import field_values
from wallets.models import EntryType, Wallet, WalletEntry
from wallets.services import Posting, wallet_lock, wallet_post, wallet_post_many

pytestmark = pytest.mark.django_db

AMOUNTS = [Decimal("12.34"), Decimal("-2.34"), Decimal("0.01"), Decimal("-10.00")]
IDENTITY = {"id", "user_id", "wallet_id", "created_at", "updated_at"}  # differ between twins by design


def compared(instance) -> dict:
    return {name: value for name, value in field_values(instance).items() if name not in IDENTITY}


def adjustments(wallet: Wallet) -> list[Posting]:
    return [Posting(wallet, EntryType.ADJUSTMENT, available=amount, paid=abs(amount)) for amount in AMOUNTS]


def test_wallet_lock_reads_the_row_the_orm_reads(user):
    with transaction.atomic():
        wallet_post_many(postings=adjustments(wallet_lock(user_id=user.id)))
        assert field_values(wallet_lock(user_id=user.id)) == field_values(Wallet.objects.get(user=user))


def test_wallet_post_writes_what_save_writes(user, other_user):
    """The raw UPDATE and INSERT against the ORM's save() of the same wallet change and entry."""
    with transaction.atomic():
        raw_wallet = wallet_lock(user_id=user.id)
        raw = [
            wallet_post(wallet=raw_wallet, entry_type=EntryType.ADJUSTMENT, available=amount, paid=abs(amount))
            for amount in AMOUNTS
        ]
        orm_wallet = wallet_lock(user_id=other_user.id)
        for amount in AMOUNTS:
            orm_wallet.available += amount
            orm_wallet.paid += abs(amount)
            orm_wallet.entry_count += 1
            orm_wallet.save(update_fields=["available", "paid", "entry_count", "updated_at"])
            WalletEntry.objects.create(
                wallet=orm_wallet,
                sequence=orm_wallet.entry_count,
                type=EntryType.ADJUSTMENT,
                available_delta=amount,
                paid_delta=abs(amount),
                pending_balance=orm_wallet.pending,
                available_balance=orm_wallet.available,
                paid_balance=orm_wallet.paid,
            )
    assert compared(Wallet.objects.get(user=user)) == compared(Wallet.objects.get(user=other_user))
    stored = list(WalletEntry.objects.filter(wallet__user=user).order_by("sequence"))
    assert [field_values(entry) for entry in raw] == [field_values(entry) for entry in stored]  # pk as stored
    twins = WalletEntry.objects.filter(wallet__user=other_user).order_by("sequence")
    assert [compared(entry) for entry in stored] == [compared(entry) for entry in twins]


def test_wallet_post_many_writes_what_wallet_post_writes(user, other_user):
    """The UPDATE from arrays (several wallets at once) against one `wallet_post` at a time."""
    third = UserFactory()
    with transaction.atomic():
        batch = [wallet_lock(user_id=user.id), wallet_lock(user_id=third.id)]
        wallet_post_many(postings=[posting for wallet in batch for posting in adjustments(wallet)])
        single = wallet_lock(user_id=other_user.id)
        for amount in AMOUNTS:
            wallet_post(wallet=single, entry_type=EntryType.ADJUSTMENT, available=amount, paid=abs(amount))
    twin = compared(Wallet.objects.get(user=other_user))
    assert [compared(Wallet.objects.get(user=u)) for u in (user, third)] == [twin, twin]
    twin_entries = [compared(e) for e in WalletEntry.objects.filter(wallet__user=other_user).order_by("sequence")]
    for u in (user, third):
        assert [compared(e) for e in WalletEntry.objects.filter(wallet__user=u).order_by("sequence")] == twin_entries
