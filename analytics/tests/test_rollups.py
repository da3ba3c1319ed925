"""The daily figures against the raw tables, their rebuild, and how they are written."""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import UTC, date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from accounts.models import User
from analytics.models import ActiveUserDay, ActiveUsers, DailyFigures, MerchantDailyFigures
from analytics.rebuild import rollup_discrepancy_lines, rollups_rebuild
from analytics.selectors import analytics_summary, daily_figures, merchant_figures, users_per_tier
from clicknback.rollups import rollup_add, rollups_flush
from loyalty.models import PointsAccount, PointsEntry, UserLoyalty
from payouts.models import Payout
from purchases.models import Purchase

pytestmark = pytest.mark.django_db


def utc_day(moment) -> date:
    return moment.astimezone(UTC).date()


def raw_days() -> dict[date, Counter]:
    """Every day's figures straight from the raw rows, in Python."""
    days: dict[date, Counter] = defaultdict(Counter)
    for p in Purchase.objects.all():
        booked = days[utc_day(p.created_at)]
        booked["purchases"] += 1
        booked["amount"] += p.amount
        booked["cashback_booked"] += p.cashback_amount
        if p.confirmed_at:
            days[utc_day(p.confirmed_at)]["cashback_confirmed"] += p.cashback_amount
        if p.reversed_at:
            days[utc_day(p.reversed_at)]["cashback_reversed"] += p.cashback_amount
    for payout in Payout.objects.all():
        days[utc_day(payout.created_at)]["payouts_requested_amount"] += payout.amount
        if payout.status != "requested":
            days[utc_day(payout.processed_at)][f"payouts_{payout.status}_amount"] += payout.amount
    for entry in PointsEntry.objects.all():
        name = {"earned": "points_earned", "upgrade_bonus": "points_earned"}.get(entry.type, f"points_{entry.type}")
        days[utc_day(entry.created_at)][name] += abs(entry.points_delta)
    for user in User.objects.all():
        days[utc_day(user.created_at)]["users_new"] += 1
    return days


def test_every_figure_equals_the_raw_tables(activity):
    activity(seed=1)
    raw = raw_days()
    kinds = {k for figures in raw.values() for k, v in figures.items() if v}
    assert {"cashback_reversed", "payouts_failed_amount", "payouts_completed_amount", "points_expired",
            "points_redeemed", "cashback_confirmed"} <= kinds  # fmt: skip
    first, last = min(raw), max(raw)
    for row in daily_figures(first=first, last=last):
        want = raw.get(row["date"], Counter())
        for name in ("purchases", "amount", "cashback_booked", "cashback_confirmed", "cashback_reversed",
                     "payouts_requested_amount", "payouts_completed_amount", "payouts_failed_amount",
                     "points_redeemed", "points_expired", "points_clawed_back", "users_new"):  # fmt: skip
            assert row[name] == want[name], (row["date"], name)
        assert row["points_earned"] + row["points_bonus"] == want["points_earned"]
    summary = analytics_summary(first=first, last=last)
    assert summary["purchases"] == {
        "count": Purchase.objects.count(),
        "amount": sum(p.amount for p in Purchase.objects.all()),
    }
    assert summary["points"]["outstanding"] == sum(a.balance for a in PointsAccount.objects.all())
    assert summary["users"]["active"] == len({p.user_id for p in Purchase.objects.all()})
    assert summary["payouts"]["failed"] == sum(p.amount for p in Payout.objects.filter(status="failed"))
    by_merchant = Counter()
    for p in Purchase.objects.all():
        by_merchant[p.merchant_id] += p.amount
    assert {m.merchant_id: m.amount for m in merchant_figures(first=first, last=last, limit=10)} == by_merchant
    tiers = {t.tier: t.users for t in users_per_tier()}
    assert sum(tiers.values()) == User.objects.count()
    for loyalty in UserLoyalty.objects.exclude(tier__min_spend=0).select_related("tier"):
        assert tiers[loyalty.tier.name] >= 1
    assert rollup_discrepancy_lines() == []


def test_a_range_counts_only_its_days_and_outstanding_is_at_its_end(activity):
    activity(seed=2)
    raw = raw_days()
    last = max(raw) - timedelta(days=2)
    first = last - timedelta(days=1)
    summary = analytics_summary(first=first, last=last)
    assert summary["cashback"]["booked"] == raw[first]["cashback_booked"] + raw[last]["cashback_booked"]
    granted = sum(f["points_earned"] - f["points_redeemed"] - f["points_expired"] - f["points_clawed_back"]
                  for day, f in raw.items() if day <= last)  # fmt: skip
    assert summary["points"]["outstanding"] == granted


