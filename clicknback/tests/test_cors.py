"""CORS: no other origin by default; the configured ones may call the API (not the admin)."""

from __future__ import annotations

import pytest
from django.test import override_settings

import clicknback.settings as production_settings

pytestmark = pytest.mark.django_db

APP = "https://app.example.com"


def test_no_origin_is_allowed_by_default(api_client):
    assert production_settings.CORS_ALLOWED_ORIGINS == []
    response = api_client.get("/api/v1/loyalty/tiers", HTTP_ORIGIN=APP)
    assert response.status_code == 200 and "Access-Control-Allow-Origin" not in response


@override_settings(CORS_ALLOWED_ORIGINS=[APP])
def test_a_configured_origin_may_call_the_api(api_client):
    response = api_client.get("/api/v1/loyalty/tiers", HTTP_ORIGIN=APP)
    assert response["Access-Control-Allow-Origin"] == APP
    assert "Access-Control-Allow-Credentials" not in response  # bearer tokens, never cookies
    assert "Access-Control-Allow-Origin" not in api_client.get(
        "/api/v1/loyalty/tiers", HTTP_ORIGIN="https://evil.example"
    )


@override_settings(CORS_ALLOWED_ORIGINS=[APP])
def test_a_preflight_is_answered_with_the_api_headers(api_client):
    response = api_client.options(
        "/api/v1/payouts",
        HTTP_ORIGIN=APP,
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type, idempotency-key",
    )
    assert response.status_code == 200 and response["Access-Control-Allow-Origin"] == APP
    assert "idempotency-key" in response["Access-Control-Allow-Headers"]
    assert "POST" in response["Access-Control-Allow-Methods"]


@override_settings(CORS_ALLOWED_ORIGINS=[APP])
def test_the_admin_is_never_cross_origin(client):
    assert "Access-Control-Allow-Origin" not in client.get("/admin/login/", HTTP_ORIGIN=APP)
