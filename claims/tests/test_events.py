"""A claim's decision is a domain event written in the decision's transaction (events.md)."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from claims.services import claim_approve, claim_reject
from claims.tests.factories import ClaimFactory
from clicknback.actors import Actor
from clicknback.errors import OfferNotAvailable
from events.models import OutboxEvent
from merchants.tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def support() -> Actor:
    return Actor.for_user(UserFactory(is_staff=True))


def test_approval_writes_claim_approved_with_its_purchase_beside_the_purchase_created():
    claim = ClaimFactory()
    approved, changed = claim_approve(claim_id=claim.id, actor=support())
    assert changed
    event = OutboxEvent.objects.get(type="claim.approved")
    assert event.subject == str(claim.id)
    assert event.data["user_id"] == str(claim.user_id) and event.data["purchase_id"] == str(approved.purchase_id)
    assert event.data["order_reference"] == claim.order_reference and event.data["amount"] == "100.00"
    assert OutboxEvent.objects.get(type="purchase.created").subject == str(approved.purchase_id)
    claim_approve(claim_id=claim.id, actor=support())  # a no-op writes nothing
    assert OutboxEvent.objects.filter(type="claim.approved").count() == 1


def test_rejection_writes_claim_rejected_with_its_reason_once():
    claim = ClaimFactory()
    claim_reject(claim_id=claim.id, reason="no proof of purchase", actor=support())
    claim_reject(claim_id=claim.id, reason="again", actor=support())
    event = OutboxEvent.objects.get()
    assert (event.type, event.subject) == ("claim.rejected", str(claim.id))
    assert event.data["reason"] == "no proof of purchase" and event.data["user_id"] == str(claim.user_id)


def test_an_approval_refused_by_a_rule_writes_no_event():
    claim = ClaimFactory(merchant=MerchantFactory())  # no offer valid on its date
    with pytest.raises(OfferNotAvailable):
        claim_approve(claim_id=claim.id, actor=support())
    assert not OutboxEvent.objects.exists()
