"""Clicks per merchant per day and the conversion rate: against the raw clicks and purchases,
rebuilt, verified, counted under concurrency, and served by `GET /analytics/clicks`."""

from __future__ import annotations

import csv
import io
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction

from accounts.tests.factories import UserFactory
from analytics.models import DailyFigures, MerchantDailyFigures, MerchantDayClicks
from analytics.rebuild import rollup_discrepancy_lines, rollups_rebuild
from analytics.selectors import click_figures, clicks_per_day, conversion_rate, daily_figures
from analytics.services import slice_of
from analytics.tests.conftest import day_at
from clicknback.actors import Actor
from clicknback.testing import run_at_once
from clicks.models import Click
from clicks.services import click_create
from clicks.tests.factories import ClickFactory
from merchants.tests.factories import MerchantFactory
from offers.tests.factories import OfferFactory
from purchases.models import Purchase, PurchaseStatus
from purchases.services import purchase_reverse

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics/clicks"
TRACKING = "https://shop.example.com/go?ref={click_id}"


def clickable_merchant():
    return OfferFactory(merchant=MerchantFactory(tracking_url=TRACKING)).merchant


def click(user, merchant) -> Click:
    made, _ = click_create(user=user, merchant_id=merchant.id, address="203.0.113.9", user_agent="tests")
    return made


@pytest.fixture
def click_activity(ingest, admin_user) -> Callable[..., dict[str, Any]]:
    """`click_activity(seed)`: users click at two merchants over some days; partners report some
    of those clicks' sales (the same day or later), some are reversed (pending or confirmed), and
    other purchases come without a click."""

    def run(seed: int = 0, days: int = 5) -> dict[str, Any]:
        rng = random.Random(seed)
        admin = Actor.for_user(admin_user)
        merchants = [clickable_merchant(), clickable_merchant()]
        users = [UserFactory() for _ in range(4)]
        for days_ago in range(days, -1, -1):
            with time_machine.travel(day_at(days_ago, rng.randrange(0, 23)), tick=True):
                for _ in range(rng.randrange(1, 6)):
                    click(rng.choice(users), rng.choice(merchants))
                for made in Click.objects.filter(purchases__isnull=True).order_by("created_at", "id"):
                    if rng.random() < 0.4:
                        ingest(
                            f"{rng.randrange(20, 300)}.00", user_id=None, click_id=made.id, merchant_id=made.merchant_id
                        )
                ingest("30.00", user_id=rng.choice(users).id, merchant_id=rng.choice(merchants).id)
                for purchase in Purchase.objects.exclude(status=PurchaseStatus.REVERSED).order_by("created_at"):
                    if rng.random() < 0.15:
                        purchase_reverse(purchase_id=purchase.id, actor=admin, reason="returned")
        return {"users": users, "merchants": merchants}

    return run


def raw_clicks() -> tuple[Counter, Counter]:
    """(clicks, purchases by click) per (UTC day, merchant), straight from the raw rows."""
    clicks, bought = Counter(), Counter()
    for made in Click.objects.all():
        clicks[(made.created_at.astimezone(UTC).date(), made.merchant_id)] += 1
    for purchase in Purchase.objects.filter(click__isnull=False):
        bought[(purchase.created_at.astimezone(UTC).date(), purchase.merchant_id)] += 1
    return clicks, bought


def test_clicks_and_purchases_by_click_equal_the_raw_tables(click_activity):
    click_activity(seed=1)
    clicks, bought = raw_clicks()
    assert Purchase.objects.filter(click__isnull=False, status=PurchaseStatus.REVERSED).exists()
    assert Purchase.objects.filter(click__isnull=True).exists()
    # A purchase on a later day than its click: the day's rate is not the share of its clicks.
    assert any(p.created_at.date() != p.click.created_at.date() for p in Purchase.objects.exclude(click=None))
    first, last = min(clicks)[0], max(clicks)[0]
    rows = click_figures(first=first, last=last)
    assert {(r.date, r.merchant_id): (r.clicks, r.click_purchases) for r in rows} == {
        key: (clicks[key], bought[key]) for key in set(clicks) | set(bought)
    }
    for row in rows:
        expected = None if not row.clicks else Decimal(row.click_purchases) / Decimal(row.clicks)
        assert row.conversion_rate == (expected if expected is None else round(expected, 4))
    assert [(r.date, -r.clicks) for r in rows] == sorted((r.date, -r.clicks) for r in rows)
    per_day = Counter()
    for (day, _merchant), n in clicks.items():
        per_day[day] += n
    figures = daily_figures(first=first, last=last)
    assert clicks_per_day(first=first, last=last) == [per_day[row["date"]] for row in figures]
    bought_per_day = Counter()
    for (day, _merchant), n in bought.items():
        bought_per_day[day] += n
    assert [row["click_purchases"] for row in figures] == [bought_per_day[row["date"]] for row in figures]
    assert all(row["click_purchases"] <= row["purchases"] for row in figures)
    assert rollup_discrepancy_lines() == []


