import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from loyalty.models import PointsAccount, PointsEntry, PointsLot, TierChange, UserLoyalty
from loyalty.selectors import points_discrepancies
from wallets.models import WalletEntry
from wallets.selectors import ledger_discrepancies

pytestmark = pytest.mark.django_db


def snapshot() -> tuple:
    account = PointsAccount.objects.get(user__email="user@example.com")
    return (
        list(PointsLot.objects.values_list("id", "points", "points_left", "expires_on").order_by("id")),
        PointsEntry.objects.count(),
        TierChange.objects.count(),
        WalletEntry.objects.count(),
        (account.balance, account.debt, account.lifetime_earned),
    )


def test_the_demo_user_is_silver_with_several_lots_one_expiring_this_week_and_a_rerun_changes_nothing():
    call_command("seed_demo", stdout=io.StringIO())
    loyalty = UserLoyalty.objects.select_related("tier").get(user__email="user@example.com")
    assert loyalty.tier.name == "Silver"
    open_lots = PointsLot.objects.filter(account__user__email="user@example.com", points_left__gt=0)
    assert open_lots.count() >= 3
    week = timezone.now().date() + timedelta(days=7)
    assert open_lots.filter(expires_on__lte=week).count() == 1
    assert points_discrepancies() == [] and ledger_discrepancies() == []
    before = snapshot()

    call_command("seed_demo", stdout=io.StringIO())

    assert snapshot() == before
