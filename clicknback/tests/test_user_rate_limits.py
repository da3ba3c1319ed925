"""Per-user API rate limits: reads and writes counted apart per user, 429 past them, staff exempt,
the webhook and the login keeping their own limits."""

from __future__ import annotations

import pytest
from django.test import override_settings

import clicknback.settings as production_settings
from clicknback.testing import error_code

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("limits")]


@pytest.fixture
def limits():
    with override_settings(USER_READ_RATE_LIMIT="3/m", USER_WRITE_RATE_LIMIT="2/m"):
        yield


def test_the_defaults_are_100_reads_and_30_writes_a_minute():
    assert (production_settings.USER_READ_RATE_LIMIT, production_settings.USER_WRITE_RATE_LIMIT) == ("100/m", "30/m")


def test_reads_past_the_limit_are_429_per_user(user_client, other_client):
    statuses = [user_client.get("/api/v1/wallet").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = user_client.get("/api/v1/wallet")
    assert error_code(refused) == "RATE_LIMITED" and int(refused["Retry-After"]) >= 1
    assert other_client.get("/api/v1/wallet").status_code == 200  # another user's own count


def test_writes_are_counted_apart_from_reads(user_client):
    statuses = [user_client.post("/api/v1/notifications/read-all").status_code for _ in range(3)]
    assert statuses == [204, 204, 429]
    assert user_client.get("/api/v1/wallet").status_code == 200


def test_staff_are_exempt(admin_client):
    assert {admin_client.get("/api/v1/purchases").status_code for _ in range(6)} == {200}


def test_the_webhook_keeps_its_own_limit(signed_post, user, merchant):
    statuses = {
        signed_post(
            "/api/v1/webhooks/purchases",
            {"event": "purchase.created", "external_id": f"rl-{n}", "user_id": str(user.id),
             "merchant_id": str(merchant.id), "amount": "10.00", "currency": "EUR"},
        ).status_code
        for n in range(4)
    }  # fmt: skip
    assert statuses == {201}


def test_anonymous_calls_are_not_counted_as_a_user(api_client):
    assert {api_client.get("/api/v1/loyalty/tiers").status_code for _ in range(5)} == {200}
