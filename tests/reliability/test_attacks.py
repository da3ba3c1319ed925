"""Attacks: what a hostile user, partner or bystander tries, and what they get.

Another user's resources are invisible (404, or the 403 every user gets for a staff action,
whether or not the id exists); forged tokens are refused; replayed or tampered webhook deliveries
are refused and store nothing; oversized bodies are 413; a hostile X-Request-ID is never echoed;
SQL and HTML are stored and returned literally; passwords, tokens and partner secrets never reach
responses or logs; login brute force runs into 429.
"""

from __future__ import annotations

import io
import json
import logging
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import jwt
import pytest
from django.conf import settings
from django.db import connection
from rest_framework.test import APIClient

from accounts.authentication import signature_header
from accounts.tests.factories import PartnerFactory, UserFactory
from accounts.tokens import ClickNBackRefreshToken
from clicknback.actors import Actor
from clicknback.request_context import SAFE_REQUEST_ID
from clicknback.testing import bearer_client, error_code, production_log_capture
from merchants.models import Merchant
from offers.tests.factories import OfferFactory
from payouts.services import payout_request
from purchases.models import Purchase
from purchases.services import purchase_ingest
from tests.reliability.conftest import RUN_FIGURES
from wallets.tests.helpers import fund_wallet

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

WEBHOOK = "/api/v1/webhooks/purchases"
IBAN = "DE89370400440532013000"
HOSTILE_TEXT = [
    "Robert'); DROP TABLE merchants_merchant;--",
    "' OR '1'='1",
    '<script>alert("x")</script>',
    "<img src=x onerror=alert(1)>&amp;",
]


def signed(
    partner, payload: dict, *, timestamp: int | None = None, secret: str | None = None, body: bytes | None = None
):
    raw = json.dumps(payload).encode()
    return APIClient().post(
        WEBHOOK,
        data=body if body is not None else raw,
        content_type="application/json",
        HTTP_X_PARTNER_KEY=partner.key,
        HTTP_X_SIGNATURE=signature_header(secret or partner.secret, raw, timestamp),
    )


@pytest.fixture
def owned(user, partner):
    """A purchase and a payout that belong to `user`."""
    offer = OfferFactory()
    purchase = purchase_ingest(
        partner=partner,
        external_id="owned-1",
        user_id=user.id,
        merchant_id=offer.merchant_id,
        amount=Decimal("80.00"),
        currency="EUR",
        actor=Actor.for_partner(partner),
    )
    fund_wallet(user, Decimal("50.00"))
    payout = payout_request(user=user, amount=Decimal("20.00"), method="bank_transfer", destination=IBAN)
    return {"purchase": purchase, "payout_id": payout.id, "offer": offer}


# --- another user's resources -----------------------------------------------------------------


def test_another_users_resources_are_invisible_and_untouchable(owned, user, other_client):
    purchase, payout_id = owned["purchase"], owned["payout_id"]
    unknown = uuid.uuid4()
    attempts = 0
    for path in (f"/api/v1/purchases/{purchase.id}", f"/api/v1/payouts/{payout_id}"):
        response, baseline = (
            other_client.get(path),
            other_client.get(path.replace(str(path.split("/")[-1]), str(unknown))),
        )
        assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")
        assert response.json() == baseline.json()  # existence is not leaked
        attempts += 1
    writes = [
        (f"/api/v1/purchases/{purchase.id}/confirm", {}),
        (f"/api/v1/purchases/{purchase.id}/reverse", {"reason": "mine now"}),
        (f"/api/v1/payouts/{payout_id}/complete", {}),
        (f"/api/v1/payouts/{payout_id}/fail", {"reason": "mine now"}),
    ]
    for path, body in writes:
        response = other_client.post(path, body, format="json")
        baseline = other_client.post(
            path.replace(str(purchase.id), str(unknown)).replace(str(payout_id), str(unknown)), body, format="json"
        )
        assert (response.status_code, error_code(response)) == (403, "PERMISSION_DENIED")
        assert response.json() == baseline.json()
        attempts += 1
    # Lists, filters and the wallet never show someone else's rows, whatever the query string says.
    for path in (
        f"/api/v1/purchases?user_id={user.id}",
        f"/api/v1/payouts?user_id={user.id}",
        "/api/v1/wallet/transactions",
    ):
        assert other_client.get(path).json()["count"] == 0
        attempts += 1
    assert other_client.get("/api/v1/wallet").json()["available_balance"] == "0.00"
    # Nothing changed.
    purchase.refresh_from_db()
    assert purchase.status == "pending"
    RUN_FIGURES["attacks: cross-user attempts refused"] += attempts + 1


