"""POST /webhooks/purchases: signed partner events."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.authentication import signature_header
from accounts.tests.factories import PartnerFactory, UserFactory
from clicknback.testing import error_code
from purchases.models import Purchase
from purchases.tests.conftest import WEBHOOK
from tests.contract import PURCHASE_FIELDS
from wallets.models import Wallet, WalletEntry

pytestmark = pytest.mark.django_db


def test_created_answers_201_with_the_purchase(signed_post, created_payload, user, merchant, offer):
    response = signed_post(WEBHOOK, created_payload(external_id="order-1", amount="150.00"))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == PURCHASE_FIELDS
    assert body["external_id"] == "order-1"
    assert (body["user_id"], body["merchant_id"], body["offer_id"]) == (str(user.id), str(merchant.id), str(offer.id))
    assert (body["merchant_name"], body["amount"], body["currency"]) == (merchant.name, "150.00", "EUR")
    assert (body["status"], body["cashback_amount"], body["cashback_status"]) == ("pending", "15.00", "pending")
    assert (body["flagged"], body["flag_reasons"], body["confirmed_at"], body["reversed_at"]) == (False, [], None, None)


def test_ingestion_query_count(signed_post, created_payload, user):
    """9 statements: partner, the partner's rate-limit hit (PostgreSQL without REDIS_URL),
    eligibility (user+merchant+offer in one), wallet lock, cap+velocity sum with the user's loyalty tier,
    the campaigns that may apply (none running: that query is all campaigns cost), purchase insert
    with its audit and outbox rows and the partner health counter (one statement; the counter
    commits with the purchase: accounts.services.webhook_count_statement), wallet update with its
    ledger entry (one statement, wallets.services.wallet_post), the analytics day figures (day,
    merchant day, active user: one statement). (Plus BEGIN/COMMIT, which the test's own
    transaction turns into a SAVEPOINT pair; those are not counted.) Two commits: the rate-limit
    hit's (autocommit) and the ingestion's."""
    signed_post(WEBHOOK, created_payload())  # the wallet exists from now on, as for any returning user
    with CaptureQueriesContext(connection) as queries:
        response = signed_post(WEBHOOK, created_payload())
    assert response.status_code == 201
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == 9, "\n".join(statements)


def test_duplicate_external_id_is_409_with_the_existing_id(signed_post, created_payload, user):
    first = signed_post(WEBHOOK, created_payload(external_id="dup-1"))
    again = signed_post(WEBHOOK, created_payload(external_id="dup-1", amount="999.00"))
    assert again.status_code == 409
    assert error_code(again) == "DUPLICATE_PURCHASE"
    assert again.json()["error"]["details"] == {"purchase_id": first.json()["id"]}
    assert Purchase.objects.count() == 1
    assert WalletEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"user_id": "00000000-0000-0000-0000-000000000001"}, "USER_NOT_ELIGIBLE"),
        ({"merchant_id": "00000000-0000-0000-0000-000000000001"}, "MERCHANT_NOT_ELIGIBLE"),
        ({"purchased_at": "2000-01-01T00:00:00Z"}, "OFFER_NOT_AVAILABLE"),
        ({"currency": "USD"}, "UNSUPPORTED_CURRENCY"),
    ],
)
def test_refusals_are_422_and_store_nothing(signed_post, created_payload, overrides, code):
    response = signed_post(WEBHOOK, created_payload(**overrides))
    assert response.status_code == 422
    assert error_code(response) == code
    assert Purchase.objects.count() == 0 and Wallet.objects.count() == 0


def test_inactive_user_is_not_eligible(signed_post, created_payload):
    response = signed_post(WEBHOOK, created_payload(user_id=str(UserFactory(is_active=False).id)))
    assert error_code(response) == "USER_NOT_ELIGIBLE"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"external_id": ""}, "external_id"),
        ({"external_id": "x" * 129}, "external_id"),
        ({"amount": "0"}, "amount"),
        ({"amount": "10.001"}, "amount"),
        ({"amount": -5}, "amount"),
        ({"user_id": "not-a-uuid"}, "user_id"),
        ({"purchased_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}, "purchased_at"),
        ({"event": "purchase.exploded"}, "event"),
        ({"currency": None}, "currency"),
    ],
)
def test_invalid_bodies_are_400(signed_post, created_payload, overrides, field):
    response = signed_post(WEBHOOK, created_payload(**overrides))
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"
    assert field in response.json()["error"]["details"]["fields"]


def test_created_needs_its_fields(signed_post):
    response = signed_post(WEBHOOK, {"event": "purchase.created", "external_id": "x"})
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]["fields"]) == {"user_id", "merchant_id", "amount", "currency"}


def test_external_id_of_128_chars_is_accepted(signed_post, created_payload):
    assert signed_post(WEBHOOK, created_payload(external_id="x" * 128)).status_code == 201


def test_confirm_and_reverse_events(signed_post, created_payload):
    signed_post(WEBHOOK, created_payload(external_id="o-7"))
    confirmed = signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": "o-7"})
    assert confirmed.status_code == 200
    assert (confirmed.json()["status"], confirmed.json()["cashback_status"]) == ("confirmed", "available")
    again = signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": "o-7"})
    assert again.status_code == 200 and again.json() == confirmed.json()
    reversed_ = signed_post(WEBHOOK, {"event": "purchase.reversed", "external_id": "o-7", "reason": "returned"})
    assert reversed_.status_code == 200 and reversed_.json()["status"] == "reversed"
    refused = signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": "o-7"})
    assert refused.status_code == 409
    assert error_code(refused) == "INVALID_STATE_TRANSITION"
    assert refused.json()["error"]["details"] == {"current_status": "reversed"}


@pytest.mark.parametrize("event", ["purchase.confirmed", "purchase.reversed"])
def test_unknown_external_id_is_404(signed_post, event):
    response = signed_post(WEBHOOK, {"event": event, "external_id": "never-seen"})
    assert response.status_code == 404
    assert error_code(response) == "NOT_FOUND"


def test_another_partners_purchase_is_unknown(signed_post, created_payload):
    signed_post(WEBHOOK, created_payload(external_id="theirs"))
    other = PartnerFactory()
    body = json.dumps({"event": "purchase.reversed", "external_id": "theirs"}).encode()
    response = APIClient().post(
        WEBHOOK,
        data=body,
        content_type="application/json",
        HTTP_X_PARTNER_KEY=other.key,
        HTTP_X_SIGNATURE=signature_header(other.secret, body),
    )
    assert response.status_code == 404
    assert Purchase.objects.get().status == "pending"


def test_flagged_purchase_partner_confirm_stays_pending(signed_post, created_payload):
    signed_post(WEBHOOK, created_payload(external_id="big", amount="5000.00"))
    response = signed_post(WEBHOOK, {"event": "purchase.confirmed", "external_id": "big"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["flagged"]) == ("pending", True)
    assert Purchase.objects.get().settlement_requested is True


# --- authentication, limits -----------------------------------------------------------------


def _post(partner, body: bytes, **headers):
    defaults = {"HTTP_X_PARTNER_KEY": partner.key, "HTTP_X_SIGNATURE": signature_header(partner.secret, body)}
    defaults.update(headers)
    return APIClient().post(WEBHOOK, data=body, content_type="application/json", **defaults)


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_SIGNATURE": "t=1,v1=deadbeef"},
        {"HTTP_X_SIGNATURE": "garbage"},
        {"HTTP_X_PARTNER_KEY": "pk_unknown"},
        {"HTTP_X_PARTNER_KEY": ""},
        {"HTTP_X_SIGNATURE": ""},
    ],
)
def test_signature_failures_are_401(partner, created_payload, headers):
    response = _post(partner, json.dumps(created_payload()).encode(), **headers)
    assert response.status_code == 401
    assert error_code(response) == "INVALID_SIGNATURE"
    assert Purchase.objects.count() == 0


def test_wrong_secret_stale_timestamp_and_inactive_partner_are_401(partner, created_payload):
    body = json.dumps(created_payload()).encode()
    wrong = _post(partner, body, HTTP_X_SIGNATURE=signature_header("not-the-secret", body))
    stale = _post(
        partner, body, HTTP_X_SIGNATURE=signature_header(partner.secret, body, int(datetime.now(UTC).timestamp()) - 301)
    )
    tampered = _post(partner, body + b" ", HTTP_X_SIGNATURE=signature_header(partner.secret, body))
    partner.active = False
    partner.save()
    inactive = _post(partner, body)
    for response in (wrong, stale, tampered, inactive):
        assert response.status_code == 401
        assert error_code(response) == "INVALID_SIGNATURE"


def test_bearer_token_is_not_enough(user_client, created_payload):
    response = user_client.post(WEBHOOK, created_payload(), format="json")
    assert response.status_code == 401


def test_rate_limited_per_partner(signed_post, created_payload, settings):
    settings.WEBHOOK_RATE_LIMIT = "3/m"
    statuses = [signed_post(WEBHOOK, created_payload()).status_code for _ in range(4)]
    assert statuses == [201, 201, 201, 429]
    limited = signed_post(WEBHOOK, created_payload())
    assert error_code(limited) == "RATE_LIMITED" and int(limited["Retry-After"]) >= 1
    other = PartnerFactory()
    body = json.dumps(created_payload()).encode()
    assert _post(other, body).status_code == 201


def test_oversized_body_is_413(signed_post, created_payload):
    response = signed_post(WEBHOOK, created_payload(padding="x" * (64 * 1024)))
    assert response.status_code == 413
    assert error_code(response) == "PAYLOAD_TOO_LARGE"


def test_invalid_json_is_400(partner):
    response = _post(partner, b"{not json")
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"
