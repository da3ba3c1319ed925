"""The loyalty and rewards endpoints."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.tests.factories import AdminFactory
from clicknback.testing import bearer_client, error_code
from loyalty.models import PointsEntry, TierChange
from loyalty.services import points_redeem
from loyalty.tests.conftest import grant_lot, set_tier, tier
from tests.contract import POINTS_ENTRY_FIELDS, REWARDS_FIELDS, TIER_FIELDS

pytestmark = pytest.mark.django_db
API = "/api/v1"


def test_tiers_are_public_cacheable_and_by_min_spend(api_client):
    response = api_client.get(f"{API}/loyalty/tiers", HTTP_AUTHORIZATION="Bearer stale")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"
    body = response.json()
    assert [(t["name"], t["min_spend"], t["points_multiplier"]) for t in body] == [
        ("Bronze", "0.00", "1.00"),
        ("Silver", "500.00", "1.25"),
        ("Gold", "2000.00", "1.50"),
        ("Platinum", "5000.00", "2.00"),
    ]
    assert set(body[0]) == TIER_FIELDS


def test_tier_management_needs_the_permission_and_keeps_min_spend_rules(admin_client, user_client):
    body = {"name": "Diamond", "min_spend": "10000.00", "points_multiplier": "3.00", "upgrade_bonus_points": 5000}
    assert user_client.post(f"{API}/loyalty/tiers", body).status_code == 403
    staff = AdminFactory(is_superuser=False)
    assert bearer_client(staff).post(f"{API}/loyalty/tiers", body).status_code == 403
    staff.user_permissions.add(Permission.objects.get(codename="add_tier"))
    created = bearer_client(staff).post(f"{API}/loyalty/tiers", body)
    assert created.status_code == 201 and created.json()["points_multiplier"] == "3.00"
    taken = admin_client.post(f"{API}/loyalty/tiers", body | {"name": "Other"})
    assert taken.status_code == 400 and error_code(taken) == "VALIDATION_ERROR"
    bronze = admin_client.get(f"{API}/loyalty/tiers").json()[0]
    moved = admin_client.patch(f"{API}/loyalty/tiers/{bronze['id']}", {"min_spend": "1.00"})
    assert moved.status_code == 400
    renamed = admin_client.patch(f"{API}/loyalty/tiers/{bronze['id']}", {"benefits": ["Birthday bonus"]})
    assert renamed.status_code == 200 and renamed.json()["benefits"] == ["Birthday bonus"]


@pytest.mark.parametrize("lots", [1, 30])
def test_rewards_and_history_have_fixed_query_counts(user, user_client, django_assert_num_queries, lots):
    today = timezone.now().date()
    for day in range(lots):
        grant_lot(user, 100, today + timedelta(days=day % 40))
    bronze, silver = tier("Bronze"), tier("Silver")
    TierChange.objects.bulk_create(  # a tier history as long as the points history
        TierChange(user=user, from_tier=a, to_tier=b, reason="recalculation")
        for a, b in [(bronze, silver), (silver, bronze)] * lots
    )
    with django_assert_num_queries(3):  # auth, account, expiring lots
        rewards = user_client.get(f"{API}/rewards")
    assert set(rewards.json()) == REWARDS_FIELDS
    assert rewards.json()["points_balance"] == 100 * lots
    with django_assert_num_queries(2):  # auth, one page
        history = user_client.get(f"{API}/rewards/history?page_size=5")
    page = history.json()
    assert set(page) == {"next", "previous", "results"}
    assert len(page["results"]) == min(lots, 5) and set(page["results"][0]) == POINTS_ENTRY_FIELDS
    with django_assert_num_queries(4):  # auth, the loyalty row, the tiers, the last changes
        status = user_client.get(f"{API}/loyalty/status")
    assert status.json()["tier"]["name"] == "Bronze"
    assert len(status.json()["history"]) == min(2 * lots, 20)
    assert status.json()["next_tier"] == {"name": "Silver", "min_spend": "500.00", "spend_needed": "500.00"}


def test_history_filters_and_admin_user_id(user, admin_client, user_client):
    grant_lot(user, 800, timezone.now().date() + timedelta(days=3))
    points_redeem(user=user, points=500)
    assert [e["type"] for e in user_client.get(f"{API}/rewards/history").json()["results"]] == ["redeemed", "earned"]
    only = user_client.get(f"{API}/rewards/history?type=earned").json()["results"]
    assert [e["points_delta"] for e in only] == [800]
    tomorrow = (timezone.now().date() + timedelta(days=1)).isoformat()
    assert user_client.get(f"{API}/rewards/history?from={tomorrow}").json()["results"] == []
    assert admin_client.get(f"{API}/rewards?user_id={user.id}").json()["points_balance"] == 300
    assert admin_client.get(f"{API}/rewards").status_code == 400
    set_tier(user, "Silver")
    assert admin_client.get(f"{API}/loyalty/status?user_id={user.id}").json()["tier"]["name"] == "Silver"


def test_redeem_checks_422_before_409_and_replays_with_the_same_key(user, user_client, admin_client):
    grant_lot(user, 700, timezone.now().date() + timedelta(days=3))
    below = user_client.post(f"{API}/rewards/redeem", {"points": 100})
    assert below.status_code == 422 and error_code(below) == "BELOW_MINIMUM_REDEMPTION"
    short = user_client.post(f"{API}/rewards/redeem", {"points": 800})
    assert short.status_code == 409 and error_code(short) == "INSUFFICIENT_POINTS"
    assert short.json()["error"]["details"] == {"points_balance": 700}
    assert user_client.post(f"{API}/rewards/redeem", {"points": "x"}).status_code == 400
    first = user_client.post(f"{API}/rewards/redeem", {"points": 550}, HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201
    assert {k: first.json()[k] for k in ("points", "amount", "currency")} == {
        "points": 550,
        "amount": "5.50",
        "currency": "EUR",
    }
    again = user_client.post(f"{API}/rewards/redeem", {"points": 550}, HTTP_IDEMPOTENCY_KEY="k1")
    assert again.json() == first.json()
    assert PointsEntry.objects.filter(type="redeemed").count() == 1
    assert admin_client.post(f"{API}/rewards/redeem", {"points": 550}).status_code == 403


def test_redeem_is_rate_limited_per_user(user, user_client, settings):
    settings.REDEEM_RATE_LIMIT = "2/m"
    for _ in range(2):
        assert user_client.post(f"{API}/rewards/redeem", {"points": 500}).status_code == 409
    limited = user_client.post(f"{API}/rewards/redeem", {"points": 500})
    assert limited.status_code == 429 and error_code(limited) == "RATE_LIMITED"
