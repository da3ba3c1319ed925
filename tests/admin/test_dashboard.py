"""The dashboard (admin index): totals, queue sizes and charts in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from backoffice.dashboard import dashboard_data, dashboard_days
from campaigns.tests.factories import make_campaign
from clicknback.actors import Actor
from clicknback.charts import Series, bar_chart, nice_ceiling
from clicks.services import click_create
from merchants.tests.factories import MerchantFactory
from offers.tests.factories import OfferFactory
from payouts.services import payout_complete
from purchases.services import purchase_confirm, purchase_reverse
from tests.admin.conftest import AdminClient, staff_member

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
STAFF = Actor.job("test")


@pytest.fixture
def activity(ingest, user, make_payout):
    """Three purchases today (one confirmed, one reversed, one flagged), one booked a week ago,
    payouts (one requested two days ago and completed today, one waiting)."""
    with time_machine.travel(timezone.now() - timedelta(days=7), tick=True):
        old = ingest("50.00")
    confirmed, reversed_, flagged = ingest("100.00"), ingest("200.00"), ingest("1500.00")
    purchase_confirm(purchase_id=confirmed.id, actor=STAFF)
    purchase_reverse(purchase_id=reversed_.id, reason="returned", actor=STAFF)
    requested = make_payout(UserFactory(), "30.00")
    with time_machine.travel(timezone.now() - timedelta(days=2), tick=True):
        completed = make_payout(UserFactory(), "40.00")
    payout_complete(payout_id=completed.id, actor=STAFF)
    return {"confirmed": confirmed, "reversed": reversed_, "flagged": flagged, "requested": requested, "old": old}


def test_dashboard_data_is_a_fixed_number_of_queries(activity, django_assert_num_queries):
    # daily figures, clicks per day, points outstanding, wallet totals, payout queue, flagged count,
    # top merchants (figures, names, clicks), users per tier (tiers, loyalty rows, users), campaign
    # bonuses per day, running campaigns
    with django_assert_num_queries(14):
        dashboard_data()


def test_totals_and_queue_sizes(activity):
    board = dashboard_data()
    # cashback 10 %: 10.00 confirmed, 150.00 + 5.00 pending; payouts funded 70.00, 30.00 still requested.
    assert (board.pending, board.available, board.paid) == (Decimal("155.00"), Decimal("10.00"), Decimal("70.00"))
    assert (board.flagged_purchases, board.requested_payouts) == (1, 1)
    assert board.requested_payouts_amount == Decimal("30.00")


def values_of(chart) -> dict[str, list]:
    return {s.label: s.values for s in chart.series}


def test_purchases_booked_per_day(activity):
    booked = values_of(dashboard_data().purchases_chart)["booked"]
    assert (booked[-1], booked[-8], sum(booked)) == (3, 1, 4)


def test_cashback_booked_confirmed_reversed_per_day(activity):
    today = timezone.now().date()
    values = values_of(dashboard_data(last=today).cashback_chart)
    assert (values["booked"][-1], values["booked"][-8]) == (Decimal("180.00"), Decimal("5.00"))
    assert (values["confirmed"][-1], values["reversed"][-1]) == (Decimal("10.00"), Decimal("20.00"))
    shifted = values_of(dashboard_data(last=today + timedelta(days=1)).cashback_chart)
    assert shifted["booked"][-2:] == [Decimal("180.00"), Decimal("0.00")]


def test_payouts_count_on_their_own_days(activity):
    values = values_of(dashboard_data().payouts_chart)
    assert values["requested"][-3] == 1 and values["requested"][-1] == 1  # the completed one, the waiting one
    assert values["completed"][-1] == 1 and values["completed"][-3] == 0  # completed today
    assert sum(values["failed"]) == 0


def test_points_per_day_and_the_outstanding_liability(activity):
    board = dashboard_data()
    assert values_of(board.points_chart)["earned"][-1] == 100  # the confirmed 100.00 purchase, Bronze x1
    assert board.points_outstanding == 100
    assert dashboard_data(last=timezone.now().date() - timedelta(days=1)).points_outstanding == 0


def test_top_merchants_by_cashback_less_reversals(activity, ingest):
    other = OfferFactory(merchant__name="Zebra Store").merchant
    ingest("3000.00", merchant_id=other.id)
    top = dashboard_data().top_merchants
    assert (top[0].merchant_name, top[0].cashback) == ("Zebra Store", Decimal("300.00"))
    assert top[1].cashback == Decimal("165.00") and top[1].purchases == 4  # 10 + 20 + 150 + 5 booked, 20 reversed


def test_clicks_and_the_conversion_rate_per_day_and_per_top_merchant(as_support, ingest, user):
    """Two clicks yesterday and two today at the merchant; one of yesterday's bought today: per day
    (2 clicks, 0 by click; 2 clicks, 1 by click: 50 %), and the merchant's 4 clicks, 1 by click."""
    offer = OfferFactory(merchant=MerchantFactory(tracking_url="https://shop.example.com/go?c={click_id}"))
    merchant = offer.merchant

    def click():
        return click_create(user=user, merchant_id=merchant.id, address="203.0.113.9", user_agent="tests")[0]

    with time_machine.travel(timezone.now() - timedelta(days=1), tick=True):
        bought = click()
        click()
    click(), click()
    ingest("80.00", user_id=None, click_id=bought.id, merchant_id=merchant.id)
    board = dashboard_data()
    values = values_of(board.clicks_chart)
    assert (values["clicks"][-2:], values["purchases by click"][-2:]) == ([2, 2], [0, 1])
    assert values_of(board.conversion_chart)["conversion"][-2:] == [Decimal("0.00"), Decimal("50.00")]
    top = board.top_merchants[0]
    assert (top.merchant_id, top.clicks, top.click_purchases, top.conversion_rate) == (
        merchant.id, 4, 1, Decimal("0.2500")
    )  # fmt: skip
    html = as_support.get(INDEX).content.decode()
    assert "Clicks and purchases by click per day" in html and "Conversion rate per day" in html
    assert "<td>4</td><td>1</td>" in html and "25.00 %" in html


