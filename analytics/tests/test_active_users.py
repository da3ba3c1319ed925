"""`users.active`: distinct users over a range, against the purchases, whatever the order the
days arrive in; the summary's fixed number of queries."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from analytics.models import ACTIVE_HORIZON
from analytics.rebuild import rollup_discrepancy_lines, rollups_rebuild
from analytics.selectors import active_users, analytics_summary
from analytics.serializers import MAX_DAYS
from purchases.models import Purchase

pytestmark = pytest.mark.django_db

TODAY = datetime.now(UTC).date()


@pytest.fixture(autouse=True)
def offer_of_two_years(offer):
    """Purchases more than the horizon ago need an offer valid then."""
    offer.starts_on = TODAY - timedelta(days=2 * ACTIVE_HORIZON)
    offer.save(update_fields=["starts_on"])


def buy_on(ingest, user, day: date, hour: int = 12) -> None:
    with time_machine.travel(datetime.combine(day, datetime.min.time(), tzinfo=UTC).replace(hour=hour)):
        ingest("20.00", user_id=user.id)


def raw_active(first: date, last: date) -> int:
    return len({p.user_id for p in Purchase.objects.all() if first <= p.created_at.astimezone(UTC).date() <= last})


def test_a_user_counts_once_whatever_the_days_around_the_range(ingest):
    first, last = TODAY - timedelta(days=20), TODAY - timedelta(days=10)
    days_of = {
        "before only": [first - timedelta(days=1)],
        "after only": [last + timedelta(days=1)],
        "before, inside and after": [first - timedelta(days=3), first + timedelta(days=4), last + timedelta(days=2)],
        "several days inside": [first + timedelta(days=1), first + timedelta(days=2), first + timedelta(days=7)],
        "on the first day": [first],
        "on the last day": [last],
        "on both bounds": [first, last],
        "a year before and inside": [first - timedelta(days=ACTIVE_HORIZON + 5), first + timedelta(days=5)],
        "around, not inside": [first - timedelta(days=1), last + timedelta(days=1)],
    }
    for days in days_of.values():
        user = UserFactory()
        for day in days:
            buy_on(ingest, user, day)
    assert active_users(first=first, last=last) == 6 == raw_active(first, last)
    assert active_users(first=first, last=first) == 2 == raw_active(first, first)  # on the first day, both bounds
    assert rollup_discrepancy_lines() == []


@pytest.mark.parametrize("seed", [1, 2])
def test_every_range_equals_the_purchases_when_days_arrive_out_of_order(ingest, seed):
    """Days in a random order (a replay, a transaction across midnight): the gaps of the days after
    a late one are moved; every range of a 40-day window is exact, live and after a rebuild."""
    rng = random.Random(seed)
    users = [UserFactory() for _ in range(5)]
    window = [TODAY - timedelta(days=offset) for offset in range(40)]
    visits = [(rng.choice(users), rng.choice(window), rng.randrange(24)) for _ in range(45)]
    visits.append((users[0], TODAY - timedelta(days=ACTIVE_HORIZON + 30), 3))  # beyond the horizon
    rng.shuffle(visits)
    for user, day, hour in visits:
        buy_on(ingest, user, day, hour)

    def every_range_is_exact() -> None:
        for first in window:
            for last in window:
                if first <= last:
                    assert active_users(first=first, last=last) == raw_active(first, last), (first, last)

    every_range_is_exact()
    assert rollup_discrepancy_lines() == []
    rollups_rebuild(first=window[20])
    every_range_is_exact()
    assert rollup_discrepancy_lines() == []


def test_the_longest_range_and_a_longer_internal_one(ingest):
    user, other = UserFactory(), UserFactory()
    buy_on(ingest, user, TODAY - timedelta(days=ACTIVE_HORIZON - 1))
    buy_on(ingest, other, TODAY - timedelta(days=ACTIVE_HORIZON + 5))
    buy_on(ingest, user, TODAY)
    first = TODAY - timedelta(days=ACTIVE_HORIZON - 1)
    assert active_users(first=first, last=TODAY) == 1
    assert active_users(first=first - timedelta(days=10), last=TODAY) == 2  # 377 days: counted from the facts


@pytest.mark.parametrize("users", [1, 4])
def test_the_summary_is_one_query_whatever_the_data(ingest, django_assert_num_queries, users):
    for index in range(users):
        buy_on(ingest, UserFactory(), TODAY - timedelta(days=index * 40))
    with django_assert_num_queries(1):
        summary = analytics_summary(first=TODAY - timedelta(days=ACTIVE_HORIZON - 1), last=TODAY)
    assert summary["users"]["active"] == users


def test_the_counts_reach_back_as_far_as_the_longest_range_the_api_allows():
    assert ACTIVE_HORIZON >= MAX_DAYS
