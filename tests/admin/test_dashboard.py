"""The dashboard (admin index): totals, queue sizes and charts in a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from backoffice.dashboard import dashboard_data, dashboard_days
from clicknback.actors import Actor
from clicknback.charts import Series, bar_chart, nice_ceiling
from offers.tests.factories import OfferFactory
from payouts.models import Payout
from payouts.services import payout_complete
from purchases.models import Purchase
from purchases.services import purchase_confirm, purchase_reverse
from tests.admin.conftest import AdminClient, staff_member

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")
STAFF = Actor.job("test")


@pytest.fixture
def activity(ingest, user, make_payout):
    """Three purchases today (one confirmed, one reversed, one flagged), one a week ago, payouts."""
    confirmed, reversed_, flagged = ingest("100.00"), ingest("200.00"), ingest("1500.00")
    old = ingest("50.00")
    Purchase.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=7))
    purchase_confirm(purchase_id=confirmed.id, actor=STAFF)
    purchase_reverse(purchase_id=reversed_.id, reason="returned", actor=STAFF)
    requested = make_payout(UserFactory(), "30.00")
    completed = make_payout(UserFactory(), "40.00")
    Payout.objects.filter(pk=completed.pk).update(created_at=timezone.now() - timedelta(days=2))
    payout_complete(payout_id=completed.id, actor=STAFF)
    return {"confirmed": confirmed, "reversed": reversed_, "flagged": flagged, "requested": requested}


def test_dashboard_data_is_seven_queries(activity, django_assert_num_queries):
    with django_assert_num_queries(7):
        dashboard_data()


def test_totals_and_queue_sizes(activity):
    board = dashboard_data()
    # cashback 10 %: 10.00 confirmed, 150.00 + 5.00 pending; payouts funded 70.00, 30.00 still requested.
    assert (board.pending, board.available, board.paid) == (Decimal("155.00"), Decimal("10.00"), Decimal("70.00"))
    assert (board.flagged_purchases, board.requested_payouts) == (1, 1)
    assert board.requested_payouts_amount == Decimal("30.00")


def test_purchases_per_day_by_status(activity):
    chart = dashboard_data().purchases_chart
    values = {s.label: s.values for s in chart.series}
    assert (values["confirmed"][-1], values["reversed"][-1], values["pending"][-1]) == (1, 1, 1)
    assert values["pending"][-8] == 1  # the purchase received a week ago
    assert sum(map(sum, values.values())) == 4


def test_cashback_issued_vs_reversed_per_day(activity):
    today = timezone.now().date()
    values = {s.label: s.values for s in dashboard_data(today=today).cashback_chart.series}
    # Issued today: 185.00 for the four purchases (the old one's entry is dated today too); the
    # 70.00 the payout fixture credited is an adjustment, not cashback.
    assert values["issued"][-1] == Decimal("185.00") and values["reversed"][-1] == Decimal("20.00")
    shifted = {s.label: s.values for s in dashboard_data(today=today + timedelta(days=1)).cashback_chart.series}
    assert shifted["issued"][-2:] == [Decimal("185.00"), Decimal("0.00")]


def test_payouts_requested_vs_completed_count_on_their_own_days(activity):
    values = {s.label: s.values for s in dashboard_data().payouts_chart.series}
    assert values["requested"][-3] == 1 and values["requested"][-1] == 1  # the completed one, the waiting one
    assert values["completed"][-1] == 1 and values["completed"][-3] == 0  # completed today


def test_top_merchants_by_cashback_exclude_reversals(activity, ingest):
    other = OfferFactory(merchant__name="Zebra Store").merchant
    ingest("3000.00", merchant_id=other.id)
    top = dashboard_data().top_merchants
    assert (top[0].name, top[0].cashback) == ("Zebra Store", Decimal("300.00"))
    assert top[1].cashback == Decimal("165.00") and top[1].purchases == 3  # 10 + 150 + 5, reversal left out


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
    assert html.count("<svg viewBox") == 3 and "<rect" in html
    assert 'id="queue-flagged">Fraud review queue<div class="bo-value">10<' in html
    assert "Purchases per day, by status" in html and "Top merchants by cashback" in html


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
