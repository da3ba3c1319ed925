"""Operations: health, metrics, the schema and its UI, the back-office."""

from __future__ import annotations

import pytest
import yaml

from tests.acceptance.conftest import API

pytestmark = pytest.mark.django_db

CONTRACT_OPERATIONS = {
    "/auth/register": ["post"],
    "/auth/login": ["post"],
    "/auth/refresh": ["post"],
    "/auth/logout": ["post"],
    "/auth/password/change": ["post"],
    "/auth/password/reset": ["post"],
    "/auth/password/reset/confirm": ["post"],
    "/me": ["get"],
    "/partners": ["get", "post"],
    "/merchants": ["get", "post"],
    "/merchants/{merchant_id}": ["get", "patch"],
    "/offers": ["get", "post"],
    "/offers/active": ["get"],
    "/offers/{offer_id}": ["get", "patch"],
    "/webhooks/purchases": ["post"],
    "/webhooks/purchases/batch": ["post"],
    "/purchases": ["get"],
    "/purchases/{purchase_id}": ["get"],
    "/purchases/{purchase_id}/confirm": ["post"],
    "/purchases/{purchase_id}/reverse": ["post"],
    "/wallet": ["get"],
    "/wallet/transactions": ["get"],
    "/payouts": ["get", "post"],
    "/payouts/{payout_id}": ["get"],
    "/payouts/{payout_id}/complete": ["post"],
    "/payouts/{payout_id}/fail": ["post"],
    "/loyalty/tiers": ["get", "post"],
    "/loyalty/tiers/{tier_id}": ["patch"],
    "/loyalty/status": ["get"],
    "/rewards": ["get"],
    "/rewards/history": ["get"],
    "/rewards/redeem": ["post"],
    "/campaigns": ["get", "post"],
    "/campaigns/{campaign_id}": ["get", "patch"],
    "/campaigns/{campaign_id}/enroll": ["post"],
    "/cashback/calculate": ["post"],
    "/notifications": ["get"],
    "/notifications/read-all": ["post"],
    "/notifications/{notification_id}/read": ["post"],
    "/me/chain-address": ["delete", "get", "patch", "put"],
    "/me/chain-address/challenge": ["post"],
    "/wallet/token": ["get"],
    # api-v1-rewards.md
    "/merchants/{merchant_id}/click": ["post"],
    "/clicks": ["get"],
    "/claims": ["get", "post"],
    "/claims/{claim_id}": ["get"],
    "/claims/{claim_id}/approve": ["post"],
    "/claims/{claim_id}/reject": ["post"],
    "/analytics/summary": ["get"],
    "/analytics/daily": ["get"],
    "/analytics/merchants": ["get"],
    "/analytics/campaigns": ["get"],
    "/analytics/tiers": ["get"],
}
# Served beyond the contract, which names no path for them: issue 20's click figures per merchant and day.
BEYOND_THE_CONTRACT = {"/analytics/clicks": ["get"]}


def test_health_live_is_200_ok(api_client):
    response = api_client.get("/health/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_health_ready_is_200_with_the_database_check(api_client):
    response = api_client.get("/health/ready")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["checks"]["database"] == "ok"


def test_metrics_is_prometheus_text_with_request_and_business_counters(api_client, report_purchase):
    report_purchase()
    response = api_client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "clicknback_http_requests_total" in text
    assert "clicknback_http_request_duration_seconds_bucket" in text
    assert "clicknback_purchases_ingested_total" in text
    assert "clicknback_cashback_amount_total" in text
    assert "clicknback_payouts" in text


def test_api_schema_is_the_openapi_3_document_of_everything(api_client):
    response = api_client.get("/api/schema")
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    documented = {path: sorted(operations) for path, operations in document["paths"].items()}
    served = CONTRACT_OPERATIONS | BEYOND_THE_CONTRACT
    assert documented == {f"{API}{path}": operations for path, operations in served.items()} | {
        "/health/live": ["get"],
        "/health/ready": ["get"],
        "/metrics": ["get"],
    }
    as_yaml = api_client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert yaml.safe_load(as_yaml.content) == document


def test_api_docs_is_swagger_ui_served_without_internet(api_client):
    response = api_client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert "cdn." not in html and "unpkg" not in html


def test_the_back_office_is_at_admin(api_client):
    response = api_client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
