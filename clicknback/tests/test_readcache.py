"""The read cache of the public tiers and the offer catalogue: hits after the first read, invalidated
when a write commits (not before, not by a rolled-back write), counted on /metrics; balances never cached."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.test import override_settings
from prometheus_client import REGISTRY

from clicknback.actors import Actor
from clicknback.readcache import OFFER_CATALOGUE, TIERS
from loyalty.models import Tier
from loyalty.services import tier_update
from merchants.services import merchant_update
from offers.services import offer_update
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db


def lookups(cache: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("clicknback_read_cache_total", {"cache": cache, "outcome": outcome}) or 0


def test_tiers_are_read_once_then_served_from_the_cache(api_client, django_assert_num_queries):
    hits, misses = lookups(TIERS, "hit"), lookups(TIERS, "miss")
    assert api_client.get("/api/v1/loyalty/tiers").status_code == 200
    with django_assert_num_queries(0):
        response = api_client.get("/api/v1/loyalty/tiers")
    assert [t["name"] for t in response.json()] == ["Bronze", "Silver", "Gold", "Platinum"]
    assert (lookups(TIERS, "hit") - hits, lookups(TIERS, "miss") - misses) == (1, 1)


def test_a_tier_change_is_seen_once_it_commits(api_client, django_capture_on_commit_callbacks):
    api_client.get("/api/v1/loyalty/tiers")
    silver = Tier.objects.get(name="Silver")
    with django_capture_on_commit_callbacks(execute=True):
        tier_update(tier_id=silver.id, data={"upgrade_bonus_points": 300})
    silver_row = next(t for t in api_client.get("/api/v1/loyalty/tiers").json() if t["name"] == "Silver")
    assert silver_row["upgrade_bonus_points"] == 300


def test_a_rolled_back_write_invalidates_nothing(api_client, django_capture_on_commit_callbacks):
    api_client.get("/api/v1/loyalty/tiers")
    misses = lookups(TIERS, "miss")
    silver = Tier.objects.get(name="Silver")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        tier_update(tier_id=silver.id, data={"upgrade_bonus_points": 1})
        raise RuntimeError("refused later in the transaction")
    api_client.get("/api/v1/loyalty/tiers")
    assert lookups(TIERS, "miss") == misses


def test_the_offer_catalogue_follows_offer_and_merchant_writes(user_client, offer, admin_user,
                                                             django_capture_on_commit_callbacks):  # fmt: skip
    actor = Actor.for_user(admin_user)
    assert user_client.get("/api/v1/offers/active").json()["count"] == 1
    hits = lookups(OFFER_CATALOGUE, "hit")
    assert user_client.get("/api/v1/offers/active").json()["count"] == 1
    assert lookups(OFFER_CATALOGUE, "hit") == hits + 1
    with django_capture_on_commit_callbacks(execute=True):
        merchant_update(merchant=offer.merchant, actor=actor, status="inactive")
    assert user_client.get("/api/v1/offers/active").json()["count"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        merchant_update(merchant=offer.merchant, actor=actor, status="active")
        offer_update(offer=offer, actor=actor, status="inactive")
    assert user_client.get("/api/v1/offers/active").json()["count"] == 0


def test_lookups_are_on_the_metrics_page(client, api_client):
    api_client.get("/api/v1/loyalty/tiers")
    body = client.get("/metrics").content.decode()
    assert 'clicknback_read_cache_total{cache="tiers",outcome="miss"}' in body


def test_a_balance_is_never_served_stale(user_client, user):
    assert user_client.get("/api/v1/wallet").json()["available_balance"] == "0.00"
    fund_wallet(user, Decimal("12.00"))
    assert user_client.get("/api/v1/wallet").json()["available_balance"] == "12.00"


@override_settings(READ_CACHE_SECONDS=0)
def test_the_cache_can_be_turned_off(api_client):
    misses = lookups(TIERS, "miss")
    api_client.get("/api/v1/loyalty/tiers")
    api_client.get("/api/v1/loyalty/tiers")
    assert lookups(TIERS, "miss") == misses