def test_an_idempotency_key_is_per_user_never_a_replay_of_anothers_payout(owned, user, other_user):
    owner = bearer_client(user)
    body = {"amount": "10.00", "method": "paypal", "destination": "me@example.com"}
    first = owner.post("/api/v1/payouts", body, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert first.status_code == 201
    stolen = bearer_client(other_user).post("/api/v1/payouts", body, format="json", HTTP_IDEMPOTENCY_KEY="shared-key")
    assert (stolen.status_code, error_code(stolen)) == (409, "INSUFFICIENT_BALANCE")  # evaluated as their own
    assert first.json()["id"] not in stolen.content.decode()


def test_a_partner_cannot_settle_another_partners_purchase(owned):
    intruder = PartnerFactory()
    for event in ("purchase.confirmed", "purchase.reversed"):
        response = signed(intruder, {"event": event, "external_id": "owned-1"})
        assert (response.status_code, error_code(response)) == (404, "NOT_FOUND")
    owned["purchase"].refresh_from_db()
    assert owned["purchase"].status == "pending"


# --- forged tokens ----------------------------------------------------------------------------


def _claims(user) -> dict:
    return dict(ClickNBackRefreshToken.for_user(user).access_token.payload)


def test_forged_tokens_are_refused(user, admin_user):
    claims = _claims(user)
    escalated = {**claims, "role": "admin", "user_id": str(admin_user.id)}
    forged = {
        "alg none": jwt.encode(escalated, key=None, algorithm="none"),
        "wrong key": jwt.encode(escalated, "not-the-secret-key-but-long-enough-123456", algorithm="HS256"),
        "expired": jwt.encode(
            {**claims, "exp": int(time.time()) - 60},
            settings.SIMPLE_JWT.get("SIGNING_KEY", settings.SECRET_KEY),
            algorithm="HS256",
        ),
        "refresh as access": str(ClickNBackRefreshToken.for_user(user)),
        "garbage": "a.b.c",
        "header only": jwt.encode(claims, key=None, algorithm="none").split(".")[0] + "..",
    }
    for name, token in forged.items():
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        for path in ("/api/v1/me", "/api/v1/partners"):
            response = client.get(path)
            assert (response.status_code, error_code(response)) == (401, "TOKEN_INVALID"), (name, response.content)
    RUN_FIGURES["attacks: forged tokens refused"] += len(forged) * 2


def test_a_deactivated_users_valid_token_is_refused(user):
    client = bearer_client(user)
    assert client.get("/api/v1/me").status_code == 200
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get("/api/v1/me")
    assert (response.status_code, error_code(response)) == (401, "TOKEN_INVALID")


# --- webhook signatures -----------------------------------------------------------------------


def test_replayed_tampered_and_foreign_signatures_are_refused_and_store_nothing(partner, user):
    offer = OfferFactory()
    payload = {
        "event": "purchase.created",
        "external_id": "sig-1",
        "user_id": str(user.id),
        "merchant_id": str(offer.merchant_id),
        "amount": "10.00",
        "currency": "EUR",
    }
    tolerance = settings.WEBHOOK_SIGNATURE_TOLERANCE_SECONDS
    tampered = json.dumps({**payload, "amount": "9999.00"}).encode()
    attempts = {
        "replayed too late": signed(partner, payload, timestamp=int(time.time()) - tolerance - 5),
        "from the future": signed(partner, payload, timestamp=int(time.time()) + tolerance + 5),
        "tampered body": signed(partner, payload, body=tampered),
        "another partner's secret": signed(partner, payload, secret=PartnerFactory().secret),
        "whitespace added": signed(partner, payload, body=json.dumps(payload).encode() + b" "),
    }
    for name, response in attempts.items():
        assert (response.status_code, error_code(response)) == (401, "INVALID_SIGNATURE"), name
    assert not Purchase.objects.exists()
    # The genuine delivery still works, once; replaying it inside the window is a duplicate, not a second reward.
    assert signed(partner, payload).status_code == 201
    replay = signed(partner, payload)
    assert (replay.status_code, error_code(replay)) == (409, "DUPLICATE_PURCHASE")
    assert Purchase.objects.count() == 1
    RUN_FIGURES["attacks: bad webhook signatures refused"] += len(attempts) + 1


# --- oversized bodies, hostile request ids ------------------------------------------------------


def test_oversized_bodies_are_413(partner, admin_client):
    big = {"event": "purchase.created", "external_id": "x" * (settings.WEBHOOK_MAX_BODY_BYTES + 1)}
    response = signed(partner, big)
    assert (response.status_code, error_code(response)) == (413, "PAYLOAD_TOO_LARGE")
    response = admin_client.post(
        "/api/v1/merchants", {"name": "n" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)}, format="json"
    )
    assert (response.status_code, error_code(response)) == (413, "PAYLOAD_TOO_LARGE")
    assert not Merchant.objects.exists()


