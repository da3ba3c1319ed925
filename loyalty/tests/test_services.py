"""Earning, upgrades, downgrades, redemption, expiry and claw-back against PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from clicknback.actors import Actor, ActorKind
from clicknback.errors import BelowMinimumRedemption, InsufficientPoints
from events.models import OutboxEvent
from loyalty.models import PointsAccount, PointsEntry, PointsEntryType, PointsLot, TierChange, UserLoyalty
from loyalty.selectors import points_discrepancies
from loyalty.services import points_expire, points_redeem
from loyalty.tests.conftest import grant_lot, set_tier, tier
from purchases.services import purchase_confirm, purchase_reverse, purchases_confirm_due
from wallets.models import EntryType, WalletEntry

pytestmark = pytest.mark.django_db
ADMIN = Actor(ActorKind.ADMIN, "", "staff")  # confirms flagged (large) purchases too


def confirm(purchase):
    return purchase_confirm(purchase_id=purchase.id, actor=ADMIN)[0]


def reverse(purchase):
    return purchase_reverse(purchase_id=purchase.id, actor=ADMIN)[0]


def account_of(user) -> PointsAccount:
    return PointsAccount.objects.get(user=user)


def types_of(user) -> list[str]:
    return list(PointsEntry.objects.filter(account__user=user).order_by("id").values_list("type", flat=True))


@pytest.mark.parametrize(("tier_name", "points"), [("Bronze", 99), ("Silver", 124), ("Gold", 149), ("Platinum", 199)])
def test_earning_is_the_amount_times_the_multiplier_at_ingestion_rounded_down(user, ingest, tier_name, points):
    set_tier(user, tier_name)
    purchase = ingest("99.99")
    set_tier(user, "Bronze")  # a later tier change does not rewrite the booked purchase
    confirm(purchase)
    assert purchase.tier_at_ingestion == tier(tier_name)
    entry = PointsEntry.objects.get(account__user=user)
    assert (entry.type, entry.points_delta, entry.balance_after) == ("earned", points, points)
    assert entry.lot.points == entry.lot.points_left == points
    assert entry.lot.expires_on == timezone.now().date() + timedelta(days=365)
    assert points_discrepancies() == []


def test_no_points_before_confirmation_and_none_for_a_pending_reversal(user, ingest):
    purchase = ingest("100.00")
    assert not PointsEntry.objects.exists()
    reverse(purchase)
    assert not PointsEntry.objects.exists()
    assert not UserLoyalty.objects.exists()


def test_loyalty_costs_a_confirmation_one_statement_and_an_upgrade_eight_more(user, ingest, django_assert_num_queries):
    """Without loyalty, a staff confirmation is 8 statements: the savepoint pair, lock purchase,
    lock wallet, wallet update with its entry (one statement), purchase update, audit, outbox event. Two more came with
    other features: the automatic token payout's check of who prefers tokens (chain, one select)
    and the analytics day figures' flush (one upsert per transaction). Loyalty adds its one
    statement, even on the user's first earning; crossing a tier adds the tiers, the bonuses
    granted, bonus lots, entries and accounts, the tier row, its history and the events."""
    small, large = ingest("100.00"), ingest("2500.00")
    base = 8 + 1 + 1  # the confirmation, the token payout check, the rollup flush
    with django_assert_num_queries(base + 1):
        confirm(small)
    with django_assert_num_queries(base + 1 + 8):
        confirm(large)
    assert UserLoyalty.objects.get(user=user).tier == tier("Gold")


def test_upgrade_in_the_confirming_transaction_with_every_passed_bonus_once(user, ingest):
    confirm(ingest("2500.00"))  # Bronze -> Gold at once: Silver's and Gold's bonuses, one history record
    row = UserLoyalty.objects.get(user=user)
    assert row.tier == tier("Gold") and row.qualifying_spend == Decimal("2500.00")
    change = TierChange.objects.get(user=user)
    assert (change.from_tier.name, change.to_tier.name, change.reason) == ("Bronze", "Gold", "spend")
    bonuses = PointsEntry.objects.filter(account__user=user, type=PointsEntryType.UPGRADE_BONUS)
    assert sorted(bonuses.values_list("bonus_tier__name", "points_delta")) == [("Gold", 1000), ("Silver", 250)]
    assert account_of(user).balance == 2500 + 250 + 1000
    assert points_discrepancies() == []


def test_recompute_tiers_downgrades_after_a_reversal_and_rising_again_grants_no_second_bonus(user, ingest):
    first = ingest("600.00")
    confirm(first)
    assert UserLoyalty.objects.get(user=user).tier == tier("Silver")
    reverse(first)
    row = UserLoyalty.objects.get(user=user)
    assert (row.tier, row.qualifying_spend) == (tier("Silver"), Decimal("0.00"))  # downgrades are lazy
    out = StringIO()
    call_command("recompute_tiers", stdout=out)
    assert out.getvalue() == "Changed the tier of 1 user.\n"
    assert UserLoyalty.objects.get(user=user).tier == tier("Bronze")
    assert list(TierChange.objects.filter(user=user).order_by("id").values_list("reason", flat=True)) == [
        "spend",
        "recalculation",
    ]
    call_command("recompute_tiers", stdout=StringIO())  # nothing left to do
    assert TierChange.objects.filter(user=user).count() == 2
    confirm(ingest("600.00"))  # Silver again within 365 days: no second bonus
    assert UserLoyalty.objects.get(user=user).tier == tier("Silver")
    assert PointsEntry.objects.filter(account__user=user, type=PointsEntryType.UPGRADE_BONUS).count() == 1
    assert points_discrepancies() == []


def test_redemption_takes_the_soonest_expiring_lots_first_oldest_on_ties(user):
    today = timezone.now().date()
    later = grant_lot(user, 300, today + timedelta(days=20))
    soon_old = grant_lot(user, 400, today + timedelta(days=10))
    soon_new = grant_lot(user, 500, today + timedelta(days=10))
    redemption = points_redeem(user=user, points=1000)  # across all three lots
    assert (redemption.points, redemption.amount, redemption.currency) == (1000, Decimal("10.00"), "EUR")
    assert list(redemption.allocations.order_by("id").values_list("lot_id", "points")) == [
        (soon_old.id, 400),
        (soon_new.id, 500),
        (later.id, 100),
    ]
    left = dict(PointsLot.objects.values_list("id", "points_left"))
    assert left == {later.id: 200, soon_old.id: 0, soon_new.id: 0}
    account = account_of(user)
    assert (account.balance, account.lifetime_redeemed) == (200, 1000)
    entry = PointsEntry.objects.get(account=account, type=PointsEntryType.REDEEMED)
    assert (entry.points_delta, entry.balance_after, entry.redemption_id) == (-1000, 200, redemption.id)
    wallet_entry = WalletEntry.objects.get(wallet__user=user)
    assert (wallet_entry.type, wallet_entry.available_delta) == (EntryType.POINTS_REDEEMED, Decimal("10.00"))
    assert points_discrepancies() == []


def test_redemption_amount_rounds_down_to_cents_and_refusals_come_in_order(user):
    grant_lot(user, 700, timezone.now().date() + timedelta(days=5))
    with pytest.raises(BelowMinimumRedemption):
        points_redeem(user=user, points=499)
    with pytest.raises(InsufficientPoints) as refused:
        points_redeem(user=user, points=701)
    assert refused.value.details == {"points_balance": 700}
    with override_settings(POINTS_PER_CURRENCY_UNIT=300):
        assert points_redeem(user=user, points=650).amount == Decimal("2.16")


def test_expiry_takes_what_is_left_of_partly_redeemed_lots_once(user):
    today = timezone.now().date()
    expiring = grant_lot(user, 600, today)
    lasting = grant_lot(user, 200, today + timedelta(days=1))
    points_redeem(user=user, points=500)
    assert points_expire(today=today) == 0  # valid through its date
    out = StringIO()
    call_command("expire_points", stdout=out)
    assert points_expire(today=today + timedelta(days=1)) == 1
    assert points_expire(today=today + timedelta(days=1)) == 0
    expired = PointsEntry.objects.get(type=PointsEntryType.EXPIRED)
    assert (expired.lot_id, expired.points_delta, expired.balance_after) == (expiring.id, -100, 200)
    account = account_of(user)
    assert (account.balance, account.lifetime_expired, account.lifetime_redeemed) == (200, 100, 500)
    assert dict(PointsLot.objects.values_list("id", "points_left")) == {expiring.id: 0, lasting.id: 200}
    assert points_discrepancies() == []


def test_claw_back_from_its_own_lot(user, ingest):
    purchase = ingest("100.00")
    confirm(purchase)
    reverse(purchase)
    account = account_of(user)
    assert (account.balance, account.debt) == (0, 0)
    assert types_of(user) == ["earned", "clawed_back"]
    assert PointsLot.objects.get(purchase_id=purchase.id).points_left == 0
    assert UserLoyalty.objects.get(user=user).qualifying_spend == Decimal("0.00")
    assert points_discrepancies() == []


@override_settings(MIN_REDEMPTION_POINTS=100)
def test_claw_back_shortfall_is_a_debt_that_the_next_earnings_pay_first(user, ingest):
    first, second = ingest("300.00"), ingest("150.00")
    confirm(first)
    confirm(second)
    points_redeem(user=user, points=250)  # from the first purchase's lot (oldest on equal dates)
    reverse(first)  # 300 to claw back, 50 left in its lot: a debt of 250
    account = account_of(user)
    assert (account.balance, account.debt) == (-100, 250)
    assert PointsLot.objects.get(purchase_id=second.id).points_left == 150  # other lots untouched
    assert points_discrepancies() == []
    third = ingest("100.00")
    confirm(third)  # pays 100 of the debt, makes no lot
    account = account_of(user)
    assert (account.balance, account.debt) == (0, 150)
    assert not PointsLot.objects.filter(purchase_id=third.id).exists()
    fourth = ingest("180.00")
    confirm(fourth)  # pays the last 150; 30 become a lot
    account = account_of(user)
    assert (account.balance, account.debt) == (180, 0)
    assert PointsLot.objects.get(purchase_id=fourth.id).points == 30
    assert points_discrepancies() == []
    with pytest.raises(InsufficientPoints):
        points_redeem(user=user, points=181)


@override_settings(MIN_REDEMPTION_POINTS=100, MIN_PENDING_HOURS=0)
def test_one_batch_pays_a_debt_with_each_users_purchases_in_their_order(user, ingest, merchant):
    """The confirmation job's one statement: a user's purchases of the batch pay the debt first, in
    purchase order, each entry with its own balance; another user's earning beside it is untouched."""
    merchant.confirmation_days = 0
    merchant.save()
    first = ingest("300.00")
    confirm(first)
    points_redeem(user=user, points=250)
    reverse(first)  # 50 left in its lot: a debt of 250
    assert (account_of(user).balance, account_of(user).debt) == (-250, 250)
    now = timezone.now()
    mine = [ingest("100.00", purchased_at=now - timedelta(hours=hours)) for hours in (3, 2, 1)]
    other = UserFactory()
    theirs = ingest("40.00", user_id=other.id, purchased_at=now - timedelta(hours=2))
    assert purchases_confirm_due(actor=Actor.job("test")) == 4
    entries = {e.purchase_id: e for e in PointsEntry.objects.filter(type=PointsEntryType.EARNED)}
    assert [(entries[p.id].balance_after, entries[p.id].lot_id is None) for p in mine] == [
        (-150, True),
        (-50, True),
        (50, False),
    ]
    assert PointsLot.objects.get(purchase_id=mine[2].id).points == 50
    assert (account_of(user).balance, account_of(user).debt, account_of(user).lifetime_earned) == (50, 0, 600)
    assert (account_of(other).balance, entries[theirs.id].balance_after) == (40, 40)
    assert points_discrepancies() == []
    approved = dict(OutboxEvent.objects.filter(type="cashback.approved").values_list("subject", "data"))
    assert [approved[str(p.id)]["points_earned"] for p in [*mine, theirs]] == [100, 100, 100, 40]
    earned = {e.data["purchase_id"]: e.data for e in OutboxEvent.objects.filter(type="points.earned")}
    assert [(earned[str(p.id)]["debt_paid"], earned[str(p.id)]["balance_after"]) for p in mine] == [
        (100, -150),
        (100, -50),
        (50, 50),
    ]


