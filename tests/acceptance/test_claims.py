"""Missing-cashback claims (api-v1-rewards.md): black-box, through HTTP only."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from tests.acceptance.conftest import API, WEBHOOK, code, today
from tests.contract import CLAIM_FIELDS

pytestmark = pytest.mark.django_db
CLAIMS = f"{API}/claims"


def noon(days_ago: int) -> str:
    return datetime.combine(today() - timedelta(days=days_ago), time(12), tzinfo=UTC).isoformat()


@pytest.fixture
def file(user_client, offer):
    def post(client=None, **body):
        payload = {
            "merchant_id": offer["merchant_id"],
            "order_reference": "ORDER-1",
            "amount": "100.00",
            "purchased_at": noon(10),
            **body,
        }
        return (client or user_client).post(CLAIMS, payload, format="json")

    return post


def test_filing_answers_201_with_an_open_claim(file):
    response = file()
    assert response.status_code == 201
    assert set(response.json()) == CLAIM_FIELDS
    assert response.json()["status"] == "open"


@pytest.mark.parametrize(("days", "status"), [(6, 422), (7, 201), (90, 201), (91, 422)])
def test_window_is_min_to_max_age_days_inclusive(file, days, status):
    response = file(purchased_at=noon(days))
    assert response.status_code == status
    if status == 422:
        assert code(response) == "CLAIM_OUT_OF_WINDOW"


def test_an_order_is_claimed_once(file, other_client):
    assert file().status_code == 201
    assert code(file(client=other_client)) == "CLAIM_DUPLICATE"


def test_others_claims_are_404(file, other_client):
    claim = file().json()
    assert other_client.get(f"{CLAIMS}/{claim['id']}").status_code == 404
    assert other_client.get(CLAIMS).json()["count"] == 0


def test_approval_books_the_purchase_and_a_later_report_is_a_duplicate(file, admin_client, signed_post, user, offer):
    claim = file().json()
    approved = admin_client.post(f"{CLAIMS}/{claim['id']}/approve")
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    purchase_id = approved.json()["purchase_id"]
    late = signed_post(
        WEBHOOK,
        {
            "event": "purchase.created",
            "external_id": "late-1",
            "user_id": str(user.id),
            "merchant_id": offer["merchant_id"],
            "amount": "100.00",
            "currency": "EUR",
            "order_reference": "ORDER-1",
        },
    )
    assert (late.status_code, code(late)) == (409, "DUPLICATE_PURCHASE")
    assert late.json()["error"]["details"]["purchase_id"] == purchase_id
    assert admin_client.post(f"{CLAIMS}/{claim['id']}/approve").json()["purchase_id"] == purchase_id


def test_reject_needs_a_reason_and_then_approval_is_409(file, admin_client):
    claim = file().json()
    assert code(admin_client.post(f"{CLAIMS}/{claim['id']}/reject", {}, format="json")) == "VALIDATION_ERROR"
    rejected = admin_client.post(f"{CLAIMS}/{claim['id']}/reject", {"reason": "No proof"}, format="json")
    assert (rejected.status_code, rejected.json()["status"]) == (200, "rejected")
    refused = admin_client.post(f"{CLAIMS}/{claim['id']}/approve")
    assert (refused.status_code, code(refused)) == (409, "INVALID_STATE_TRANSITION")
    assert refused.json()["error"]["details"]["current_status"] == "rejected"


def test_users_cannot_decide(file, user_client):
    claim = file().json()
    assert user_client.post(f"{CLAIMS}/{claim['id']}/approve").status_code == 403