def snapshot() -> tuple:
    day = sorted((r.day, r.slice, *(getattr(r, f.name) for f in DailyFigures._meta.concrete_fields[3:]))
                 for r in DailyFigures.objects.all())  # fmt: skip
    merchant = sorted(
        MerchantDailyFigures.objects.values_list(
            "day", "merchant_id", "purchases", "amount", "cashback_booked", "cashback_confirmed", "cashback_reversed"
        )
    )
    active = sorted(ActiveUserDay.objects.values_list("day", "user_id"))
    by_gap = sorted(ActiveUsers.objects.values_list("day", "slice", "counts"))
    return day, merchant, active, by_gap


@pytest.mark.parametrize("seed", [3, 4])
def test_rebuild_reproduces_the_live_figures_exactly(activity, seed):
    activity(seed=seed)
    live = snapshot()
    assert all(live)
    rollups_rebuild()
    assert snapshot() == live
    some_day = live[0][len(live[0]) // 2][0]
    call_command("rebuild_rollups", "--from", some_day.isoformat(), "--to", some_day.isoformat(), stdout=None)
    assert snapshot() == live


def test_verify_ledger_reports_a_drifted_figure_until_rebuilt(activity):
    activity(seed=5)
    DailyFigures.objects.filter(pk=DailyFigures.objects.order_by("id").first().pk).update(purchases=99)
    ActiveUserDay.objects.order_by("id").first().delete()
    row = ActiveUsers.objects.order_by("id").first()
    ActiveUsers.objects.filter(pk=row.pk).update(counts=[row.counts[0] + 1, *row.counts[1:]])
    lines = rollup_discrepancy_lines()
    assert any("purchases" in line for line in lines)
    assert any("active user days: 1 rows missing" in line for line in lines)
    assert any("active users by gap: 1 rows missing, 1 extra" in line for line in lines)
    rollups_rebuild()
    assert rollup_discrepancy_lines() == []


def test_figures_of_a_rolled_back_savepoint_are_not_written(user):
    with transaction.atomic():
        rollup_add(day=date(2026, 1, 2), user_id=user.id, purchases=1)
        try:
            with transaction.atomic():
                rollup_add(day=date(2026, 1, 2), user_id=user.id, purchases=10)
                raise RuntimeError("the work fails")
        except RuntimeError:
            pass
        rollups_flush()
    assert DailyFigures.objects.get(day=date(2026, 1, 2)).purchases == 1


def test_a_forgotten_flush_is_logged_at_commit(user, django_capture_on_commit_callbacks, caplog):
    with (
        caplog.at_level(logging.ERROR, logger="clicknback.rollups"),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        rollup_add(day=date(2026, 1, 3), user_id=user.id, purchases=1)
    assert "without rollups_flush" in caplog.text
    assert not DailyFigures.objects.filter(day=date(2026, 1, 3)).exists()


def test_an_unknown_figure_is_refused(user):
    with pytest.raises(ValueError, match="Unknown"), transaction.atomic():
        rollup_add(day=date(2026, 1, 4), user_id=user.id, pruchases=1)
        rollups_flush()


def test_rows_are_written_in_one_statement_in_key_order(user, other_user, merchant):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries, transaction.atomic():
        for who in (other_user, user):
            rollup_add(day=date(2026, 1, 6), user_id=who.id, merchant_id=merchant.id, active=True, purchases=1)
        rollup_add(day=date(2026, 1, 5), user_id=user.id, purchases=1, amount=Decimal("1.00"))
        rollups_flush()
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 1
    assert statements[0].index("2026-01-05") < statements[0].index("2026-01-06")
    assert DailyFigures.objects.filter(day=date(2026, 1, 6)).values_list("purchases", flat=True).count() >= 1
    assert MerchantDailyFigures.objects.get(day=date(2026, 1, 6)).purchases == 2
    assert ActiveUserDay.objects.filter(day=date(2026, 1, 6)).count() == 2
    assert sum(r.counts[0] for r in ActiveUsers.objects.filter(day=date(2026, 1, 6))) == 2


def test_the_check_compares_day_totals_not_their_slices(activity):
    """A replay (the bench's ceiling) may put a day's figures in another slice; the day is what counts."""
    activity(seed=6, days=2)
    row = DailyFigures.objects.filter(purchases__gt=0).order_by("id").first()
    DailyFigures.objects.filter(pk=row.pk).update(purchases=0)
    other = DailyFigures.objects.filter(day=row.day).exclude(pk=row.pk).first() or DailyFigures.objects.create(
        day=row.day, slice=(row.slice + 1) % 8
    )
    DailyFigures.objects.filter(pk=other.pk).update(purchases=other.purchases + row.purchases)
    assert rollup_discrepancy_lines() == []