@pytest.mark.parametrize(
    "hostile",
    ["abc\r\nSet-Cookie: session=stolen", "<script>alert(1)</script>", "x" * 500, "id with spaces", "ünïcode", "a;b=c"],
)
def test_a_hostile_request_id_is_never_echoed(api_client, hostile):
    response = api_client.get("/health/live", HTTP_X_REQUEST_ID=hostile)
    echoed = response["X-Request-ID"]
    assert echoed != hostile and SAFE_REQUEST_ID.fullmatch(echoed)
    assert api_client.get("/health/live", HTTP_X_REQUEST_ID="trace-42.a:b")["X-Request-ID"] == "trace-42.a:b"


# --- SQL and HTML are data --------------------------------------------------------------------


@pytest.mark.parametrize("text", HOSTILE_TEXT)
def test_sql_and_html_in_every_text_field_are_stored_and_returned_literally(text, admin_client, partner, user):
    website = "https://shop.example.com/?q=" + text.replace(" ", "")  # a URL has no spaces, the rest stays
    merchant = admin_client.post("/api/v1/merchants", {"name": text, "website": website}, format="json")
    assert merchant.status_code == 201, merchant.content
    assert (merchant.json()["name"], merchant.json()["website"]) == (text, website)
    merchant_id = merchant.json()["id"]
    assert admin_client.get(f"/api/v1/merchants/{merchant_id}").json()["name"] == text
    assert Merchant.objects.get(pk=merchant_id).name == text
    assert admin_client.get("/api/v1/merchants", {"search": text}).json()["count"] == 1

    created_partner = admin_client.post("/api/v1/partners", {"name": text}, format="json")
    assert created_partner.json()["name"] == text

    OfferFactory(merchant=Merchant.objects.get(pk=merchant_id))
    event = {
        "event": "purchase.created",
        "external_id": text,
        "user_id": str(user.id),
        "merchant_id": merchant_id,
        "amount": "150.00",
        "currency": "EUR",
    }
    assert signed(partner, event).json()["external_id"] == text
    reversed_ = signed(partner, {"event": "purchase.reversed", "external_id": text, "reason": text})
    assert reversed_.status_code == 200
    assert Purchase.objects.get(external_id=text).reversal_reason == text

    fund_wallet(user, Decimal("30.00"))
    payout = bearer_client(user).post(
        "/api/v1/payouts", {"amount": "10.00", "method": "paypal", "destination": "me@example.com"}, format="json"
    )
    failed = admin_client.post(f"/api/v1/payouts/{payout.json()['id']}/fail", {"reason": text}, format="json")
    assert failed.json()["failure_reason"] == text
    # Every table is still there and intact.
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM merchants_merchant")
        assert cursor.fetchone()[0] == 1
    RUN_FIGURES["attacks: hostile strings stored literally"] += 6


