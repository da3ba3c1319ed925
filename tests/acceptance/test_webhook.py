"""The partner webhook: POST /webhooks/purchases."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.authentication import signature_header
from tests.acceptance.conftest import API, WEBHOOK, code, fields
from tests.contract import PURCHASE_FIELDS

pytestmark = pytest.mark.django_db


def raw_post(body: bytes, **headers: str):
    return APIClient().post(WEBHOOK, data=body, content_type="application/json", **headers)


def purchase_count(admin_client) -> int:
    return admin_client.get(f"{API}/purchases").json()["count"]


def test_created_answers_201_with_the_purchase(report_purchase, user, offer):
    response = report_purchase("150.00", external_id="order-1")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == PURCHASE_FIELDS
    assert body["external_id"] == "order-1" and body["user_id"] == str(user.id)
    assert body["merchant_id"] == offer["merchant_id"] and body["offer_id"] == offer["id"]
    assert (body["amount"], body["currency"], body["cashback_amount"]) == ("150.00", "EUR", "15.00")
    assert (body["status"], body["cashback_status"], body["flagged"], body["flag_reasons"]) == (
        "pending",
        "pending",
        False,
        [],
    )
    assert body["confirmed_at"] is None and body["reversed_at"] is None


def test_purchased_at_defaults_to_now(report_purchase):
    before = datetime.now(UTC)
    purchased_at = datetime.fromisoformat(report_purchase().json()["purchased_at"].replace("Z", "+00:00"))
    assert before - timedelta(seconds=5) <= purchased_at <= datetime.now(UTC)


def test_purchased_at_in_the_future_is_400(report_purchase, admin_client):
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    response = report_purchase(purchased_at=future)
    assert response.status_code == 400 and "purchased_at" in fields(response)
    assert purchase_count(admin_client) == 0


def test_purchased_at_in_the_past_is_kept(report_purchase):
    past = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    assert report_purchase(purchased_at=past.isoformat()).json()["purchased_at"] == past.isoformat().replace(
        "+00:00", "Z"
    )


@pytest.mark.parametrize("external_id", ["", "x" * 129])
def test_external_id_is_1_to_128_characters(report_purchase, external_id):
    response = report_purchase(external_id=external_id)
    assert response.status_code == 400 and "external_id" in fields(response)


def test_external_id_of_128_characters_is_accepted(report_purchase):
    assert report_purchase(external_id="x" * 128).status_code == 201


@pytest.mark.parametrize("missing", ["user_id", "merchant_id", "amount", "currency", "external_id"])
def test_created_needs_its_fields(report_purchase, signed_post, user, offer, missing):
    payload = {
        "event": "purchase.created",
        "external_id": "order-x",
        "user_id": str(user.id),
        "merchant_id": offer["merchant_id"],
        "amount": "10.00",
        "currency": "EUR",
    }
    del payload[missing]
    response = signed_post(WEBHOOK, payload)
    assert response.status_code == 400 and missing in fields(response)


def test_unknown_event_is_400(signed_post):
    response = signed_post(WEBHOOK, {"event": "purchase.exploded", "external_id": "x"})
    assert response.status_code == 400 and "event" in fields(response)


def test_a_second_created_with_a_known_external_id_is_409_duplicate_purchase(report_purchase, user_client):
    first = report_purchase(external_id="order-dup").json()
    response = report_purchase(external_id="order-dup")
    assert response.status_code == 409 and code(response) == "DUPLICATE_PURCHASE"
    assert response.json()["error"]["details"]["purchase_id"] == first["id"]
    assert user_client.get(f"{API}/wallet").json()["pending_balance"] == "10.00"


def test_unknown_or_inactive_user_is_422_user_not_eligible(report_purchase, admin_user, admin_client):
    from accounts.tests.factories import UserFactory

    inactive = UserFactory(is_active=False)
    for user_id in ("00000000-0000-0000-0000-000000000000", str(inactive.id)):
        response = report_purchase(user_id=user_id)
        assert response.status_code == 422 and code(response) == "USER_NOT_ELIGIBLE"
    assert purchase_count(admin_client) == 0


def test_unknown_or_inactive_merchant_is_422_merchant_not_eligible(report_purchase, admin_client, offer):
    response = report_purchase(merchant_id="00000000-0000-0000-0000-000000000000")
    assert response.status_code == 422 and code(response) == "MERCHANT_NOT_ELIGIBLE"
    admin_client.patch(f"{API}/merchants/{offer['merchant_id']}", {"status": "inactive"}, format="json")
    response = report_purchase()
    assert response.status_code == 422 and code(response) == "MERCHANT_NOT_ELIGIBLE"
    assert purchase_count(admin_client) == 0


def test_no_active_offer_on_the_purchase_date_is_422_offer_not_available(
    report_purchase, admin_client, offer, make_merchant
):
    long_ago = (datetime.now(UTC) - timedelta(days=365)).isoformat()
    response = report_purchase(purchased_at=long_ago)
    assert response.status_code == 422 and code(response) == "OFFER_NOT_AVAILABLE"
    response = report_purchase(merchant_id=make_merchant()["id"])
    assert response.status_code == 422 and code(response) == "OFFER_NOT_AVAILABLE"
    admin_client.patch(f"{API}/offers/{offer['id']}", {"status": "inactive"}, format="json")
    response = report_purchase()
    assert response.status_code == 422 and code(response) == "OFFER_NOT_AVAILABLE"
    assert purchase_count(admin_client) == 0


def test_another_currency_is_422_unsupported_currency(report_purchase, admin_client):
    response = report_purchase(currency="USD")
    assert response.status_code == 422 and code(response) == "UNSUPPORTED_CURRENCY"
    assert purchase_count(admin_client) == 0


@override_settings(PLATFORM_CURRENCY="GBP")
def test_the_platform_currency_is_a_setting(report_purchase):
    assert code(report_purchase(currency="EUR")) == "UNSUPPORTED_CURRENCY"
    assert report_purchase(currency="GBP").json()["currency"] == "GBP"


def test_confirmed_answers_200_and_moves_the_cashback_to_available(signed_post, purchase, user_client):
    response = signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": purchase["external_id"]})
    assert response.status_code == 200
    assert response.json()["status"] == "confirmed" and response.json()["cashback_status"] == "available"
    assert response.json()["confirmed_at"]
    wallet = user_client.get(f"{API}/wallet").json()
    assert (wallet["pending_balance"], wallet["available_balance"]) == ("0.00", "10.00")


def test_reversed_answers_200_with_optional_reason(signed_post, purchase, user_client):
    body = {"event": "purchase.reversed", "external_id": purchase["external_id"], "reason": "returned"}
    response = signed_post(WEBHOOK, body)
    assert response.status_code == 200
    assert response.json()["status"] == "reversed" and response.json()["cashback_status"] == "reversed"
    assert response.json()["reversed_at"]
    assert user_client.get(f"{API}/wallet").json()["pending_balance"] == "0.00"


def test_confirmed_or_reversed_for_an_unknown_external_id_is_404(signed_post):
    for event in ("purchase.confirmed", "purchase.reversed"):
        response = signed_post(WEBHOOK, {"event": event, "external_id": "never-seen"})
        assert response.status_code == 404 and code(response) == "NOT_FOUND"


def test_repeating_a_transition_answers_200_with_nothing_changed(signed_post, purchase, user_client):
    for event in ("purchase.confirmed", "purchase.reversed"):
        first = signed_post(WEBHOOK, {"event": event, "external_id": purchase["external_id"]})
        again = signed_post(WEBHOOK, {"event": event, "external_id": purchase["external_id"]})
        assert again.status_code == 200 and again.json() == first.json()
    assert user_client.get(f"{API}/wallet/transactions").json()["count"] == 3


def test_confirming_a_reversed_purchase_is_409_invalid_state_transition(signed_post, purchase):
    signed_post(WEBHOOK, {"event": "purchase.reversed", "external_id": purchase["external_id"]})
    response = signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": purchase["external_id"]})
    assert response.status_code == 409 and code(response) == "INVALID_STATE_TRANSITION"
    assert response.json()["error"]["details"]["current_status"] == "reversed"


def test_missing_or_unknown_key_bad_signature_or_stale_timestamp_is_401_invalid_signature(partner):
    body = json.dumps({"event": "purchase.confirmed", "external_id": "x"}).encode()
    now = int(time.time())
    # a minute past the 300-second window on either side: a slow machine must not bring them back inside it
    attempts = [
        {},
        {"HTTP_X_PARTNER_KEY": partner.key},
        {"HTTP_X_PARTNER_KEY": "unknown", "HTTP_X_SIGNATURE": signature_header(partner.secret, body)},
        {"HTTP_X_PARTNER_KEY": partner.key, "HTTP_X_SIGNATURE": signature_header("wrong-secret", body)},
        {"HTTP_X_PARTNER_KEY": partner.key, "HTTP_X_SIGNATURE": signature_header(partner.secret, body, now - 360)},
        {"HTTP_X_PARTNER_KEY": partner.key, "HTTP_X_SIGNATURE": signature_header(partner.secret, body, now + 360)},
        {"HTTP_X_PARTNER_KEY": partner.key, "HTTP_X_SIGNATURE": signature_header(partner.secret, body + b" ")},
    ]
    for headers in attempts:
        response = raw_post(body, **headers)
        assert response.status_code == 401, headers
        assert code(response) == "INVALID_SIGNATURE"


def test_a_signature_within_300_seconds_is_accepted(partner):
    body = json.dumps({"event": "purchase.confirmed", "external_id": "x"}).encode()
    header = signature_header(partner.secret, body, int(time.time()) - 290)
    assert raw_post(body, HTTP_X_PARTNER_KEY=partner.key, HTTP_X_SIGNATURE=header).status_code == 404


def test_an_inactive_partner_is_401_invalid_signature(partner, signed_post):
    partner.active = False
    partner.save()
    response = signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": "x"})
    assert response.status_code == 401 and code(response) == "INVALID_SIGNATURE"


def test_a_bearer_token_does_not_sign_a_webhook(user_client):
    response = user_client.post(WEBHOOK, {"event": "purchase.confirmed", "external_id": "x"}, format="json")
    assert response.status_code == 401 and code(response) == "INVALID_SIGNATURE"


def test_a_body_over_64_kib_is_413(signed_post, partner):
    response = signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": "x", "pad": "x" * 65 * 1024})
    assert response.status_code == 413 and code(response) == "PAYLOAD_TOO_LARGE"


@override_settings(WEBHOOK_RATE_LIMIT="2/m")
def test_the_webhook_is_rate_limited_per_partner_with_429(signed_post):
    for _ in range(2):
        signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": "x"})
    response = signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": "x"})
    assert response.status_code == 429 and code(response) == "RATE_LIMITED"
    assert int(response["Retry-After"]) > 0