def test_users_per_tier(activity):
    tiers = {row.tier: row.users for row in dashboard_data().tiers}
    assert sum(tiers.values()) == User.objects.count() and tiers["Silver"] == 0


def test_index_page_renders_cards_and_svg_charts_in_fixed_queries(as_support, ingest, make_payout):
    ingest("100.00")
    as_support.get(INDEX)
    with CaptureQueriesContext(connection) as few:
        first = as_support.get(INDEX)
    for _ in range(10):
        ingest("1500.00")
        make_payout(UserFactory())
    with CaptureQueriesContext(connection) as many:
        response = as_support.get(INDEX)
    assert len(many.captured_queries) == len(few.captured_queries)
    html = response.content.decode()
    assert first.status_code == 200
    assert html.count("<svg viewBox") == 7 and "<rect" in html
    assert 'id="queue-flagged">Fraud review queue<div class="bo-value">10<' in html
    assert "Purchases booked per day" in html and "Top merchants by cashback" in html
    assert 'id="points-outstanding"' in html and 'id="tier-users"' in html


def test_the_range_picker_chooses_the_days(as_support, ingest):
    ingest("100.00")
    today = timezone.now().date()
    response = as_support.get(INDEX, data={"from": (today - timedelta(days=6)).isoformat(), "to": today.isoformat()})
    html = response.content.decode()
    assert f"{(today - timedelta(days=6)).isoformat()} to {today.isoformat()}" in html
    assert 'id="dashboard-range-error"' not in html


@pytest.mark.parametrize("params", [{"from": "2026-02-02", "to": "2026-02-01"}, {"from": "2020-01-01"}, {"to": "x"}])
def test_a_refused_range_says_why_and_shows_the_default(as_support, params):
    html = as_support.get(INDEX, data=params).content.decode()
    today = timezone.now().date()
    assert 'id="dashboard-range-error"' in html
    assert f"{(today - timedelta(days=29)).isoformat()} to {today.isoformat()}" in html


def test_staff_without_permissions_see_no_figures(ingest):
    ingest("100.00")
    response = AdminClient(staff_member()).get(INDEX)
    assert response.status_code == 200 and b'id="dashboard"' not in response.content


def test_chart_geometry():
    days = dashboard_days(days=3)
    stacked = bar_chart("t", days, [Series("a", "#000", [1, 0, 4]), Series("b", "#111", [1, 0, 0])], stacked=True)
    assert nice_ceiling(0) == 1 and nice_ceiling(4) == 5 and nice_ceiling(130) == 200
    assert [bar.height for bar in stacked.bars] == [30.0, 30.0, 120.0]  # 150 px for a top of 5
    first_a, first_b = stacked.bars[:2]
    assert first_b.y + first_b.height == first_a.y  # b sits on top of a
    assert [tick.label for tick in stacked.ticks] == ["0", "2.5", "5"]


def test_the_bars_markup_is_one_rect_per_bar_with_its_title_escaped():
    days = dashboard_days(days=2)
    chart = bar_chart("t", days, [Series("<b>&", '"#000"', [Decimal("1.50"), 2])], stacked=False)
    markup = str(chart.bars_svg)
    assert markup.count("<rect ") == len(chart.bars) == 2
    first = chart.bars[0]
    assert markup.startswith(
        f'<rect x="{first.x}" y="{first.y}" width="{first.width}" height="{first.height}" fill="&quot;#000&quot;">'
        f"<title>{days[0].isoformat()} &lt;b&gt;&amp;: 1.50</title></rect>"
    )


def test_campaign_bonuses_per_day_and_the_running_campaigns_budget_left(as_support, ingest, offer):
    started = timezone.now() - timedelta(days=10)
    running = make_campaign(name="Weekend boost", kind="bonus_fixed", value="3.00", budget="50.00", starts_at=started)
    make_campaign(name="Open-ended", value="0.50")  # smaller bonus: the boost wins the purchases
    with time_machine.travel(timezone.now() - timedelta(days=3), tick=True):
        ingest("100.00")
    ingest("100.00")
    reversed_ = ingest("100.00")
    purchase_reverse(purchase_id=reversed_.id, reason="returned", actor=STAFF)
    board = dashboard_data()
    bonuses = values_of(board.campaigns_chart)["bonuses"]
    assert (bonuses[-1], bonuses[-4], sum(bonuses)) == (Decimal("3.00"), Decimal("3.00"), Decimal("6.00"))
    # ending soonest first: the boost was made (and so ends) a moment before the other
    assert [(c.name, left) for c, left in board.running_campaigns] == [
        ("Weekend boost", Decimal("44.00")),
        ("Open-ended", None),
    ]
    html = as_support.get(INDEX).content.decode()
    assert "Campaign bonuses paid per day" in html and 'id="running-campaigns"' in html
    assert "Weekend boost" in html and "€44.00" in html and "no budget" in html
    assert str(running.id) in html  # linked to its admin page
