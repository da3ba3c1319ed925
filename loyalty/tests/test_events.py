"""Points and tier events (events.md): each written in the transaction of its change, none left
by a change that rolled back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from clicknback.actors import Actor, ActorKind
from events import outbox
from events.models import OutboxEvent
from loyalty.models import PointsEntry, PointsLot, Redemption, TierChange, UserLoyalty
from loyalty.services import points_expire, points_redeem, redemption_create, tiers_recompute
from loyalty.tests.conftest import grant_lot, set_tier, tier
from purchases.services import purchase_confirm, purchase_reverse
from purchases.state_machine import loyalty_follow_confirmations

pytestmark = pytest.mark.django_db
ADMIN = Actor(ActorKind.ADMIN, "", "staff")


def events(type: str) -> list[dict]:
    return [event.data for event in OutboxEvent.objects.filter(type=type).order_by("occurred_at", "id")]


def confirm(purchase):
    return purchase_confirm(purchase_id=purchase.id, actor=ADMIN)[0]


def test_a_confirmation_writes_points_earned_and_cashback_approved_carries_the_points(user, ingest):
    set_tier(user, "Silver")
    purchase = confirm(ingest("99.99"))
    lot = PointsLot.objects.get(purchase_id=purchase.id)
    assert events("cashback.approved")[0]["points_earned"] == 124
    assert events("points.earned") == [
        {
            "user_id": str(user.id),
            "points": 124,
            "entry_type": "earned",
            "purchase_id": str(purchase.id),
            "bonus_tier_id": None,
            "lot_id": lot.id,
            "lot_points": 124,
            "debt_paid": 0,
            "balance_after": 124,
            "expires_on": lot.expires_on.isoformat(),
        }
    ]
    assert OutboxEvent.objects.get(type="points.earned").subject == str(user.id)


def test_an_upgrade_writes_tier_changed_and_its_bonuses_as_points_earned(user, ingest):
    confirm(ingest("2500.00"))
    assert events("tier.changed") == [
        {
            "user_id": str(user.id),
            "from": "Bronze",
            "to": "Gold",
            "from_tier_id": str(tier("Bronze").id),
            "to_tier_id": str(tier("Gold").id),
            "reason": "spend",
        }
    ]
    earned = events("points.earned")
    assert sorted((e["entry_type"], e["points"]) for e in earned) == [
        ("earned", 2500),
        ("upgrade_bonus", 250),
        ("upgrade_bonus", 1000),
    ]
    assert len({frozenset(e) for e in earned}) == 1  # the SQL and the Python writer give the same fields
    bonus = next(e for e in earned if e["points"] == 1000)
    assert (bonus["bonus_tier_id"], bonus["balance_after"]) == (str(tier("Gold").id), 3750)
    assert set(events("cashback.approved")[0]) >= {"purchase_id", "user_id", "cashback_amount", "points_earned"}


@override_settings(MIN_REDEMPTION_POINTS=100)
def test_redemption_expiry_claw_back_and_recomputation_write_their_events(user, ingest):
    today = timezone.now().date()
    old = grant_lot(user, 300, today - timedelta(days=1))
    fresh = grant_lot(user, 200, today + timedelta(days=5))
    points_expire()
    assert events("points.expired") == [
        {
            "user_id": str(user.id),
            "lot_id": old.id,
            "points": 300,
            "expires_on": old.expires_on.isoformat(),
            "balance_after": 200,
        }
    ]
    redemption = points_redeem(user=user, points=150)
    assert events("points.redeemed") == [
        {
            "user_id": str(user.id),
            "redemption_id": str(redemption.id),
            "points": 150,
            "amount": "1.50",
            "currency": "EUR",
            "lots": {str(fresh.id): 150},
            "balance_after": 50,
        }
    ]
    purchase = confirm(ingest("600.00"))  # Silver at once
    points_redeem(user=user, points=850)  # the 50 left, its lot's 600, 200 of the bonus's 250
    purchase_reverse(purchase_id=purchase.id, actor=ADMIN)
    assert events("points.clawed_back") == [
        {
            "user_id": str(user.id),
            "purchase_id": str(purchase.id),
            "points": 600,
            "lot_id": PointsLot.objects.get(purchase_id=purchase.id).id,
            "from_lot": 0,
            "debt_added": 600,
            "balance_after": -550,
        }
    ]
    tiers_recompute(spend_by_user=lambda **_: {})
    assert [(e["from"], e["to"], e["reason"]) for e in events("tier.changed")] == [
        ("Bronze", "Silver", "spend"),
        ("Silver", "Bronze", "recalculation"),
    ]


class Boom(Exception):
    """A failure right after the events were written: the whole change must roll back."""


@pytest.fixture
def fail_after(monkeypatch):
    def arm(name: str) -> None:
        real = getattr(outbox, name)

        def write_then_fail(*args, **kwargs):
            real(*args, **kwargs)
            raise Boom

        monkeypatch.setattr(outbox, name, write_then_fail)

    return arm


def test_a_rolled_back_confirmation_leaves_no_points_and_no_event(user, ingest, fail_after):
    purchase = ingest("2500.00")  # with an upgrade, its bonuses and a tier change
    fail_after("record")  # the cashback.approved after loyalty's statement and upgrade
    with pytest.raises(Boom):
        confirm(purchase)
    assert not OutboxEvent.objects.exclude(type="purchase.created").exists()
    assert not PointsEntry.objects.exists() and not UserLoyalty.objects.exists() and not TierChange.objects.exists()


def test_a_rolled_back_earning_in_the_callers_transaction_leaves_no_event(user, ingest):
    purchase = ingest("100.00")
    with pytest.raises(Boom), transaction.atomic():
        loyalty_follow_confirmations([purchase], actor=ADMIN)
        assert OutboxEvent.objects.filter(type="points.earned").exists()  # written in this transaction
        raise Boom
    assert not OutboxEvent.objects.filter(type="points.earned").exists() and not PointsEntry.objects.exists()


@override_settings(MIN_REDEMPTION_POINTS=100)
def test_rolled_back_redemption_expiry_claw_back_and_recomputation_leave_no_event(user, ingest, fail_after):
    today = timezone.now().date()
    grant_lot(user, 300, today - timedelta(days=1))
    grant_lot(user, 200, today + timedelta(days=5))
    with pytest.raises(Boom), transaction.atomic():
        redemption_create(user=user, points=150)
        assert OutboxEvent.objects.filter(type="points.redeemed").exists()
        raise Boom
    assert not Redemption.objects.exists()
    purchase = confirm(ingest("600.00"))
    set_tier(user, "Gold")  # so that recomputation has a change to make
    fail_after("record_many")
    with pytest.raises(Boom):
        points_expire()
    with pytest.raises(Boom):
        tiers_recompute(spend_by_user=lambda **_: {})
    fail_after("record")
    with pytest.raises(Boom):
        purchase_reverse(purchase_id=purchase.id, actor=ADMIN)
    assert set(OutboxEvent.objects.values_list("type", flat=True)) == {
        "purchase.created",
        "cashback.approved",
        "points.earned",
        "tier.changed",
    }
    assert not PointsEntry.objects.filter(type__in=["expired", "redeemed", "clawed_back"]).exists()
    assert TierChange.objects.filter(reason="recalculation").count() == 0
