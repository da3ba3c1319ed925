"""Offers: admin writes, any signed-in account reads; the rules on terms and overlaps."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import override_settings

from tests.acceptance.conftest import API, code, fields, today
from tests.contract import OFFER_FIELDS

pytestmark = pytest.mark.django_db


def days(n: int) -> str:
    return str(today() + timedelta(days=n))


@pytest.fixture
def post_offer(admin_client, make_merchant):
    merchant = make_merchant()

    def post(**body):
        payload = {
            "merchant_id": merchant["id"],
            "cashback_type": "percent",
            "cashback_value": "10.00",
            "starts_on": days(0),
            "ends_on": days(30),
            **body,
        }
        return admin_client.post(f"{API}/offers", payload, format="json")

    return post


def test_create_answers_201_active_with_every_field_and_null_limits(post_offer):
    response = post_offer()
    assert response.status_code == 201
    body = response.json()
    assert set(body) == OFFER_FIELDS
    assert body["status"] == "active" and body["cashback_value"] == "10.00"
    assert body["monthly_cap_per_user"] is None
    assert body["min_purchase_amount"] is None
    assert body["max_cashback_per_purchase"] is None
    assert body["merchant_name"].startswith("Shop")


def test_only_admins_write_offers(user_client, offer):
    assert user_client.post(f"{API}/offers", {}, format="json").status_code == 403
    assert user_client.patch(f"{API}/offers/{offer['id']}", {"status": "inactive"}, format="json").status_code == 403


@pytest.mark.parametrize("value", ["0", "0.00", "-1", "20.01", "12.345"])
def test_percent_is_above_0_and_at_most_max_cashback_percent_with_two_decimals(post_offer, value):
    response = post_offer(cashback_value=value)
    assert response.status_code == 400 and "cashback_value" in fields(response)


def test_percent_may_be_exactly_the_maximum(post_offer):
    assert post_offer(cashback_value="20.00").status_code == 201


@pytest.mark.parametrize("maximum", [Decimal("30.00"), "30.00", 30])
def test_max_cashback_percent_is_a_setting(post_offer, maximum):
    with override_settings(MAX_CASHBACK_PERCENT=maximum):
        assert post_offer(cashback_value="30.01").status_code == 400
        assert post_offer(cashback_value="30.00").status_code == 201


def test_fixed_is_a_money_amount_above_zero(post_offer):
    assert post_offer(cashback_type="fixed", cashback_value="0").status_code == 400
    assert post_offer(cashback_type="fixed", cashback_value="250.00").json()["cashback_value"] == "250.00"


def test_ends_on_must_not_be_before_starts_on(post_offer):
    response = post_offer(starts_on=days(5), ends_on=days(4))
    assert response.status_code == 400 and "ends_on" in fields(response)
    assert post_offer(starts_on=days(5), ends_on=days(5)).status_code == 201


@pytest.mark.parametrize("field", ["monthly_cap_per_user", "max_cashback_per_purchase"])
def test_caps_are_above_zero_when_given(post_offer, field):
    response = post_offer(**{field: "0.00"})
    assert response.status_code == 400 and field in fields(response)


def test_min_purchase_amount_is_zero_or_more(post_offer):
    assert post_offer(min_purchase_amount="-1.00").status_code == 400
    assert post_offer(min_purchase_amount="0.00").json()["min_purchase_amount"] == "0.00"


def test_unknown_merchant_id_is_400_on_merchant_id(post_offer):
    response = post_offer(merchant_id="00000000-0000-0000-0000-000000000000")
    assert response.status_code == 400 and "merchant_id" in fields(response)


def test_inactive_merchant_is_422_merchant_inactive(admin_client, make_merchant, post_offer):
    merchant = make_merchant()
    admin_client.patch(f"{API}/merchants/{merchant['id']}", {"status": "inactive"}, format="json")
    response = post_offer(merchant_id=merchant["id"])
    assert response.status_code == 422 and code(response) == "MERCHANT_INACTIVE"


def test_overlapping_active_offer_is_409_offer_overlap_with_the_other_offer_id(post_offer):
    first = post_offer(starts_on=days(0), ends_on=days(10)).json()
    response = post_offer(starts_on=days(10), ends_on=days(20))
    assert response.status_code == 409 and code(response) == "OFFER_OVERLAP"
    assert response.json()["error"]["details"]["offer_id"] == first["id"]
    assert post_offer(starts_on=days(11), ends_on=days(20)).status_code == 201


def test_reactivating_or_extending_into_an_overlap_is_409(admin_client, post_offer):
    first = post_offer(starts_on=days(0), ends_on=days(10)).json()
    admin_client.patch(f"{API}/offers/{first['id']}", {"status": "inactive"}, format="json")
    second = post_offer(starts_on=days(5), ends_on=days(20)).json()
    response = admin_client.patch(f"{API}/offers/{first['id']}", {"status": "active"}, format="json")
    assert response.status_code == 409 and response.json()["error"]["details"]["offer_id"] == second["id"]
    third = post_offer(starts_on=days(21), ends_on=days(25)).json()
    response = admin_client.patch(f"{API}/offers/{second['id']}", {"ends_on": days(22)}, format="json")
    assert response.status_code == 409 and response.json()["error"]["details"]["offer_id"] == third["id"]


def test_patch_changes_status_ends_on_and_limits(admin_client, offer):
    changes = {
        "status": "inactive",
        "ends_on": days(90),
        "monthly_cap_per_user": "50.00",
        "min_purchase_amount": "5.00",
        "max_cashback_per_purchase": "20.00",
    }
    body = admin_client.patch(f"{API}/offers/{offer['id']}", changes, format="json").json()
    assert {key: body[key] for key in changes} == changes


def test_filters_merchant_id_and_active_on(user_client, make_offer, make_merchant):
    a = make_offer(starts_on=days(0), ends_on=days(5))
    b = make_offer(starts_on=days(10), ends_on=days(15))
    ids = lambda query: [o["id"] for o in user_client.get(f"{API}/offers?{query}").json()["results"]]  # noqa: E731
    assert ids(f"merchant_id={a['merchant_id']}") == [a["id"]]
    assert ids(f"active_on={days(12)}") == [b["id"]]
    assert ids(f"active_on={days(5)}") == [a["id"]]
    assert user_client.get(f"{API}/offers?active_on=tomorrow").status_code == 400


def test_users_see_only_active_offers_of_active_merchants_admins_filter_status(user_client, admin_client, make_offer):
    live, stopped, closed = make_offer(), make_offer(), make_offer()
    admin_client.patch(f"{API}/offers/{stopped['id']}", {"status": "inactive"}, format="json")
    admin_client.patch(f"{API}/merchants/{closed['merchant_id']}", {"status": "inactive"}, format="json")
    assert [o["id"] for o in user_client.get(f"{API}/offers").json()["results"]] == [live["id"]]
    assert [o["id"] for o in user_client.get(f"{API}/offers?status=inactive").json()["results"]] == [live["id"]]
    assert admin_client.get(f"{API}/offers").json()["count"] == 3
    assert [o["id"] for o in admin_client.get(f"{API}/offers?status=inactive").json()["results"]] == [stopped["id"]]
    for hidden in (stopped, closed):
        response = user_client.get(f"{API}/offers/{hidden['id']}")
        assert response.status_code == 404 and code(response) == "NOT_FOUND"
        assert admin_client.get(f"{API}/offers/{hidden['id']}").status_code == 200


def test_active_lists_offers_valid_today_whose_offer_and_merchant_are_active(user_client, admin_client, make_offer):
    today_offer = make_offer(starts_on=days(0), ends_on=days(0))
    make_offer(starts_on=days(1), ends_on=days(9))
    make_offer(starts_on=days(-9), ends_on=days(-1))
    stopped = make_offer()
    admin_client.patch(f"{API}/offers/{stopped['id']}", {"status": "inactive"}, format="json")
    closed = make_offer()
    admin_client.patch(f"{API}/merchants/{closed['merchant_id']}", {"status": "inactive"}, format="json")
    assert [o["id"] for o in user_client.get(f"{API}/offers/active").json()["results"]] == [today_offer["id"]]
    assert [o["id"] for o in admin_client.get(f"{API}/offers/active").json()["results"]] == [today_offer["id"]]