def test_verify_ledger_reports_a_planted_points_discrepancy(user, ingest):
    confirm(ingest("100.00"))
    call_command("verify_ledger", stdout=StringIO())
    PointsAccount.objects.filter(user=user).update(balance=F("balance") + 1)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=out)
    assert f"(user {user.id}): balance is 101, balance says 100" in out.getvalue()
    PointsAccount.objects.filter(user=user).update(balance=F("balance") - 1)
    PointsLot.objects.update(points_left=F("points_left") - 1)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=out)
    assert "balance is 100, lots_left_minus_debt says 99" in out.getvalue()


def test_points_entries_cannot_be_updated_or_deleted(user, ingest):
    from django.db import IntegrityError, connection, transaction

    from clicknback import rawsql
    from clicknback.append_only import AppendOnlyError

    confirm(ingest("100.00"))
    table, points = rawsql.table(PointsEntry), rawsql.col(PointsEntry, "points_delta")
    for sql in (f"UPDATE {table} SET {points} = 1", f"DELETE FROM {table}"):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    for statement in (lambda: PointsEntry.objects.update(points_delta=1), lambda: PointsEntry.objects.all().delete()):
        with pytest.raises(AppendOnlyError):
            statement()
    with pytest.raises(IntegrityError), transaction.atomic():
        PointsLot.objects.update(points_left=F("points") + 1)
