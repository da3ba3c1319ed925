"""The API keeps the back-office's split of money decisions between staff groups: support reviews
purchases, finance processes payouts, superusers do both. A bearer token cannot do what the admin
site refuses."""

from __future__ import annotations

import pytest

from clicknback.testing import bearer_client, error_code
from payouts.models import PayoutStatus
from purchases.models import PurchaseStatus

pytestmark = pytest.mark.django_db


def complete(client, payout):
    return client.post(f"/api/v1/payouts/{payout.id}/complete")


def confirm(client, purchase):
    return client.post(f"/api/v1/purchases/{purchase.id}/confirm")


def test_support_cannot_process_payouts_through_the_api(support, user, make_payout):
    payout = make_payout(user)
    client = bearer_client(support)

    response = complete(client, payout)
    assert response.status_code == 403 and error_code(response) == "PERMISSION_DENIED"
    response = client.post(f"/api/v1/payouts/{payout.id}/fail", {"reason": "no"}, format="json")
    assert response.status_code == 403 and error_code(response) == "PERMISSION_DENIED"
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REQUESTED


def test_finance_and_superusers_process_payouts(finance, superuser, user, make_payout):
    assert complete(bearer_client(finance), make_payout(user)).json()["status"] == "completed"
    assert complete(bearer_client(superuser), make_payout(user)).json()["status"] == "completed"


def test_finance_cannot_confirm_or_reverse_purchases_through_the_api(finance, ingest):
    purchase = ingest("100.00")
    client = bearer_client(finance)

    assert error_code(confirm(client, purchase)) == "PERMISSION_DENIED"
    response = client.post(f"/api/v1/purchases/{purchase.id}/reverse", {}, format="json")
    assert response.status_code == 403
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PENDING


def test_support_and_superusers_confirm_purchases(support, superuser, ingest):
    assert confirm(bearer_client(support), ingest("100.00")).json()["status"] == "confirmed"
    assert confirm(bearer_client(superuser), ingest("50.00")).json()["status"] == "confirmed"
