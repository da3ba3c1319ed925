"""`/api/v1/analytics/*`: admin only, JSON and CSV agreeing, zero-filled days, validated ranges."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group

from accounts.tests.factories import UserFactory
from analytics.serializers import DaySerializer
from clicknback.testing import bearer_client, error_code

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics"


def today():
    return datetime.now(UTC).date()


def rows_of(response) -> list[dict[str, str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def as_text(value) -> str:
    return "" if value is None else str(value)


@pytest.mark.parametrize("path", ["summary", "daily", "merchants", "campaigns", "clicks", "tiers"])
def test_admin_only(api_client, user_client, path):
    assert api_client.get(f"{URL}/{path}").status_code == 401
    response = user_client.get(f"{URL}/{path}")
    assert (response.status_code, error_code(response)) == (403, "PERMISSION_DENIED")


def test_finance_staff_may_read_them():
    finance = UserFactory(is_staff=True)
    finance.groups.set(Group.objects.filter(name="finance"))
    assert bearer_client(finance).get(f"{URL}/summary").status_code == 200


def test_daily_is_zero_filled_in_ascending_order(admin_client, activity):
    activity(seed=7, days=3)
    first = today() - timedelta(days=9)
    body = admin_client.get(f"{URL}/daily", {"from": first.isoformat(), "to": today().isoformat()}).json()
    days = [row["date"] for row in body["results"]]
    assert days == [(first + timedelta(days=n)).isoformat() for n in range(10)]
    quiet = body["results"][0]
    assert quiet == {
        "date": first.isoformat(), "purchases": 0, "amount": "0.00", "cashback_booked": "0.00",
        "cashback_confirmed": "0.00", "payouts_completed": "0.00", "points_earned": 0, "points_redeemed": 0,
    }  # fmt: skip
    assert sum(row["purchases"] for row in body["results"]) > 0


def test_a_day_has_the_declared_fields_in_their_order(admin_client, activity):
    """`DaySerializer` builds its rows by hand (speed): they keep its declared fields, which the
    schema and the CSV header show."""
    activity(seed=9, days=2)
    row = admin_client.get(f"{URL}/daily").json()["results"][-1]
    assert list(row) == list(DaySerializer().fields)


def test_the_default_range_is_the_last_30_days(admin_client):
    days = [row["date"] for row in admin_client.get(f"{URL}/daily").json()["results"]]
    assert (days[0], days[-1], len(days)) == ((today() - timedelta(days=29)).isoformat(), today().isoformat(), 30)


@pytest.mark.parametrize("path", ["summary", "daily", "merchants", "campaigns", "tiers"])
def test_csv_and_json_agree(admin_client, activity, path):
    activity(seed=8, days=4)
    params = {"from": (today() - timedelta(days=6)).isoformat(), "to": today().isoformat()}
    body = admin_client.get(f"{URL}/{path}", params).json()
    rows = rows_of(admin_client.get(f"{URL}/{path}", {**params, "format": "csv"}))
    if "results" in body:
        assert rows == [{k: as_text(v) for k, v in item.items()} for item in body["results"]]
    else:
        flat = {f"{group}.{key}": as_text(v) for group, figures in body.items() for key, v in figures.items()}
        assert rows == [flat]


def test_an_empty_csv_list_still_has_its_header(admin_client):
    response = admin_client.get(f"{URL}/merchants", {"format": "csv"})
    assert response.content.decode().splitlines() == ["merchant_id,merchant_name,purchases,amount,cashback"]


def test_summary_figures(admin_client, activity):
    activity(seed=9, days=3)
    body = admin_client.get(f"{URL}/summary").json()
    assert set(body) == {"purchases", "cashback", "payouts", "points", "users"}
    assert set(body["points"]) == {"earned", "redeemed", "expired", "outstanding"}
    assert body["purchases"]["count"] > 0 and body["users"]["active"] > 0


def test_merchants_by_amount_with_a_limit(admin_client, activity):
    activity(seed=10, days=3)
    rows = admin_client.get(f"{URL}/merchants").json()["results"]
    assert len(rows) == 2
    assert [float(r["amount"]) for r in rows] == sorted((float(r["amount"]) for r in rows), reverse=True)
    assert len(admin_client.get(f"{URL}/merchants", {"limit": 1}).json()["results"]) == 1


def test_tiers_count_every_user(admin_client, user):
    rows = admin_client.get(f"{URL}/tiers").json()["results"]
    assert [r["tier"] for r in rows] == ["Bronze", "Silver", "Gold", "Platinum"]
    assert rows[0]["users"] >= 2  # the user and the admin, in the entry tier


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-03-02", "to": "2026-03-01"},
        {"from": "2025-01-01", "to": "2026-01-02"},  # 367 days
        {"from": "yesterday"},
        {"to": "1999-12-31"},
    ],
)
@pytest.mark.parametrize("path", ["summary", "daily", "merchants", "clicks"])
def test_a_bad_range_is_400_in_the_envelope_even_for_csv(admin_client, params, path):
    for extra in ({}, {"format": "csv"}):
        response = admin_client.get(f"{URL}/{path}", {**params, **extra})
        assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")
        assert response["Content-Type"].startswith("application/json")


def test_366_days_are_allowed(admin_client):
    response = admin_client.get(f"{URL}/daily", {"from": "2024-01-01", "to": "2024-12-31"})
    assert response.status_code == 200 and len(response.json()["results"]) == 366


def test_a_bad_limit_is_400(admin_client):
    assert admin_client.get(f"{URL}/merchants", {"limit": 101}).status_code == 400


def test_an_unknown_format_is_400(admin_client):
    response = admin_client.get(f"{URL}/summary", {"format": "xml"})
    assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")


def test_campaigns_figures_count_the_bonuses_booked_in_the_range_and_not_reversed(admin_client, ingest, offer):
    from campaigns.tests.factories import make_campaign
    from clicknback.actors import Actor
    from purchases.services import purchase_reverse

    now = datetime.now(UTC)
    boost = make_campaign(name="Boost", kind="bonus_fixed", value="2.00", budget="100.00")
    quiet = make_campaign(name="Quiet", value="0.50", starts_at=now - timedelta(days=3))  # smaller: Boost wins
    make_campaign(name="Long over", starts_at=now - timedelta(days=90), ends_at=now - timedelta(days=60))
    first, second = ingest("50.00"), ingest("60.00")
    third = ingest("70.00", user_id=UserFactory().id)
    purchase_reverse(purchase_id=second.id, reason="returned", actor=Actor.job("tests"))
    body = admin_client.get(f"{URL}/campaigns").json()
    by_name = {row["name"]: row for row in body["results"]}
    assert set(by_name) == {"Boost", "Quiet"}  # "Long over" ended before the range
    assert by_name["Boost"] == {
        "campaign_id": str(boost.id), "name": "Boost", "status": "active", "budget": "100.00",
        "budget_spent": "4.00", "purchases": 2, "users": 2, "bonus_paid": "4.00",
    }  # fmt: skip
    assert by_name["Quiet"]["purchases"] == 0 and by_name["Quiet"]["budget"] is None
    assert str(quiet.id) == by_name["Quiet"]["campaign_id"]
    assert {first.campaign_id, third.campaign_id} == {boost.id}
    rows = rows_of(admin_client.get(f"{URL}/campaigns", {"format": "csv"}))
    assert [{key: as_text(value) for key, value in row.items()} for row in body["results"]] == rows
    older = admin_client.get(
        f"{URL}/campaigns",
        {"from": (today() - timedelta(days=80)).isoformat(), "to": (today() - timedelta(days=61)).isoformat()},
    ).json()
    assert [row["name"] for row in older["results"]] == ["Long over"]
