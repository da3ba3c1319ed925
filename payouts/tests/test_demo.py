import io

import pytest
from django.core.management import call_command

from accounts.models import User
from clicknback.actors import Actor
from payouts.models import Payout, PayoutMethod
from payouts.services import payout_complete
from wallets.models import EntryType, WalletEntry
from wallets.selectors import ledger_discrepancies

pytestmark = pytest.mark.django_db

DEMO_USER = "user@example.com"


def test_demo_seed_creates_one_payout_per_state_from_earned_cashback_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    # (chain/demo.py adds the demo user's token payout, minted where a development chain runs)
    money = Payout.objects.filter(user__email=DEMO_USER).exclude(method=PayoutMethod.TOKEN)
    states = sorted(money.values_list("status", flat=True))
    assert states == ["completed", "failed", "requested"]
    # The money they draw on is cashback of demo purchases: no adjustment, no money from nowhere.
    assert not WalletEntry.objects.filter(type=EntryType.ADJUSTMENT).exists()
    assert ledger_discrepancies() == []


def test_a_demo_payout_staff_processed_since_is_not_made_again():
    """Re-running the seed once staff completed the requested payout must not refill the queue."""
    call_command("seed_demo", stdout=io.StringIO())
    money = Payout.objects.filter(user__email=DEMO_USER).exclude(method=PayoutMethod.TOKEN)
    requested = money.get(status="requested")
    payout_complete(payout_id=requested.id, actor=Actor.for_user(User.objects.get(email="admin@example.com")))
    count = Payout.objects.count()
    call_command("seed_demo", stdout=io.StringIO())
    assert Payout.objects.count() == count
    assert not money.filter(status="requested").exists()
