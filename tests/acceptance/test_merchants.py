"""Merchants: admin writes, any signed-in account reads."""

from __future__ import annotations

import pytest

from tests.acceptance.conftest import API, code, fields

pytestmark = pytest.mark.django_db


def test_create_answers_201_with_the_merchant_and_defaults(admin_client):
    response = admin_client.post(f"{API}/merchants", {"name": "Zalando"}, format="json")
    assert response.status_code == 201
    body = response.json()
    # Admins also see `tracking_url` (api-v1-rewards.md, "Clicks and attribution").
    keys = {"id", "name", "website", "status", "confirmation_days", "category", "created_at", "tracking_url"}
    assert set(body) == keys
    assert (body["name"], body["status"], body["confirmation_days"]) == ("Zalando", "active", 30)
    assert body["category"] is None  # set by staff in the back-office; null until then


def test_create_accepts_website_and_confirmation_days(admin_client):
    body = {"name": "Shop", "website": "https://shop.example.com", "confirmation_days": 0}
    response = admin_client.post(f"{API}/merchants", body, format="json")
    assert response.json()["website"] == "https://shop.example.com"
    assert response.json()["confirmation_days"] == 0


@pytest.mark.parametrize("days", [-1, 366])
def test_confirmation_days_is_0_to_365(admin_client, days):
    response = admin_client.post(f"{API}/merchants", {"name": "Shop", "confirmation_days": days}, format="json")
    assert response.status_code == 400 and "confirmation_days" in fields(response)


def test_a_taken_name_in_any_case_is_409_merchant_name_taken(admin_client, make_merchant):
    make_merchant(name="Zalando")
    response = admin_client.post(f"{API}/merchants", {"name": "ZALANDO"}, format="json")
    assert response.status_code == 409 and code(response) == "MERCHANT_NAME_TAKEN"


def test_only_admins_create_or_patch(user_client, make_merchant):
    merchant = make_merchant()
    assert user_client.post(f"{API}/merchants", {"name": "X"}, format="json").status_code == 403
    assert user_client.patch(f"{API}/merchants/{merchant['id']}", {"name": "X"}, format="json").status_code == 403


def test_list_is_ordered_by_name(user_client, make_merchant):
    for name in ("beta", "Alpha", "gamma"):
        make_merchant(name=name)
    names = [m["name"] for m in user_client.get(f"{API}/merchants").json()["results"]]
    assert names == ["Alpha", "beta", "gamma"]


def test_search_matches_part_of_the_name(user_client, make_merchant):
    make_merchant(name="Zalando")
    make_merchant(name="Amazon")
    names = [m["name"] for m in user_client.get(f"{API}/merchants?search=LAN").json()["results"]]
    assert names == ["Zalando"]


def test_users_see_active_merchants_only_admins_filter_by_status(user_client, admin_client, make_merchant):
    make_merchant(name="Open")
    closed = make_merchant(name="Closed")
    admin_client.patch(f"{API}/merchants/{closed['id']}", {"status": "inactive"}, format="json")
    assert [m["name"] for m in user_client.get(f"{API}/merchants").json()["results"]] == ["Open"]
    assert [m["name"] for m in user_client.get(f"{API}/merchants?status=inactive").json()["results"]] == ["Open"]
    assert [m["name"] for m in admin_client.get(f"{API}/merchants").json()["results"]] == ["Closed", "Open"]
    assert [m["name"] for m in admin_client.get(f"{API}/merchants?status=inactive").json()["results"]] == ["Closed"]


def test_an_inactive_merchant_is_404_to_users(user_client, admin_client, make_merchant):
    merchant = make_merchant()
    assert user_client.get(f"{API}/merchants/{merchant['id']}").json()["id"] == merchant["id"]
    admin_client.patch(f"{API}/merchants/{merchant['id']}", {"status": "inactive"}, format="json")
    response = user_client.get(f"{API}/merchants/{merchant['id']}")
    assert response.status_code == 404 and code(response) == "NOT_FOUND"
    assert admin_client.get(f"{API}/merchants/{merchant['id']}").json()["status"] == "inactive"


def test_patch_changes_any_of_name_website_status_confirmation_days(admin_client, make_merchant):
    merchant = make_merchant()
    changes = {"name": "Renamed", "website": "https://r.example.com", "status": "inactive", "confirmation_days": 7}
    response = admin_client.patch(f"{API}/merchants/{merchant['id']}", changes, format="json")
    assert response.status_code == 200
    assert {key: response.json()[key] for key in changes} == changes


def test_patch_to_a_taken_name_is_409(admin_client, make_merchant):
    make_merchant(name="Taken")
    merchant = make_merchant()
    response = admin_client.patch(f"{API}/merchants/{merchant['id']}", {"name": "taken"}, format="json")
    assert response.status_code == 409 and code(response) == "MERCHANT_NAME_TAKEN"


def test_unknown_merchant_is_404(user_client):
    response = user_client.get(f"{API}/merchants/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and code(response) == "NOT_FOUND"
