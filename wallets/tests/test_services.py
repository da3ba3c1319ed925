"""The wallet services: running balances, the range of each balance, and hand-written SQL that
writes and reads what the ORM would, on generated data."""

import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError, transaction

from accounts.tests.factories import UserFactory
from clicknback.errors import AmountTooLarge
from clicknback.testing import field_values
from wallets.models import EntryType, Wallet, WalletEntry
from wallets.selectors import ledger_discrepancies
from wallets.services import Posting, wallet_lock, wallet_post, wallet_post_many, wallets_lock
from wallets.tests.helpers import LARGEST, fund_wallet, near_the_edge

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


def test_wallet_post_is_one_statement_and_writes_no_entry_without_its_wallet(user, django_assert_num_queries):
    """The balances' UPDATE and the entry's INSERT are one statement; a wallet row that is not
    there (deleted, or never saved) fails as save(update_fields=...) would, and leaves no entry."""
    with transaction.atomic():
        wallet = wallet_lock(user_id=user.id)
        with django_assert_num_queries(1):
            wallet_post(wallet=wallet, entry_type=EntryType.ADJUSTMENT, available=Decimal("1.00"))
        ghost = Wallet(user_id=user.id)  # never saved: no row has its id
        with pytest.raises(DatabaseError, match="was not updated"), transaction.atomic():
            wallet_post(wallet=ghost, entry_type=EntryType.ADJUSTMENT, available=Decimal("1.00"))
    assert WalletEntry.objects.filter(wallet__user=user).count() == 1
    assert not WalletEntry.objects.filter(wallet_id=ghost.id).exists()


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


def test_wallet_post_many_matches_single_posts(user, other_user):
    """The batch poster gives each entry the running balances, as one wallet_post at a time would."""
    with transaction.atomic():
        wallets = wallets_lock(user_ids=[other_user.id, user.id])
        mine, theirs = wallets[user.id], wallets[other_user.id]
        my_purchase, their_purchase = uuid.uuid4(), uuid.uuid4()
        entries = wallet_post_many(
            postings=[
                Posting(mine, EntryType.CASHBACK_PENDING, pending=Decimal("5.00"), purchase_id=my_purchase),
                Posting(theirs, EntryType.CASHBACK_PENDING, pending=Decimal("1.00"), purchase_id=their_purchase),
                Posting(
                    mine,
                    EntryType.CASHBACK_CONFIRMED,
                    pending=Decimal("-5.00"),
                    available=Decimal("5.00"),
                    purchase_id=my_purchase,
                ),
            ]
        )
    assert [(e.sequence, e.pending_balance, e.available_balance) for e in entries] == [
        (1, Decimal("5.00"), Decimal("0.00")),
        (1, Decimal("1.00"), Decimal("0.00")),
        (2, Decimal("0.00"), Decimal("5.00")),
    ]
    assert ledger_discrepancies() == []


@pytest.mark.parametrize(
    ("balances", "deltas"),
    [
        ({"pending": LARGEST}, {"pending": Decimal("0.01")}),
        ({"available": LARGEST}, {"available": Decimal("0.01")}),
        ({"available": -LARGEST}, {"available": Decimal("-0.01")}),
        ({"paid": LARGEST - 1}, {"available": Decimal("-5.00"), "paid": Decimal("5.00")}),
        # Each bucket fits, but their sum would not: confirming it later would overflow `available`.
        ({"pending": LARGEST - 10, "available": Decimal("5.00")}, {"pending": Decimal("10.00")}),
    ],
)
def test_posting_out_of_range_is_refused_and_changes_nothing(user, balances, deltas):
    fund_wallet(user, Decimal("0.01"))
    before = near_the_edge(user, **balances)
    entries = WalletEntry.objects.count()
    with pytest.raises(AmountTooLarge), transaction.atomic():
        wallet = wallet_lock(user_id=user.id)
        locked = {field: getattr(wallet, field) for field in ("pending", "available", "paid", "entry_count")}
        try:
            wallet_post(wallet=wallet, entry_type=EntryType.CASHBACK_PENDING, **deltas)
        finally:
            assert {field: getattr(wallet, field) for field in locked} == locked  # not even in memory
    assert Wallet.objects.values().get(user=user) == before
    assert WalletEntry.objects.count() == entries


def test_batch_posting_out_of_range_is_refused(user):
    fund_wallet(user, Decimal("0.01"))
    before = near_the_edge(user, pending=LARGEST)
    with pytest.raises(AmountTooLarge), transaction.atomic():
        wallet = wallets_lock(user_ids=[user.id])[user.id]
        wallet_post_many(postings=[Posting(wallet, EntryType.CASHBACK_PENDING, pending=Decimal("1.00"))])
    assert Wallet.objects.values().get(user=user) == before