# --- secrets stay secret ------------------------------------------------------------------------


@pytest.fixture
def production_log() -> Iterator[io.StringIO]:
    """Every log line as production writes it (LOG_FORMAT=json, with its filters), at DEBUG."""
    with production_log_capture(logging.DEBUG) as stream:
        yield stream


def test_passwords_tokens_and_secrets_never_reach_responses_or_logs(production_log, admin_client, caplog):
    caplog.set_level(logging.DEBUG)
    password = "correct horse battery staple 9"
    client = APIClient()
    registered = client.post(
        "/api/v1/auth/register", {"email": "secret@example.com", "password": password}, format="json"
    )
    login = client.post("/api/v1/auth/login", {"email": "secret@example.com", "password": password}, format="json")
    tokens = login.json()
    refreshed = client.post("/api/v1/auth/refresh", {"refresh": tokens["refresh"]}, format="json")
    client.post("/api/v1/auth/login", {"email": "secret@example.com", "password": password + "x"}, format="json")
    authed = APIClient()
    authed.credentials(HTTP_AUTHORIZATION=f"Bearer {refreshed.json()['access']}")
    me = authed.get("/api/v1/me")

    created = admin_client.post("/api/v1/partners", {"name": "Leaky"}, format="json").json()
    partners = admin_client.get("/api/v1/partners")
    partner = PartnerFactory()
    signed(partner, {"event": "purchase.confirmed", "external_id": "nope"})
    user = UserFactory()
    fund_wallet(user, Decimal("50.00"))
    payout = bearer_client(user).post(
        "/api/v1/payouts", {"amount": "10.00", "method": "bank_transfer", "destination": IBAN}, format="json"
    )

    secrets = [
        password,
        tokens["access"],
        tokens["refresh"],
        refreshed.json()["refresh"],
        created["secret"],
        partner.secret,
        IBAN,
    ]
    logs = production_log.getvalue() + caplog.text
    assert logs.strip(), "nothing was logged: the check would be vacuous"
    for secret in secrets:
        assert secret not in logs
    for response in (registered, me, partners, payout):
        for secret in secrets:
            assert secret not in response.content.decode()
    assert "password" not in json.dumps(me.json()) and "secret" not in json.dumps(partners.json())
    RUN_FIGURES["attacks: secrets checked absent from responses and logs"] += len(secrets)


# --- brute force --------------------------------------------------------------------------------


def test_login_brute_force_hits_429_even_for_the_right_password(api_client):
    UserFactory(email="target@example.com", password="the right password 1")
    limit = int(settings.LOGIN_RATE_LIMIT.split("/")[0])
    statuses = [
        api_client.post(
            "/api/v1/auth/login", {"email": "target@example.com", "password": f"guess {n}"}, format="json"
        ).status_code
        for n in range(limit + 5)
    ]
    assert statuses[:limit] == [401] * limit and set(statuses[limit:]) == {429}
    response = api_client.post(
        "/api/v1/auth/login", {"email": "target@example.com", "password": "the right password 1"}, format="json"
    )
    assert (response.status_code, error_code(response)) == (429, "RATE_LIMITED")
    assert int(response["Retry-After"]) > 0
    # Spraying many emails from one address is limited too (per client IP).
    sprayed = [
        api_client.post(
            "/api/v1/auth/login", {"email": f"victim{n}@example.com", "password": "guess"}, format="json"
        ).status_code
        for n in range(limit + 2)
    ]
    assert 429 in sprayed
    RUN_FIGURES["attacks: login attempts until 429"] += len(statuses) + len(sprayed) + 1


def test_access_token_lifetime_is_short():
    assert settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"] <= timedelta(minutes=15)
