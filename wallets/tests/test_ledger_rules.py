"""The ledger's rules held by PostgreSQL itself: each one broken with raw SQL and refused."""

import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from clicknback import rawsql
from payouts.models import PayoutEvent
from payouts.services import payout_request
from purchases.models import PurchaseEvent
from wallets.models import PAYOUT_ENTRY_TYPES, PURCHASE_ENTRY_TYPES, EntryType, Wallet, WalletEntry
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db


def execute(sql: str, params: object = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def refused(sql: str, params: object = None) -> str:
    """The database's refusal of `sql` (in a savepoint, so the test's transaction goes on)."""
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        execute(sql, params)
    return str(refusal.value)


@pytest.fixture
def entry(user) -> WalletEntry:
    fund_wallet(user, Decimal("10.00"))
    return WalletEntry.objects.get(wallet__user=user)


@pytest.fixture
def purchase_event(ingest) -> PurchaseEvent:
    return ingest().events.get()


@pytest.fixture
def payout_event(user) -> PayoutEvent:
    fund_wallet(user, Decimal("10.00"))
    return payout_request(user=user, amount=Decimal("10.00"), method="paypal", destination="a@example.com").events.get()


@pytest.mark.parametrize("fixture", ["entry", "purchase_event", "payout_event"])
def test_append_only_tables_refuse_update_and_delete(request, fixture):
    row: Model = request.getfixturevalue(fixture)
    table = rawsql.table(type(row))
    pk = rawsql.col(type(row), "id")
    assert "append-only (UPDATE refused)" in refused(f"UPDATE {table} SET {pk} = {pk} WHERE {pk} = %s", [row.pk])
    assert "append-only (DELETE refused)" in refused(f"DELETE FROM {table} WHERE {pk} = %s", [row.pk])
    assert type(row).objects.filter(pk=row.pk).exists()


def test_append_only_tables_can_still_be_truncated(entry, purchase_event):
    """What pytest-django's transactional tests do to reset the database: row triggers let it be."""
    execute("SET CONSTRAINTS ALL IMMEDIATE")  # check this transaction's deferred foreign keys first
    execute(f"TRUNCATE {rawsql.table(WalletEntry)}, {rawsql.table(PurchaseEvent)}")
    assert not WalletEntry.objects.exists() and not PurchaseEvent.objects.exists()


@pytest.mark.parametrize("field", ["pending", "paid"])
def test_a_negative_pending_or_paid_balance_is_refused(user, field):
    wallet = fund_wallet(user, Decimal("10.00"))
    sql = f"UPDATE {rawsql.table(Wallet)} SET {rawsql.col(Wallet, field)} = -0.01 WHERE {rawsql.col(Wallet, 'id')} = %s"
    assert f"wallet_{field}_not_negative" in refused(sql, [wallet.id])


def test_each_entry_type_has_its_document_and_no_other(user):
    """A cashback entry comes from a purchase, a payout entry from a payout, the others from neither."""
    wallet = fund_wallet(user, Decimal("10.00"))
    documents = {"neither": {}, "purchase": {"purchase_id": uuid.uuid4()}, "payout": {"payout_id": uuid.uuid4()}}
    documents["both"] = documents["purchase"] | documents["payout"]
    accepted = []
    for entry_type in EntryType:
        for document, ids in documents.items():
            wallet.entry_count += 1
            sql, params = rawsql.insert(
                WalletEntry(
                    wallet=wallet,
                    sequence=wallet.entry_count,
                    type=entry_type,
                    pending_balance=wallet.pending,
                    available_balance=wallet.available,
                    paid_balance=wallet.paid,
                    **ids,
                )
            )
            try:
                with transaction.atomic():
                    execute(sql, params)
            except IntegrityError as refusal:
                assert "wallet_entry_document_matches_type" in str(refusal)
            else:
                accepted.append((entry_type, document))
    assert accepted == [
        *((entry_type, "purchase") for entry_type in PURCHASE_ENTRY_TYPES),
        *((entry_type, "payout") for entry_type in PAYOUT_ENTRY_TYPES),
        (EntryType.POINTS_REDEEMED, "neither"),
        (EntryType.ADJUSTMENT, "neither"),
    ]
