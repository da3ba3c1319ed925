"""The notification kinds that come from claims, tiers and the expiring-points reminder: each one
an in-app notification and an email for the member, from its own template."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from accounts.tests.factories import UserFactory
from claims.services import claim_approve, claim_reject
from claims.tests.factories import ClaimFactory
from clicknback.actors import Actor
from clicknback.testing import run_at_once
from events import outbox
from events.consumers import handle_event
from events.models import OutboxEvent
from loyalty.models import Tier
from loyalty.tests.conftest import grant_lot
from notifications.models import ExpiryReminder, Notification
from notifications.services import points_expiring_remind

pytestmark = pytest.mark.django_db(transaction=True)


def consumed(event: OutboxEvent) -> Notification:
    assert handle_event("notifications", event.envelope())
    assert not handle_event("notifications", event.envelope())  # a redelivery changes nothing
    return Notification.objects.get(source_event_id=event.id)


def test_a_claims_decision_notifies_its_member_in_app_and_by_email():
    staff = Actor.for_user(UserFactory(is_staff=True))
    approved, rejected = ClaimFactory(order_reference="A-1"), ClaimFactory(order_reference="R-1")
    claim_approve(claim_id=approved.id, actor=staff)
    claim_reject(claim_id=rejected.id, reason="no proof of purchase", actor=staff)

    yes = consumed(OutboxEvent.objects.get(type="claim.approved"))
    no = consumed(OutboxEvent.objects.get(type="claim.rejected"))
    assert (yes.user_id, yes.kind, yes.title) == (
        approved.user_id,
        "claim.approved",
        "Your claim for order A-1 was approved",
    )
    assert approved.merchant.name in yes.body and "100.00" in yes.body
    assert (no.user_id, no.kind, no.title) == (
        rejected.user_id,
        "claim.rejected",
        "Your claim for order R-1 was rejected",
    )
    assert no.body.endswith("was rejected: no proof of purchase.")
    emails = {m.subject: m.to for m in mail.outbox}
    assert emails == {yes.title: [approved.user.email], no.title: [rejected.user.email]}


@pytest.mark.parametrize(
    "names",
    [
        lambda silver, gold: {"from_tier_id": silver.id, "to_tier_id": gold.id},
        lambda silver, gold: {"from_tier": silver.name, "to_tier": gold.name},
        lambda silver, gold: {"from": silver.name, "to": gold.name},
    ],
    ids=["ids", "names", "from-to"],
)
def test_a_tier_change_is_told_by_tier_names_whichever_way_the_event_names_them(user, names):
    silver, gold = Tier.objects.get(name="Silver"), Tier.objects.get(name="Gold")
    with transaction.atomic():
        event = outbox.record("tier.changed", user.id, {"user_id": user.id, "reason": "upgrade", **names(silver, gold)})
    note = consumed(event)
    assert (note.title, note.body) == ("You are now Gold", "Your tier changed from Silver to Gold.")
    assert [m.subject for m in mail.outbox] == ["You are now Gold"]


def test_points_expiring_within_seven_days_are_reminded_once_per_lot(user, other_user):
    today = timezone.now().date()
    soon, last_day, today_lot = (grant_lot(user, p, today + timedelta(days=d)) for p, d in [(120, 3), (80, 7), (5, 0)])
    later = grant_lot(user, 300, today + timedelta(days=8))  # not yet
    spent = grant_lot(other_user, 40, today + timedelta(days=2))
    spent.points_left = 0
    spent.save(update_fields=["points_left"])  # nothing left to expire

    assert points_expiring_remind(today=today) == 3
    assert points_expiring_remind(today=today) == 0  # the same day again
    events = OutboxEvent.objects.filter(type="points.expiring")
    assert {e.data["lot_id"] for e in events} == {soon.id, last_day.id, today_lot.id}
    assert points_expiring_remind(today=today + timedelta(days=1)) == 1  # the next day: only the new one
    assert events.get(data__lot_id=later.id).data["points"] == 300
    by_lot = {e.data["lot_id"]: e for e in events}
    note = consumed(by_lot[soon.id])
    assert note.user_id == user.id and note.kind == "points.expiring"
    assert note.title == f"120 points expire on {soon.expires_on.isoformat()}"
    assert [m.subject for m in mail.outbox] == [note.title]


def test_the_daily_command_run_twice_and_twice_at_once_reminds_each_lot_once(user, other_user):
    soon = timezone.now().date() + timedelta(days=2)
    lots = [grant_lot(user, 60, soon), grant_lot(other_user, 70, soon)]

    def run() -> str:
        out = StringIO()
        call_command("remind_expiring_points", "--batch-size", "1", stdout=out)
        return out.getvalue()

    outputs = run_at_once([run, run])
    assert sum(int(output.split()[1]) for output in outputs) == 2  # each lot by one of them
    assert run() == "Reminded 0 lots of points expiring.\n"
    assert sorted(ExpiryReminder.objects.values_list("lot_id", flat=True)) == sorted(lot.id for lot in lots)
    assert sorted(OutboxEvent.objects.filter(type="points.expiring").values_list("subject", flat=True)) == sorted(
        [str(user.id), str(other_user.id)]
    )