def test_the_rate_has_four_places_and_none_without_clicks():
    assert conversion_rate(1, 3) == Decimal("0.3333")
    assert conversion_rate(2, 3) == Decimal("0.6667")
    assert conversion_rate(3, 2) == Decimal("1.5000")
    assert conversion_rate(0, 5) == Decimal("0.0000")
    assert conversion_rate(1, 0) is None


def click_snapshot() -> tuple:
    return (
        sorted(MerchantDayClicks.objects.values_list("day", "merchant_id", "slice", "clicks")),
        sorted(MerchantDailyFigures.objects.values_list("day", "merchant_id", "purchases", "click_purchases")),
        sorted(DailyFigures.objects.values_list("day", "slice", "purchases", "click_purchases")),
    )


@pytest.mark.parametrize("seed", [2, 3])
def test_rebuild_reproduces_the_live_click_figures_exactly(click_activity, seed):
    click_activity(seed=seed)
    live = click_snapshot()
    assert live[0] and any(row[3] for row in live[1])
    rollups_rebuild()
    assert click_snapshot() == live
    some_day = live[0][len(live[0]) // 2][0]
    call_command("rebuild_rollups", "--from", some_day.isoformat(), "--to", some_day.isoformat(), stdout=None)
    assert click_snapshot() == live


def test_verify_ledger_reports_drifted_clicks_until_rebuilt(click_activity):
    click_activity(seed=4, days=2)
    MerchantDayClicks.objects.filter(pk=MerchantDayClicks.objects.order_by("id").first().pk).update(clicks=99)
    row = MerchantDailyFigures.objects.filter(click_purchases__gt=0).order_by("id").first()
    MerchantDailyFigures.objects.filter(pk=row.pk).update(click_purchases=row.click_purchases + 1)
    lines = rollup_discrepancy_lines()
    assert any(line.startswith("merchant day clicks") for line in lines), lines
    assert any("click_purchases" in line for line in lines), lines
    rollups_rebuild()
    assert rollup_discrepancy_lines() == []


def test_a_click_counts_in_its_own_insert(user, django_assert_num_queries):
    """The trigger counts inside the INSERT: no statement of its own (the endpoint's count is
    asserted in clicks/tests/test_api.py)."""
    merchant = clickable_merchant()
    # The offer with its merchant, the INSERT, and the savepoint pair the test's transaction turns
    # BEGIN/COMMIT into.
    with django_assert_num_queries(4) as captured:
        made = click(user, merchant)
    statements = [q["sql"].split()[0] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["SELECT", "INSERT"]
    counted = MerchantDayClicks.objects.get()
    assert (counted.day, counted.merchant_id, counted.slice, counted.clicks) == (
        made.created_at.astimezone(UTC).date(),
        merchant.id,
        slice_of(user.id),
        1,
    )


def test_bulk_inserted_clicks_are_counted_per_day_merchant_and_slice(user, other_user):
    """Every path that inserts clicks counts them (a bulk load as well as the endpoint)."""
    offer = OfferFactory(merchant=MerchantFactory(tracking_url=TRACKING))
    yesterday = day_at(1)
    Click.objects.bulk_create(
        Click(user=who, merchant=offer.merchant, offer=offer, created_at=when, expires_at=when + timedelta(days=30))
        for who in (user, other_user, user)
        for when in (yesterday, yesterday + timedelta(days=1))
    )
    assert sum(MerchantDayClicks.objects.values_list("clicks", flat=True)) == 6
    assert clicks_per_day(first=yesterday.date(), last=yesterday.date() + timedelta(days=1)) == [3, 3]
    assert rollup_discrepancy_lines() == []


def test_the_endpoint_answers_json_and_the_same_csv(admin_client, click_activity):
    click_activity(seed=5, days=3)
    params = {"from": (day_at(0) - timedelta(days=6)).date().isoformat(), "to": day_at(0).date().isoformat()}
    body = admin_client.get(URL, params).json()
    rows = body["results"]
    assert rows and set(rows[0]) == {
        "date", "merchant_id", "merchant_name", "clicks", "click_purchases", "conversion_rate"
    }  # fmt: skip
    for row in rows:
        rate = row["conversion_rate"]
        if row["clicks"]:
            assert rate == str(conversion_rate(row["click_purchases"], row["clicks"])) and len(rate.split(".")[1]) == 4
        else:
            assert rate is None
    response = admin_client.get(URL, {**params, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    as_text = [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
    assert list(csv.DictReader(io.StringIO(response.content.decode()))) == as_text


def test_a_day_with_purchases_by_click_but_no_clicks_has_no_rate(admin_client, ingest):
    merchant = clickable_merchant()
    with time_machine.travel(day_at(1), tick=True):
        made = click(UserFactory(), merchant)
    ingest("40.00", user_id=None, click_id=made.id, merchant_id=merchant.id)
    rows = admin_client.get(URL).json()["results"]
    assert [(r["clicks"], r["click_purchases"], r["conversion_rate"]) for r in rows] == [(1, 0, "0.0000"), (0, 1, None)]


def test_one_merchants_days(admin_client, click_activity):
    made = click_activity(seed=6, days=2)
    wanted = made["merchants"][0]
    params = {"merchant_id": str(wanted.id)}
    rows = admin_client.get(URL, params).json()["results"]
    assert rows and {r["merchant_id"] for r in rows} == {str(wanted.id)}
    assert sum(r["clicks"] for r in rows) == Click.objects.filter(merchant=wanted).count()
    bad = admin_client.get(URL, {"merchant_id": "not-a-uuid", "format": "csv"})
    assert (bad.status_code, bad["Content-Type"].split(";")[0]) == (400, "application/json")


def test_an_empty_csv_still_has_its_header(admin_client):
    response = admin_client.get(URL, {"format": "csv"})
    assert response.content.decode().splitlines() == [
        "date,merchant_id,merchant_name,clicks,click_purchases,conversion_rate"
    ]


def users_in_one_slice(count: int) -> list:
    users: dict[int, list] = {}
    while True:
        made = UserFactory()
        users.setdefault(slice_of(made.id), []).append(made)
        for same in users.values():
            if len(same) == count:
                return same


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
@pytest.mark.parametrize("attempt", range(3))
def test_concurrent_clicks_on_one_merchant_row_are_all_counted(attempt):
    """Clicks of users of one slice at one merchant on one day update the same row at once."""
    merchant = clickable_merchant()
    users = users_in_one_slice(4)
    results = run_at_once([lambda who=who: click(who, merchant) for who in users])
    assert all(isinstance(r, Click) for r in results), results
    assert list(MerchantDayClicks.objects.values_list("slice", "clicks")) == [(slice_of(users[0].id), 4)]
    assert rollup_discrepancy_lines() == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_clicks_and_purchases_by_click_at_once_are_all_counted(ingest):
    """Clicks at a merchant while purchases by click there are booked: each counted once, no deadlock."""
    merchant = clickable_merchant()
    clicked = [click(UserFactory(), merchant) for _ in range(3)]
    tasks = [lambda who=UserFactory(): click(who, merchant) for _ in range(3)]
    tasks += [
        lambda made=made: ingest("25.00", user_id=None, click_id=made.id, merchant_id=merchant.id) for made in clicked
    ]
    results = run_at_once(tasks)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sum(MerchantDayClicks.objects.values_list("clicks", flat=True)) == 6
    assert MerchantDailyFigures.objects.get(merchant_id=merchant.id).click_purchases == 3
    assert rollup_discrepancy_lines() == []


def waiting_on_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_click_waits_only_for_uncommitted_clicks_of_its_own_slice():
    """While a click's transaction is open, a click at the same merchant by a user of another slice
    goes through; one by a user of the same slice waits for it (the row it adds to is held)."""
    offer = OfferFactory(merchant=MerchantFactory(tracking_url=TRACKING))
    holder, same = users_in_one_slice(2)
    other = next(u for u in iter(UserFactory, None) if slice_of(u.id) != slice_of(holder.id))
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                ClickFactory(user=holder, offer=offer)
                held.set()
                release.wait(30)
        finally:
            connection.close()

    def same_slice() -> None:
        try:
            click(same, offer.merchant)
        finally:
            connection.close()

    holding, waiting = threading.Thread(target=hold), threading.Thread(target=same_slice)
    holding.start()
    try:
        assert held.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '10s'")  # a wait here fails the test instead of hanging it
        click(other, offer.merchant)
        waiting.start()
        deadline = time.monotonic() + 30
        while not waiting_on_a_lock() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert waiting_on_a_lock() == 1 and waiting.is_alive()
    finally:
        release.set()
        holding.join(30)
        waiting.join(30)
    assert sorted(MerchantDayClicks.objects.values_list("slice", "clicks")) == sorted(
        [(slice_of(holder.id), 2), (slice_of(other.id), 1)]
    )
