"""Structured logs: one JSON line per request and per financial fact, never a secret."""

from __future__ import annotations

import contextvars
import logging
import uuid
from decimal import Decimal

import pytest
from prometheus_client import REGISTRY

from clicknback.actors import Actor
from clicknback.events import record_event
from clicknback.logging import JsonFormatter, TextFormatter
from clicknback.request_context import bind_request_id
from merchants.tests.factories import MerchantFactory

PASSWORD = "Correct-Horse-9-Battery"


def request_lines(lines):
    return [line for line in lines if line["logger"] == "clicknback.request"]


@pytest.mark.django_db
def test_one_json_line_per_request_with_the_route_pattern_and_caller(json_log, user_client, user):
    merchant = MerchantFactory()

    response = user_client.get(f"/api/v1/merchants/{merchant.id}", HTTP_X_REQUEST_ID="trace-42")

    assert response.status_code == 200
    [line] = request_lines(json_log())
    assert line["request_id"] == "trace-42"
    assert line["level"] == "INFO"
    assert line["time"].endswith("Z")
    assert line["method"] == "GET"
    assert line["route"] == "/api/v1/merchants/<uuid:merchant_id>"  # the pattern, not the raw path
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == str(user.id)
    assert line["client_ip"] == "127.0.0.1"
    assert str(merchant.id) not in json_log.raw()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/no/such/page/123", "/api/v1/no/such/page/123"])
def test_unmatched_paths_share_one_route_label(json_log, api_client, path):
    api_client.get(path)

    [line] = request_lines(json_log())
    assert line["route"] == "<unmatched>"
    assert line["status"] == 404


@pytest.mark.django_db
def test_a_login_never_logs_the_password_or_the_tokens(json_log, api_client, user):
    user.set_password(PASSWORD)
    user.save()

    response = api_client.post(
        "/api/v1/auth/login", {"email": user.email, "password": PASSWORD}, format="json", HTTP_X_REQUEST_ID="login-1"
    )

    assert response.status_code == 200
    raw = json_log.raw()
    assert PASSWORD not in raw
    assert response.json()["access"] not in raw
    assert response.json()["refresh"] not in raw
    [line] = request_lines(json_log())
    assert (line["route"], line["status"], line["request_id"]) == ("/api/v1/auth/login", 200, "login-1")


@pytest.mark.django_db
def test_a_webhook_logs_the_partner_key_but_never_the_signature_or_secret(json_log, signed_post, partner):
    response = signed_post("/api/v1/webhooks/purchases", {"event": "purchase.confirmed", "external_id": "nope"})

    assert response.status_code == 404  # authenticated, then refused: the partner is known
    raw = json_log.raw()
    assert partner.secret not in raw
    assert "v1=" not in raw
    [line] = request_lines(json_log())
    assert line["partner_key"] == partner.key
    assert "user_id" not in line


def test_the_redaction_filter_scrubs_whatever_a_caller_passes(json_log):
    logging.getLogger("clicknback.test").warning(
        "Authorization: Bearer abc.def.ghi password=hunter2 to DE89 3704 0044 0532 0130 00",
        extra={
            "ctx": {
                "password": "hunter2",
                "refresh": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",
                "headers": {"Authorization": "Bearer abc", "X-Signature": "t=1,v1=ff"},
                "iban": "DE89370400440532013000",
                "destination": "GB82WEST12345698765432",
                "partner_secret": "s3",
            }
        },
    )

    raw = json_log.raw()
    for secret in ("hunter2", "abc.def.ghi", "eyJhbGci", "t=1,v1=ff", "370400440532013000", "12345698765432", '"s3"'):
        assert secret not in raw
    [line] = json_log()
    assert line["password"] == line["refresh"] == line["iban"] == line["partner_secret"] == "[REDACTED]"
    assert line["headers"] == {"Authorization": "[REDACTED]", "X-Signature": "[REDACTED]"}
    assert line["destination"] == "GB** **** 5432"
    assert "DE** **** 3000" in line["message"]


@pytest.mark.django_db
def test_a_financial_event_is_one_json_line_after_commit_with_ids_amounts_actor_and_request_id(
    json_log, user, django_capture_on_commit_callbacks
):
    payout_id = uuid.uuid4()
    before = REGISTRY.get_sample_value("clicknback_payout_amount_total", {"state": "requested"}) or 0.0

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record_event(
            "payout.requested",
            payout_id=payout_id,
            user_id=user.id,
            amount=Decimal("25.00"),
            destination="DE89370400440532013000",
            actor=Actor.for_user(user),
        )
    assert json_log() == []  # nothing before the commit

    def commit_during_a_request() -> None:
        bind_request_id("req-payout-1")
        for callback in callbacks:
            callback()

    contextvars.copy_context().run(commit_during_a_request)

    [line] = json_log()
    assert line["event"] == line["message"] == "payout.requested"
    assert line["logger"] == "clicknback.events"
    assert line["request_id"] == "req-payout-1"
    assert (line["payout_id"], line["user_id"], line["amount"]) == (str(payout_id), str(user.id), "25.00")
    assert line["actor"] == f"user:{user.id}"
    assert line["destination"] == "DE** **** 3000"
    after = REGISTRY.get_sample_value("clicknback_payout_amount_total", {"state": "requested"})
    assert after - before == 25.0


def test_text_stays_the_readable_default():
    record = logging.LogRecord("clicknback.request", logging.INFO, __file__, 1, "request", None, None)
    record.request_id = "r-1"
    record.ctx = {"method": "GET", "route": "/health/live", "status": 200}

    text = TextFormatter().format(record)
    line = JsonFormatter().format(record)

    assert text.endswith("INFO clicknback.request [r-1] request method=GET route=/health/live status=200")
    assert line.startswith("{") and '"route": "/health/live"' in line
