import io

import pytest

from accounts import demo as accounts_demo
from payouts import demo as payouts_demo
from payouts.models import Payout
from wallets.models import EntryType, WalletEntry
from wallets.selectors import ledger_discrepancies

pytestmark = pytest.mark.django_db


def seed() -> None:
    """As `seed_demo` runs it: each app's seed in turn, calling the durable services itself."""
    for module in (accounts_demo, payouts_demo):
        module.seed(io.StringIO())


def test_demo_seed_creates_one_payout_per_state_and_is_idempotent():
    seed()
    states = sorted(Payout.objects.filter(user__email="user@example.com").values_list("status", flat=True))
    assert states == ["completed", "failed", "requested"]
    seed()
    assert Payout.objects.count() == 3
    assert ledger_discrepancies() == []
    # The money the demo payouts draw on has no purchase behind it: an adjustment, not cashback.
    assert set(WalletEntry.objects.filter(purchase_id=None, payout_id=None).values_list("type", flat=True)) == {
        EntryType.ADJUSTMENT
    }
