"""Clicks and attribution (api-v1-rewards.md): black-box, through HTTP only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.acceptance.conftest import API, WEBHOOK, code
from tests.contract import CLICK_CREATED_FIELDS, CLICK_FIELDS, PURCHASE_FIELDS

pytestmark = pytest.mark.django_db
TRACKING = "https://partner.example.com/track?sub={click_id}"


@pytest.fixture
def shop(make_merchant, make_offer):
    merchant = make_merchant(tracking_url=TRACKING)
    make_offer(merchant)
    return merchant


def click(client, merchant):
    return client.post(f"{API}/merchants/{merchant['id']}/click")


def report(signed_post, merchant, **body):
    payload = {
        "event": "purchase.created",
        "external_id": f"sale-{body.pop('n', 1)}",
        "merchant_id": merchant["id"],
        "amount": "100.00",
        "currency": "EUR",
        **body,
    }
    return signed_post(WEBHOOK, payload)


def test_click_answers_201_with_an_unguessable_id_and_the_redirect(user_client, shop):
    response = click(user_client, shop)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == CLICK_CREATED_FIELDS
    assert len(body["click_id"]) >= 22
    assert body["redirect_url"] == TRACKING.replace("{click_id}", body["click_id"])
    expires = datetime.fromisoformat(body["expires_at"].replace("Z", "+00:00"))
    assert timedelta(days=29, hours=23) < expires - datetime.now(expires.tzinfo) <= timedelta(days=30)


def test_click_without_an_offer_today_is_422_offer_not_available(user_client, make_merchant):
    response = click(user_client, make_merchant(tracking_url=TRACKING))
    assert (response.status_code, code(response)) == (422, "OFFER_NOT_AVAILABLE")


def test_a_sale_reported_by_click_earns_for_the_clicking_user(user_client, user, shop, signed_post):
    click_id = click(user_client, shop).json()["click_id"]
    response = report(signed_post, shop, click_id=click_id)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == PURCHASE_FIELDS
    assert (body["user_id"], body["click_id"], body["cashback_amount"]) == (str(user.id), click_id, "10.00")
    assert user_client.get(f"{API}/wallet").json()["pending_balance"] == "10.00"


def test_the_three_click_errors(user_client, shop, make_merchant, make_offer, signed_post):
    click_id = click(user_client, shop).json()["click_id"]
    assert code(report(signed_post, shop, n=1, click_id="A" * 24)) == "CLICK_NOT_FOUND"
    early = (datetime.now(UTC) - timedelta(minutes=10)).isoformat()
    assert code(report(signed_post, shop, n=2, click_id=click_id, purchased_at=early)) == "CLICK_EXPIRED"
    other = make_merchant()
    make_offer(other)
    assert code(report(signed_post, other, n=3, click_id=click_id)) == "CLICK_MERCHANT_MISMATCH"


def test_user_id_and_click_id_both_or_neither_is_400(user_client, user, shop, signed_post):
    click_id = click(user_client, shop).json()["click_id"]
    assert code(report(signed_post, shop, n=1, click_id=click_id, user_id=str(user.id))) == "VALIDATION_ERROR"
    assert code(report(signed_post, shop, n=2)) == "VALIDATION_ERROR"


def test_get_clicks_shows_only_ones_own(user_client, other_client, admin_client, shop):
    mine = click(user_client, shop).json()["click_id"]
    theirs = click(other_client, shop).json()["click_id"]
    body = user_client.get(f"{API}/clicks").json()
    assert [row["click_id"] for row in body["results"]] == [mine]
    assert set(body["results"][0]) == CLICK_FIELDS
    assert {row["click_id"] for row in admin_client.get(f"{API}/clicks").json()["results"]} == {mine, theirs}


def test_tracking_url_is_https_with_click_id_and_admin_only(admin_client, user_client, make_merchant):
    refused = admin_client.post(f"{API}/merchants", {"name": "X", "tracking_url": "http://x.example/{click_id}"})
    assert code(refused) == "VALIDATION_ERROR"
    merchant = make_merchant(tracking_url=TRACKING)
    assert merchant["tracking_url"] == TRACKING
    assert "tracking_url" not in user_client.get(f"{API}/merchants/{merchant['id']}").json()
