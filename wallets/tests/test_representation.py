"""`wallet_data` and `wallet_entry_data` (the fast paths the views render with) say exactly what
the serializers say."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wallets.models import Wallet, WalletEntry
from wallets.serializers import WalletEntryOutputSerializer, WalletOutputSerializer, wallet_data, wallet_entry_data
from wallets.tests.helpers import fund_wallet


@pytest.mark.django_db
def test_wallet_and_entries_render_as_the_serializers(user, ingest):
    ingest("80.00")
    fund_wallet(user, Decimal("12.30"))  # entries without a purchase id
    wallet = Wallet.objects.get(user=user)
    assert wallet_data(wallet) == dict(WalletOutputSerializer(wallet).data)
    assert list(wallet_data(wallet)) == list(WalletOutputSerializer(wallet).data)
    entries = list(WalletEntry.objects.filter(wallet=wallet))
    assert len(entries) == 2
    for entry in entries:
        assert wallet_entry_data(entry) == dict(WalletEntryOutputSerializer(entry).data)
        assert list(wallet_entry_data(entry)) == list(WalletEntryOutputSerializer(entry).data)


@pytest.mark.django_db
def test_a_new_users_unsaved_wallet_renders_as_the_serializer(user):
    wallet = Wallet(user_id=user.id)
    assert wallet_data(wallet) == dict(WalletOutputSerializer(wallet).data)
