"""Missing-cashback claims: filing (window, duplicates, click evidence), reading, and decisions."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.tests.factories import UserFactory
from claims.models import Claim, ClaimStatus
from claims.tests.factories import ClaimFactory
from clicknback.testing import bearer_client, error_code
from clicks.tests.factories import ClickFactory
from merchants.tests.factories import MerchantFactory
from offers.tests.factories import OfferFactory
from purchases.models import Purchase
from purchases.tests.conftest import WEBHOOK
from tests.contract import CLAIM_FIELDS
from wallets.models import Wallet

pytestmark = pytest.mark.django_db
CLAIMS = "/api/v1/claims"


def days_ago(days: int) -> datetime:
    """Noon UTC of the date `days` ago."""
    return datetime.combine(timezone.now().astimezone(UTC).date() - timedelta(days=days), time(12), tzinfo=UTC)


@pytest.fixture
def merchant():
    return OfferFactory().merchant


@pytest.fixture
def file(user_client: APIClient, merchant):
    def post(client: APIClient | None = None, **overrides):
        body = {
            "merchant_id": str(merchant.id),
            "order_reference": "ORD-1",
            "amount": "80.00",
            "purchased_at": days_ago(10).isoformat(),
            **overrides,
        }
        return (client or user_client).post(CLAIMS, body, format="json")

    return post


def approve(client: APIClient, claim) -> object:
    return client.post(f"{CLAIMS}/{claim.id}/approve")


def reject(client: APIClient, claim, reason: str | None = "no proof") -> object:
    return client.post(f"{CLAIMS}/{claim.id}/reject", {} if reason is None else {"reason": reason}, format="json")


# --- filing ----------------------------------------------------------------------------------


def test_a_user_files_a_claim(file, user, merchant) -> None:
    response = file(note="Paid by card")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert set(body) == CLAIM_FIELDS
    assert (body["status"], body["amount"], body["merchant_name"], body["note"]) == (
        "open",
        "80.00",
        merchant.name,
        "Paid by card",
    )
    assert (body["click_id"], body["click_verified"], body["purchase_id"], body["decided_at"]) == (
        None,
        False,
        None,
        None,
    )
    assert Claim.objects.get(pk=body["id"]).user == user


@pytest.mark.parametrize(("days", "expected"), [(6, 422), (7, 201), (90, 201), (91, 422)], ids=["6", "7", "90", "91"])
def test_claim_window_bounds_are_inclusive(file, days: int, expected: int) -> None:
    response = file(purchased_at=days_ago(days).isoformat())
    assert response.status_code == expected, response.json()
    if expected == 422:
        assert error_code(response) == "CLAIM_OUT_OF_WINDOW"
        assert not Claim.objects.exists()


def test_the_window_follows_the_settings(file, settings) -> None:
    settings.CLAIM_MIN_AGE_DAYS, settings.CLAIM_MAX_AGE_DAYS = 0, 3
    assert file(purchased_at=days_ago(0).replace(hour=0).isoformat()).status_code == 201
    assert error_code(file(order_reference="ORD-2", purchased_at=days_ago(4).isoformat())) == "CLAIM_OUT_OF_WINDOW"


def test_an_order_with_an_open_or_approved_claim_of_anyone_is_409(file, other_client, merchant) -> None:
    assert file().status_code == 201
    again = file(client=other_client)
    assert (again.status_code, error_code(again)) == (409, "CLAIM_DUPLICATE")
    assert file(merchant_id=str(OfferFactory().merchant.id)).status_code == 201  # another merchant's order


def test_a_rejected_claim_frees_its_order(file, merchant) -> None:
    ClaimFactory(
        merchant=merchant,
        order_reference="ORD-1",
        status=ClaimStatus.REJECTED,
        decision_reason="no",
        decided_at=timezone.now(),
    )
    assert file().status_code == 201


def test_an_order_with_a_booked_purchase_is_409(file, signed_post, other_user, merchant) -> None:
    body = {
        "event": "purchase.created",
        "external_id": "net-1",
        "user_id": str(other_user.id),
        "merchant_id": str(merchant.id),
        "amount": "80.00",
        "currency": "EUR",
        "order_reference": "ORD-1",
    }
    assert signed_post(WEBHOOK, body).status_code == 201
    response = file()
    assert (response.status_code, error_code(response)) == (409, "CLAIM_DUPLICATE")


def test_click_verified_only_for_the_users_own_click_at_that_merchant_in_its_window(file, user, merchant) -> None:
    offer = merchant.offers.get()
    own = ClickFactory(user=user, offer=offer, created_at=days_ago(11))
    assert file(click_id=own.id).json()["click_verified"] is True
    someone_elses = ClickFactory(offer=offer, created_at=days_ago(11))
    assert file(order_reference="ORD-2", click_id=someone_elses.id).json()["click_verified"] is False
    too_late = ClickFactory(user=user, offer=offer, created_at=days_ago(9))
    assert file(order_reference="ORD-3", click_id=too_late.id).json()["click_verified"] is False
    elsewhere = ClickFactory(user=user, created_at=days_ago(11))
    assert file(order_reference="ORD-4", click_id=elsewhere.id).json()["click_verified"] is False
    unknown = file(order_reference="ORD-5", click_id="no-such-click").json()
    assert (unknown["click_verified"], unknown["click_id"]) == (False, "no-such-click")


def test_unknown_merchant_is_400(file) -> None:
    response = file(merchant_id="00000000-0000-0000-0000-000000000001")
    assert response.status_code == 400
    assert "merchant_id" in response.json()["error"]["details"]["fields"]


def test_only_users_file_claims(file, admin_client: APIClient, api_client: APIClient) -> None:
    assert file(client=admin_client).status_code == 403
    assert file(client=api_client).status_code == 401


# --- reading ---------------------------------------------------------------------------------


def test_users_read_only_their_own_claims(user_client: APIClient, user) -> None:
    mine = ClaimFactory(user=user)
    others = ClaimFactory()
    listed = user_client.get(CLAIMS, {"status": "approved"}).json()  # a user's filters are ignored
    assert [row["id"] for row in listed["results"]] == [str(mine.id)]
    assert user_client.get(f"{CLAIMS}/{mine.id}").status_code == 200
    assert user_client.get(f"{CLAIMS}/{others.id}").status_code == 404


def test_admins_read_every_claim_and_filter_by_status(admin_client: APIClient) -> None:
    open_claim = ClaimFactory()
    ClaimFactory(status=ClaimStatus.REJECTED, decision_reason="no", decided_at=timezone.now())
    assert admin_client.get(CLAIMS).json()["count"] == 2
    listed = admin_client.get(CLAIMS, {"status": "open"}).json()
    assert [row["id"] for row in listed["results"]] == [str(open_claim.id)]
    assert admin_client.get(CLAIMS, {"status": "lost"}).status_code == 400


@pytest.mark.parametrize("claims", [1, 5])
def test_listing_claims_costs_the_same_whatever_the_page(user_client, user, claims, django_assert_num_queries):
    ClaimFactory.create_batch(claims, user=user)
    with django_assert_num_queries(3):  # the user, the count, the page with its merchants
        response = user_client.get(CLAIMS)
    assert response.json()["count"] == claims


# --- decisions -------------------------------------------------------------------------------


def test_approval_books_the_purchase_through_ingestion(support_client: APIClient) -> None:
    claim = ClaimFactory(amount="80.00")
    response = approve(support_client, claim)
    assert response.status_code == 200, response.json()
    body = response.json()
    purchase = Purchase.objects.get()
    assert (body["status"], body["purchase_id"]) == ("approved", str(purchase.id))
    assert body["decided_at"] is not None
    assert (purchase.user_id, purchase.merchant_id, purchase.amount) == (claim.user_id, claim.merchant_id, 80)
    assert (purchase.order_reference, purchase.external_id) == (claim.order_reference, f"claim:{claim.id}")
    assert purchase.purchased_at == claim.purchased_at
    assert Wallet.objects.get(user=claim.user).pending == 8  # the offer's 10 %


def test_repeating_a_decision_changes_nothing_and_the_other_way_is_409(support_client: APIClient) -> None:
    approved, rejected = ClaimFactory(), ClaimFactory()
    first = approve(support_client, approved).json()
    assert approve(support_client, approved).json() == first
    assert Purchase.objects.count() == 1
    refused = reject(support_client, approved)
    assert (refused.status_code, error_code(refused)) == (409, "INVALID_STATE_TRANSITION")
    assert refused.json()["error"]["details"]["current_status"] == "approved"

    first = reject(support_client, rejected).json()
    assert (first["status"], first["decision_reason"]) == ("rejected", "no proof")
    assert reject(support_client, rejected, reason="other").json() == first


def test_a_rejected_claim_cannot_be_approved_by_any_path(support_client, admin_client, user_client, user) -> None:
    claim = ClaimFactory(user=user)
    reject(support_client, claim)
    for client in (support_client, admin_client):
        refused = approve(client, claim)
        assert (refused.status_code, error_code(refused)) == (409, "INVALID_STATE_TRANSITION")
        assert refused.json()["error"]["details"]["current_status"] == "rejected"
    assert approve(user_client, claim).status_code == 403  # its own user
    claim.refresh_from_db()
    assert (claim.status, claim.purchase_id) == (ClaimStatus.REJECTED, None)
    assert not Purchase.objects.exists()


def test_approval_refused_by_a_rule_leaves_the_claim_open(support_client: APIClient) -> None:
    claim = ClaimFactory(merchant=MerchantFactory())  # no offer valid on its date
    refused = approve(support_client, claim)
    assert (refused.status_code, error_code(refused)) == (422, "OFFER_NOT_AVAILABLE")
    claim.refresh_from_db()
    assert (claim.status, claim.purchase_id, claim.decided_at) == (ClaimStatus.OPEN, None, None)
    assert not Purchase.objects.exists()


def test_a_later_report_of_an_approved_claims_order_is_a_duplicate(support_client, signed_post) -> None:
    claim = ClaimFactory()
    purchase_id = approve(support_client, claim).json()["purchase_id"]
    body = {
        "event": "purchase.created",
        "external_id": "net-late",
        "user_id": str(claim.user_id),
        "merchant_id": str(claim.merchant_id),
        "amount": "100.00",
        "currency": "EUR",
        "order_reference": claim.order_reference,
    }
    response = signed_post(WEBHOOK, body)
    assert (response.status_code, error_code(response)) == (409, "DUPLICATE_PURCHASE")
    assert response.json()["error"]["details"]["purchase_id"] == purchase_id


def test_rejecting_needs_a_reason(support_client: APIClient) -> None:
    claim = ClaimFactory()
    for reason in (None, ""):
        response = reject(support_client, claim, reason=reason)
        assert (response.status_code, error_code(response)) == (400, "VALIDATION_ERROR")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.OPEN


def test_deciding_needs_the_review_permission(user_client) -> None:
    claim = ClaimFactory()
    for client in (user_client, bearer_client(UserFactory(is_staff=True))):
        assert approve(client, claim).status_code == 403
        assert reject(client, claim).status_code == 403
