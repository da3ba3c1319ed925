"""Claims: filing from a shop page or from a visit, the API's refusals beside their fields, status."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from claims.models import Claim
from claims.services import claim_reject
from claims.tests.factories import ClaimFactory
from clicknback.actors import Actor
from clicks.tests.factories import ClickFactory
from merchants.tests.factories import MerchantFactory
from web.tests.conftest import field_errors

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> str:
    return (timezone.now() - timedelta(days=days)).astimezone(UTC).date().isoformat()


def claim_form(merchant, **overrides) -> dict:
    base = {"merchant_id": str(merchant.id), "order_reference": "A-1", "amount": "80.00", "purchased_at": days_ago(10)}
    return base | overrides


def test_file_a_claim_from_a_shop_page_and_see_it_open(member, user):
    merchant = MerchantFactory(name="Gadget Hub")
    shop = member.get(f"/shops/{merchant.id}/").content.decode()
    assert f"/claims/new/?merchant={merchant.id}" in shop
    form = member.get(f"/claims/new/?merchant={merchant.id}").context["form"]
    assert form.initial["merchant_id"] == str(merchant.id)
    response = member.post("/claims/new/", claim_form(merchant, note="Paid by card"), follow=True)
    claim = Claim.objects.get()
    assert (claim.user_id, claim.merchant_id, claim.order_reference, claim.note) == (
        user.id,
        merchant.id,
        "A-1",
        "Paid by card",
    )
    assert response.redirect_chain[-1][0] == f"/claims/{claim.id}/"
    assert "Our support team is looking at it" in response.content.decode()
    assert [c.id for c in member.get("/claims/").context["claims"]] == [claim.id]


def test_file_from_a_visit_carries_the_click(member, user):
    click = ClickFactory(user=user, created_at=timezone.now() - timedelta(days=11))
    page = member.get("/clicks/").content.decode()
    assert f"click={click.id}" in page
    form = member.get(f"/claims/new/?merchant={click.merchant_id}&click={click.id}&date={days_ago(10)}")
    assert form.context["form"].initial["click_id"] == click.id
    member.post("/claims/new/", claim_form(click.merchant, click_id=click.id))
    claim = Claim.objects.get()
    assert claim.click_id == click.id and claim.click_verified


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"order_reference": ""}, "order_reference", "This field is required."),
        ({"amount": "-5"}, "amount", "Must be greater than 0."),
        ({"purchased_at": "yesterday"}, "purchased_at", "Datetime has wrong format."),
        ({"purchased_at": days_ago(1)}, "purchased_at", "A claim is for a purchase made between"),
        ({"merchant_id": "not-a-uuid"}, "merchant_id", "Must be a valid UUID."),
        ({"merchant_id": "00000000-0000-0000-0000-000000000001"}, "merchant_id", "No such merchant."),
    ],
)
def test_refusals_are_shown_beside_their_field(member, overrides, field, message):
    merchant = MerchantFactory()
    response = member.post("/claims/new/", claim_form(merchant, **overrides))
    assert response.status_code == 400
    errors = field_errors(response, field)
    assert len(errors) == 1 and errors[0].startswith(message), errors
    assert not Claim.objects.exists()


def test_an_order_already_claimed_is_refused_beside_the_order_number(member, other_member):
    merchant = MerchantFactory()
    other_member.post("/claims/new/", claim_form(merchant))
    response = member.post("/claims/new/", claim_form(merchant))
    assert field_errors(response, "order_reference") == ["This order already has an open or approved claim."]
    assert Claim.objects.count() == 1


def test_the_decision_is_shown(member, user, admin_user):
    claim = ClaimFactory(user=user)
    claim_reject(claim_id=claim.id, reason="No order with that number.", actor=Actor.for_user(admin_user))
    html = member.get(f"/claims/{claim.id}/").content.decode()
    assert "Rejected on" in html and "No order with that number." in html


def test_another_members_claims_and_visits_are_not_found(member, other_member, user):
    claim = ClaimFactory(user=user)
    ClickFactory(user=user)
    assert other_member.get(f"/claims/{claim.id}/").status_code == 404
    assert list(other_member.get("/claims/").context["claims"]) == []
    assert list(other_member.get("/clicks/").context["clicks"]) == []
    assert member.get(f"/claims/{claim.id}/").status_code == 200


def test_filing_needs_the_csrf_token(member):
    merchant = MerchantFactory()
    assert member.post("/claims/new/", claim_form(merchant), csrf=False).status_code == 403
    assert not Claim.objects.exists()
