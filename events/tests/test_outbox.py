"""Every state change writes its event in its own transaction (events.md, "Transactional outbox")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from clicknback.actors import Actor
from events import outbox
from events.models import OutboxEvent
from payouts.services import payout_complete, payout_fail
from purchases.services import purchase_confirm, purchase_reverse, purchases_confirm_due
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db

ADMIN = Actor.job("test")


def types() -> list[str]:
    return list(OutboxEvent.objects.order_by("occurred_at").values_list("type", flat=True))


def test_a_purchase_writes_purchase_created_with_its_cashback_breakdown(ingest, user, merchant):
    purchase = ingest("100.00")
    event = OutboxEvent.objects.get()
    assert (event.type, event.subject, event.version, event.published_at) == (
        "purchase.created",
        str(purchase.id),
        1,
        None,
    )
    assert event.data["purchase_id"] == str(purchase.id)
    assert event.data["user_id"] == str(user.id) and event.data["merchant_id"] == str(merchant.id)
    assert event.data["amount"] == "100.00"
    assert event.data["cashback"] == {
        "base": str(purchase.cashback_amount),
        "tier_bonus": "0.00",
        "campaign_bonus": "0.00",
        "campaign_id": None,
        "tier": "Bronze",
    }


def test_confirming_approves_the_cashback_and_reversing_writes_purchase_reversed(ingest):
    first, second = ingest(), ingest()
    purchase_confirm(purchase_id=first.id, actor=ADMIN)
    purchase_confirm(purchase_id=first.id, actor=ADMIN)  # a no-op writes nothing
    purchase_reverse(purchase_id=second.id, actor=ADMIN, reason="chargeback")
    approved = OutboxEvent.objects.get(type="cashback.approved")
    assert approved.subject == str(first.id) and approved.data["cashback_amount"] == str(first.cashback_amount)
    assert OutboxEvent.objects.get(type="purchase.reversed").subject == str(second.id)
    assert approved.data["points_earned"] == 100  # loyalty's points.earned beside it (loyalty/tests/test_events.py)
    assert sorted(types()) == sorted(
        ["purchase.created"] * 2 + ["cashback.approved", "points.earned", "purchase.reversed"]
    )


def test_the_confirmation_job_writes_one_event_per_purchase(ingest, merchant, settings):
    settings.MIN_PENDING_HOURS = 0
    merchant.confirmation_days = 0
    merchant.save()
    purchases = [ingest("20.00") for _ in range(3)]
    assert purchases_confirm_due(actor=Actor.job("test")) == 3
    approved = set(OutboxEvent.objects.filter(type="cashback.approved").values_list("subject", flat=True))
    assert approved == {str(p.id) for p in purchases}


def test_payout_transitions_write_their_events(user, make_payout):
    fund_wallet(user, Decimal("100.00"))
    done, failed = make_payout(user), make_payout(user)
    payout_complete(payout_id=done.id, actor=ADMIN)
    payout_fail(payout_id=failed.id, reason="bank refused", actor=ADMIN)
    rows = {(e.type, e.subject) for e in OutboxEvent.objects.filter(type__startswith="payout.")}
    assert rows == {
        ("payout.requested", str(done.id)),
        ("payout.requested", str(failed.id)),
        ("payout.completed", str(done.id)),
        ("payout.failed", str(failed.id)),
    }
    assert OutboxEvent.objects.get(type="payout.failed").data["reason"] == "bank refused"


def test_a_rolled_back_change_leaves_no_event(ingest):
    purchase = ingest()
    with pytest.raises(RuntimeError), transaction.atomic():
        written = outbox.record("cashback.approved", purchase.id, {"purchase_id": purchase.id})
        assert OutboxEvent.objects.filter(pk=written.pk).exists()
        raise RuntimeError("the change fails after its event")
    assert types() == ["purchase.created"]


@pytest.mark.django_db(transaction=True)
def test_an_event_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError, match="inside the transaction"):
        outbox.record("payout.completed", "x", {})


def test_the_envelope_is_versioned_json(ingest):
    ingest()
    envelope = OutboxEvent.objects.get().envelope()
    assert set(envelope) == {"id", "type", "version", "occurred_at", "subject", "data"}
    assert envelope["occurred_at"].endswith("Z") and envelope["version"] == 1
