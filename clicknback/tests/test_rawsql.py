"""`clicknback.rawsql`: identifiers from the models, and the signals its writes never send."""

import pytest
from django.apps import apps
from django.db.models import signals

from clicknback import rawsql
from wallets.models import Wallet, WalletEntry

# Models written by hand-written SQL (or bulk_create) on the money paths: neither sends model signals,
# so a receiver connected to one would silently miss most writes.
WRITTEN_WITHOUT_SIGNALS = ["purchases.Purchase", "purchases.PurchaseEvent", "wallets.Wallet", "wallets.WalletEntry"]


@pytest.mark.parametrize("model", WRITTEN_WITHOUT_SIGNALS)
@pytest.mark.parametrize("signal", ["pre_save", "post_save", "pre_delete", "post_delete"])
def test_no_receiver_listens_to_a_model_written_by_raw_sql(model, signal):
    assert not getattr(signals, signal).has_listeners(apps.get_model(model)), f"{signal} receiver on {model}"


def test_identifiers_come_from_the_models():
    assert rawsql.table(Wallet, "w") == f'"{Wallet._meta.db_table}" AS "w"'
    assert rawsql.col(WalletEntry, "wallet", alias="e") == '"e"."wallet_id"'
    with pytest.raises(Exception, match="has no field named 'balance'"):
        rawsql.col(Wallet, "balance")
