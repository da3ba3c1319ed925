"""Concurrent writers of the same day rows, with real threads: every change counted once, no deadlock."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from analytics.activity import counts_sql
from analytics.models import ActiveUserDay, ActiveUsers, DailyFigures, MerchantDailyFigures
from analytics.rebuild import rollup_discrepancy_lines
from analytics.services import slice_of
from clicknback.actors import Actor
from clicknback.rollups import rollup_add, rollups_flush
from clicknback.testing import run_at_once
from offers.tests.factories import OfferFactory
from purchases.services import purchase_confirm

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def users_in_one_slice(count: int) -> list:
    users: dict[int, list] = {}
    while True:
        user = UserFactory()
        users.setdefault(slice_of(user.id), []).append(user)
        for same in users.values():
            if len(same) == count:
                return same


@pytest.mark.parametrize("attempt", range(3))
def test_two_ingestions_on_the_same_day_rows_are_both_counted(ingest, merchant, attempt):
    first, second = users_in_one_slice(2)  # the same day slice and the same merchant day
    results = run_at_once(
        [
            lambda: ingest("100.00", user_id=first.id),
            lambda: ingest("50.00", user_id=second.id),
        ]
    )
    assert all(not isinstance(r, Exception) for r in results), results
    day = DailyFigures.objects.get(slice=slice_of(first.id))
    assert (day.purchases, day.amount) == (2, Decimal("150.00"))
    assert MerchantDailyFigures.objects.get(merchant_id=merchant.id).purchases == 2
    assert rollup_discrepancy_lines() == []


def test_confirmations_across_merchants_in_opposite_orders_are_all_counted(ingest, merchant, admin_user):
    """Two threads confirm purchases of both merchants, in opposite orders, on the same day rows:
    every confirmation counted once, none refused."""
    other = OfferFactory().merchant
    actor = Actor.for_user(admin_user)
    users = [UserFactory() for _ in range(4)]
    batches = [[], []]
    for index, user in enumerate(users):
        merchants = (merchant, other) if index % 2 else (other, merchant)
        for m in merchants:
            batches[index % 2].append(ingest("20.00", user_id=user.id, merchant_id=m.id))

    def confirm_all(purchases):
        def run():
            for purchase in purchases:
                purchase_confirm(purchase_id=purchase.id, actor=actor)

        return run

    results = run_at_once([confirm_all(batches[0]), confirm_all(list(reversed(batches[1])))])
    assert all(not isinstance(r, Exception) for r in results), results
    assert sum(r.cashback_confirmed for r in MerchantDailyFigures.objects.all()) == Decimal("16.00")
    assert rollup_discrepancy_lines() == []


@pytest.mark.parametrize("attempt", range(2))
def test_one_users_days_written_at_once_in_any_order_keep_exact_gaps(attempt):
    """Three transactions of one user on three days (one before the others: out of order), each
    holding its rows a moment after its flush: the second and third wait for the user's previous
    writer and see its day, so every gap is as the facts say."""
    user = UserFactory()
    today = timezone.now().date()

    def active_on(day):
        def run():
            with transaction.atomic():
                rollup_add(day=day, user_id=user.id, active=True, purchases=1)
                rollups_flush()
                time.sleep(0.2)

        return run

    days = [today - timedelta(days=5), today - timedelta(days=4), today - timedelta(days=9)]
    results = run_at_once([active_on(day) for day in days])
    assert all(not isinstance(r, Exception) for r in results), results
    assert sorted(ActiveUserDay.objects.filter(user_id=user.id).values_list("day", flat=True)) == sorted(days)
    with connection.cursor() as cursor:
        cursor.execute(counts_sql('SELECT day, user_id FROM "analytics_activeuserday"'), {"first": None})
        wanted = sorted(cursor.fetchall())
    assert sorted(ActiveUsers.objects.values_list("day", "slice", "counts")) == wanted
