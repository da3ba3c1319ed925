"""The support queue: open claims oldest first, with their evidence; decisions through the services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from claims.models import ClaimStatus
from claims.tests.conftest import support_staff
from claims.tests.factories import ClaimFactory
from clicks.tests.factories import ClickFactory
from purchases.models import Purchase

pytestmark = pytest.mark.django_db
QUEUE = "/admin/claims/openclaim/"


@pytest.fixture
def site(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_queue_lists_open_claims_oldest_first_with_evidence(site) -> None:
    newer = ClaimFactory(order_reference="NEWER")
    older = ClaimFactory(order_reference="OLDER", created_at=timezone.now() - timedelta(days=1))
    ClaimFactory(
        order_reference="DECIDED", status=ClaimStatus.REJECTED, decision_reason="no", decided_at=timezone.now()
    )
    page = site.get(QUEUE).content.decode()
    assert page.index("OLDER") < page.index("NEWER")
    assert "DECIDED" not in page
    click = ClickFactory(user=older.user, merchant=older.merchant, offer=older.merchant.offers.get())
    older.click_id, older.click_verified = click.id, True
    older.save()
    detail = site.get(f"{QUEUE}{older.id}/change/").content.decode()
    assert click.id in detail and "verified" in detail and "the claimant&#x27;s" in detail
    assert site.get(f"{QUEUE}{newer.id}/change/").status_code == 200


def test_queue_actions_approve_and_reject_through_the_services(site) -> None:
    approved, rejected = ClaimFactory(), ClaimFactory()
    site.post(QUEUE, {"action": "approve_claims", "_selected_action": [str(approved.id)]})
    site.post(QUEUE, {"action": "reject_claims", "_selected_action": [str(rejected.id)], "apply": "1", "reason": "No"})
    approved.refresh_from_db()
    rejected.refresh_from_db()
    assert (approved.status, approved.purchase) == (ClaimStatus.APPROVED, Purchase.objects.get())
    assert (rejected.status, rejected.decision_reason) == (ClaimStatus.REJECTED, "No")


def test_a_rejected_claim_cannot_be_approved_from_the_admin(site) -> None:
    claim = ClaimFactory(status=ClaimStatus.REJECTED, decision_reason="no", decided_at=timezone.now())
    response = site.post(
        "/admin/claims/claim/", {"action": "approve_claims", "_selected_action": [str(claim.id)]}, follow=True
    )
    assert "refused" in response.content.decode()
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.REJECTED
    assert not Purchase.objects.exists()


def test_support_staff_may_decide(db) -> None:
    client = Client()
    client.force_login(support_staff())
    claim = ClaimFactory()
    client.post(QUEUE, {"action": "approve_claims", "_selected_action": [str(claim.id)]})
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
