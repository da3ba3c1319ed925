"""Analytics (admin), api-v1-rewards.md: the figures over HTTP, JSON and CSV, ranges validated."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from tests.acceptance.conftest import API, code, today

pytestmark = pytest.mark.django_db


def test_a_reported_purchase_and_its_confirmation_are_in_todays_figures(admin_client, purchase, user_client):
    admin_client.post(f"{API}/purchases/{purchase['id']}/confirm")
    day = admin_client.get(f"{API}/analytics/daily").json()["results"][-1]
    assert day["date"] == today().isoformat()
    assert (day["purchases"], day["amount"], day["cashback_booked"]) == (1, "100.00", purchase["cashback_amount"])
    assert day["cashback_confirmed"] == purchase["cashback_amount"] and day["points_earned"] == 100
    summary = admin_client.get(f"{API}/analytics/summary").json()
    assert summary["purchases"] == {"count": 1, "amount": "100.00"}
    assert summary["points"]["outstanding"] == 100 and summary["users"]["active"] == 1
    merchants = admin_client.get(f"{API}/analytics/merchants").json()["results"]
    assert [(m["merchant_id"], m["purchases"]) for m in merchants] == [(purchase["merchant_id"], 1)]
    assert user_client.get(f"{API}/analytics/summary").status_code == 403


def test_days_without_activity_are_zeros_and_csv_matches_json(admin_client, purchase):
    params = {"from": (today() - timedelta(days=3)).isoformat(), "to": today().isoformat()}
    results = admin_client.get(f"{API}/analytics/daily", params).json()["results"]
    assert [r["purchases"] for r in results] == [0, 0, 0, 1]
    response = admin_client.get(f"{API}/analytics/daily", {**params, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert rows == [{k: str(v) for k, v in r.items()} for r in results]


@pytest.mark.parametrize(
    "params", [{"from": "2026-01-02", "to": "2026-01-01"}, {"from": "2024-01-01", "to": "2025-01-01"}]
)
def test_a_reversed_or_too_long_range_is_400(admin_client, params):
    response = admin_client.get(f"{API}/analytics/summary", params)
    assert (response.status_code, code(response)) == (400, "VALIDATION_ERROR")


def test_users_per_tier_now(admin_client, user):
    rows = admin_client.get(f"{API}/analytics/tiers").json()["results"]
    assert [r["tier"] for r in rows] == ["Bronze", "Silver", "Gold", "Platinum"] and rows[0]["users"] >= 1
