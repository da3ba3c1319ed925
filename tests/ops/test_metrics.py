"""/metrics: Prometheus text, protected, and adding up across gunicorn workers."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
from django.db import OperationalError
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from clicknback.errors import unexpected_error
from clicknback.testing import error_code
from clicknback.testing_server import running_server
from offers.tests.factories import OfferFactory
from tests.ops.helpers import json_lines, request, worker_held_busy


def sample(text: str, name: str, labels: dict[str, str]) -> float | None:
    for family in text_string_to_metric_families(text):
        for item in family.samples:
            if item.name == name and all(item.labels.get(key) == value for key, value in labels.items()):
                return item.value
    return None


@pytest.mark.django_db
def test_metrics_answer_prometheus_text_to_an_allowed_address(api_client):
    api_client.get("/health/live")

    response = api_client.get("/metrics")  # the test client comes from 127.0.0.1

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    labels = {"method": "GET", "route": "/health/live", "status": "200"}
    assert sample(text, "clicknback_http_requests_total", labels) >= 1
    assert sample(text, "clicknback_http_request_duration_seconds_count", labels) >= 1
    assert sample(text, "clicknback_fraud_review_queue_size", {}) == 0


@pytest.mark.django_db
def test_metrics_refuse_other_addresses_in_the_envelope(api_client):
    response = api_client.get("/metrics", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 403
    assert error_code(response) == "PERMISSION_DENIED"


@pytest.mark.django_db
def test_metrics_token_opens_them_from_anywhere_and_a_wrong_one_does_not(api_client, settings):
    settings.METRICS_TOKEN = "scrape-token-0123456789"
    outside = {"REMOTE_ADDR": "203.0.113.9"}

    assert api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-0123456789", **outside).status_code == 200
    assert api_client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 403
    assert api_client.get("/metrics", **outside).status_code == 403


@pytest.mark.django_db
def test_metrics_allowlist_takes_networks(api_client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]

    assert api_client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert api_client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 403


def test_a_lost_database_is_counted():
    before = REGISTRY.get_sample_value("clicknback_db_connection_errors_total")

    status, _, _ = unexpected_error(OperationalError("connection refused"))

    assert status == 503
    assert REGISTRY.get_sample_value("clicknback_db_connection_errors_total") == before + 1


@pytest.mark.django_db(transaction=True)
def test_counts_add_up_across_two_gunicorn_workers():
    labels = {"method": "GET", "route": "/health/live", "status": "200"}
    with running_server(workers=2, env={"LOG_FORMAT": "json"}) as server:
        baseline = sample(request(server.url + "/metrics")[2].decode(), "clicknback_http_requests_total", labels)
        # One worker is pinned on a half-sent request, so the three others go to the other worker.
        with worker_held_busy(server.url, "/health/live") as held:
            for _ in range(3):
                assert request(server.url + "/health/live")[0] == 200
        assert held.status == 200

        # Each worker answers one scrape: both report the total of both.
        with worker_held_busy(server.url, "/metrics") as held_scrape:
            status, _, body = request(server.url + "/metrics")
        assert status == held_scrape.status == 200
        for text in (body.decode(), held_scrape.body.decode()):
            assert sample(text, "clicknback_http_requests_total", labels) == baseline + 4  # baseline: startup probes
            assert sample(text, "clicknback_http_request_duration_seconds_count", labels) == baseline + 4

        output = server.output()
        served_by = Counter(line["pid"] for line in json_lines(output) if line.get("route") == "/health/live")
    assert len(served_by) == 2, served_by
    assert sum(served_by.values()) == baseline + 4
    booted = [
        line for line in json_lines(output) if line["logger"] == "gunicorn.error" and "Booting" in line["message"]
    ]
    assert len(booted) == 2  # gunicorn's own lines are JSON too
    assert not [line for line in json_lines(output) if line["logger"] == "gunicorn.access"]  # the app logs requests


@pytest.mark.django_db
def test_purchases_cashback_payouts_and_the_review_queue_are_measured(
    api_client, signed_post, user, user_client, admin_client, django_capture_on_commit_callbacks
):
    merchant = OfferFactory(cashback_value=Decimal("10.00")).merchant
    by_merchant = {"merchant_id": str(merchant.id), "code": ""}

    def value(name: str, labels: dict[str, str]) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = {
        "accepted": value("clicknback_purchases_ingested_total", {**by_merchant, "outcome": "accepted"}),
        "flagged": value("clicknback_purchases_ingested_total", {**by_merchant, "outcome": "flagged"}),
        "pending": value("clicknback_cashback_amount_total", {"state": "pending"}),
        "available": value("clicknback_cashback_amount_total", {"state": "available"}),
        "payouts": value("clicknback_payouts_total", {"state": "requested"}),
    }
    body = {"event": "purchase.created", "user_id": str(user.id), "merchant_id": str(merchant.id), "currency": "EUR"}

    with django_capture_on_commit_callbacks(execute=True):
        normal = signed_post("/api/v1/webhooks/purchases", {**body, "external_id": "m-1", "amount": "150.00"})
        flagged = signed_post("/api/v1/webhooks/purchases", {**body, "external_id": "m-2", "amount": "1000.00"})
        confirmed = admin_client.post(f"/api/v1/purchases/{normal.json()['id']}/confirm")
        payout = user_client.post(
            "/api/v1/payouts", {"amount": "10.00", "method": "paypal", "destination": "j@example.com"}, format="json"
        )

    assert (normal.status_code, flagged.status_code, confirmed.status_code, payout.status_code) == (201, 201, 200, 201)
    assert (
        value("clicknback_purchases_ingested_total", {**by_merchant, "outcome": "accepted"}) == before["accepted"] + 1
    )
    assert value("clicknback_purchases_ingested_total", {**by_merchant, "outcome": "flagged"}) == before["flagged"] + 1
    assert value("clicknback_cashback_amount_total", {"state": "pending"}) == before["pending"] + 15.0 + 100.0
    assert value("clicknback_cashback_amount_total", {"state": "available"}) == before["available"] + 15.0
    assert value("clicknback_payouts_total", {"state": "requested"}) == before["payouts"] + 1
    # The system's totals, read from the database whichever process made the change.
    text = api_client.get("/metrics").content.decode()
    assert sample(text, "clicknback_fraud_review_queue_size", {}) == 1
    assert sample(text, "clicknback_cashback_held", {"state": "pending"}) == 100.0
    assert sample(text, "clicknback_cashback_held", {"state": "available"}) == 15.0
    assert sample(text, "clicknback_payouts_by_status", {"status": "requested"}) == 1
    assert sample(text, "clicknback_payout_amount_by_status", {"status": "requested"}) == 10.0


def rejected_counts() -> dict[str, float]:
    """`clicknback_purchases_ingested_total{outcome="rejected"}` by code."""
    return {
        sample.labels["code"]: sample.value
        for family in REGISTRY.collect()
        if family.name == "clicknback_purchases_ingested"
        for sample in family.samples
        if sample.name.endswith("_total") and sample.labels["outcome"] == "rejected"
    }


@pytest.mark.django_db
def test_every_refused_webhook_counts_as_rejected_by_its_code(signed_post, user, settings):
    """Refusals move `outcome="rejected"`, labelled by the error code; failed authentication and rate
    limits are not reports and are not counted."""
    merchant = OfferFactory().merchant
    body = {"event": "purchase.created", "user_id": str(user.id), "merchant_id": str(merchant.id), "currency": "EUR"}
    unknown_user = "00000000-0000-0000-0000-000000000001"
    settings.MAX_PURCHASE_AMOUNT = "1000.00"
    webhook = "/api/v1/webhooks/purchases"
    before = Counter(rejected_counts())

    responses = [
        signed_post(webhook, {**body, "external_id": "r-1", "amount": "10.00"}),
        signed_post(webhook, {**body, "external_id": "r-1", "amount": "10.00"}),
        signed_post(webhook, {**body, "external_id": "r-2", "amount": "10.00", "user_id": unknown_user}),
        signed_post(webhook, {**body, "external_id": "r-3", "amount": "1000.01"}),
        signed_post(webhook, {**body, "external_id": "r-4", "amount": "-1"}),
        signed_post(webhook, {**body, "external_id": "r-5", "amount": "10.00", "purchased_at": "0001-01-01T00:30:00Z"}),
        signed_post(webhook, {"event": "purchase.confirmed", "external_id": "never-reported"}),
    ]

    assert [r.status_code for r in responses] == [201, 409, 422, 422, 400, 400, 404]
    assert Counter(rejected_counts()) - before == {
        "DUPLICATE_PURCHASE": 1,
        "USER_NOT_ELIGIBLE": 1,
        "AMOUNT_TOO_LARGE": 1,
        "VALIDATION_ERROR": 2,
        "NOT_FOUND": 1,
    }
    counted = rejected_counts()
    settings.WEBHOOK_RATE_LIMIT = "1/m"
    valid = {**body, "amount": "10.00"}
    statuses = [
        signed_post(webhook, {**valid, "external_id": "r-6"}, timestamp=1).status_code,
        *(signed_post(webhook, {**valid, "external_id": f"r-{n}"}).status_code for n in (7, 8)),
    ]
    assert statuses[0] == 401 and statuses[-1] == 429
    assert rejected_counts() == counted
