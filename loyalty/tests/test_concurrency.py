"""Real threads, each on its own connection: no point spent twice, none both redeemed and
expired, no expiry or recomputation done twice."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connections, transaction
from django.db.models import Sum
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from clicknback.errors import InsufficientPoints
from clicknback.testing import run_at_once
from events.models import OutboxEvent
from loyalty.models import (
    PointsAccount,
    PointsEntry,
    PointsEntryType,
    PointsLot,
    Redemption,
    RedemptionAllocation,
    TierChange,
    UserLoyalty,
)
from loyalty.selectors import points_discrepancies
from loyalty.services import Confirmation, loyalty_on_confirmed, points_expire, points_redeem, tiers_recompute
from loyalty.tests.conftest import grant_lot, tier
from wallets.models import Wallet

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_concurrent_redemptions_on_a_balance_covering_seven():
    user = UserFactory()
    today = timezone.now().date()
    for days in (3, 9, 30):
        grant_lot(user, 1000, today + timedelta(days=days))
    grant_lot(user, 600, today + timedelta(days=60))  # 3600 points: seven redemptions of 500
    results = run_at_once([lambda: points_redeem(user=user, points=500)] * 20)
    assert sum(isinstance(r, Redemption) for r in results) == 7
    assert all(isinstance(r, (Redemption, InsufficientPoints)) for r in results), results
    account = PointsAccount.objects.get(user=user)
    assert (account.balance, account.lifetime_redeemed) == (100, 3500)
    assert Wallet.objects.get(user=user).available == Decimal("35.00")
    assert points_discrepancies() == []


@override_settings(MIN_REDEMPTION_POINTS=100)
def test_redemptions_racing_expiry_never_redeem_and_expire_one_point():
    users = [UserFactory() for _ in range(3)]
    yesterday = timezone.now().date() - timedelta(days=1)
    for user in users:
        for _ in range(4):
            grant_lot(user, 100, yesterday)  # past their date, not swept yet
    redeem = [lambda user=user: points_redeem(user=user, points=150) for user in users for _ in range(2)]
    expire = [lambda: points_expire(batch_size=1)] * 3
    run_at_once(redeem + expire)
    while points_expire(batch_size=10):
        pass
    for lot in PointsLot.objects.all():
        redeemed = RedemptionAllocation.objects.filter(lot=lot).aggregate(total=Sum("points"))["total"] or 0
        expired = -(
            PointsEntry.objects.filter(lot=lot, type=PointsEntryType.EXPIRED).aggregate(t=Sum("points_delta"))["t"] or 0
        )
        assert (lot.points_left, redeemed + expired) == (0, lot.points)
    assert points_discrepancies() == []


def test_two_expiry_runs_at_once_expire_each_lot_once():
    yesterday = timezone.now().date() - timedelta(days=1)
    users = [UserFactory() for _ in range(6)]
    for user in users:
        grant_lot(user, 100, yesterday)
        grant_lot(user, 50, yesterday)

    def expire_all() -> int:
        total = 0
        while expired := points_expire(batch_size=2):
            total += expired
        return total

    counts = run_at_once([expire_all, expire_all])
    assert sum(counts) == 12
    assert PointsEntry.objects.filter(type=PointsEntryType.EXPIRED).count() == 12
    assert points_discrepancies() == []


def test_two_recompute_runs_at_once_change_each_tier_once():
    users = [UserFactory() for _ in range(8)]
    UserLoyalty.objects.bulk_create([UserLoyalty(user=user, tier=tier("Gold")) for user in users])

    def recompute_all() -> int:
        total, after = 0, None
        while True:
            changed, after = tiers_recompute(spend_by_user=lambda **_: {}, after=after, batch_size=3)
            total += changed
            if after is None:
                return total

    counts = run_at_once([recompute_all, recompute_all])
    assert sum(counts) == 8
    assert TierChange.objects.count() == 8
    assert set(UserLoyalty.objects.values_list("tier__name", flat=True)) == {"Bronze"}


def test_an_account_created_with_a_debt_while_an_earning_waits_is_paid_from_its_real_debt():
    """The one-statement earning reads each account's debt in its own snapshot. An account that
    appears after that snapshot (here: with a debt, committed while the earning waited for the
    loyalty row) must not be credited as if it owed nothing: its earning runs again in a new
    statement and pays the debt first."""
    user = UserFactory()
    planted, committed = threading.Event(), threading.Event()
    purchase_id = uuid.uuid4()

    def plant_a_debt() -> None:
        with transaction.atomic():
            UserLoyalty.objects.create(user=user, tier=tier("Bronze"))
            account = PointsAccount.objects.create(user=user, balance=-30, debt=30)
            PointsEntry.objects.create(
                account=account,
                type=PointsEntryType.CLAWED_BACK,
                points_delta=-30,
                balance_after=-30,
                purchase_id=uuid.uuid4(),
            )
            planted.set()
            _wait_for_a_lock_wait(on="loyalty_userloyalty")
        committed.set()

    def earn() -> None:
        planted.wait(timeout=30)
        with transaction.atomic():
            confirmation = Confirmation(user.id, purchase_id, Decimal("100.00"), timezone.now(), Decimal("1.00"))
            loyalty_on_confirmed(confirmations=[confirmation])

    results = run_at_once([plant_a_debt, earn])
    assert results == [None, None] and committed.is_set()
    account = PointsAccount.objects.get(user=user)
    assert (account.balance, account.debt, account.lifetime_earned) == (70, 0, 100)
    lot = PointsLot.objects.get(purchase_id=purchase_id)
    assert (lot.points, lot.points_left) == (70, 70)
    assert UserLoyalty.objects.get(user=user).qualifying_spend == Decimal("100.00")  # counted once
    event = OutboxEvent.objects.get(type="points.earned")
    assert {k: event.data[k] for k in ("points", "lot_points", "debt_paid", "balance_after")} == {
        "points": 100,
        "lot_points": 70,
        "debt_paid": 30,
        "balance_after": 70,
    }
    assert points_discrepancies() == []


def _wait_for_a_lock_wait(*, on: str, timeout: float = 30) -> None:
    """Until another backend waits for a lock in a statement that names `on` (its own connection)."""
    deadline = time.monotonic() + timeout
    watcher = connections.create_connection("default")
    try:
        with watcher.cursor() as cursor:
            while time.monotonic() < deadline:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                    [f"%{on}%"],
                )
                if cursor.fetchone()[0]:
                    return
                time.sleep(0.02)
    finally:
        watcher.close()
    raise AssertionError(f"nothing waited for a lock on {on}")
