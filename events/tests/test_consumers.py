"""Consumers apply each event once, retry with backoff, dead-letter, and replay safely."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import override_settings

from clicknback.actors import Actor
from events import consumers
from events.models import DeadLetter, HandledEvent, OutboxEvent
from notifications.models import Notification
from payouts.services import payout_complete
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db(transaction=True)

calls: list[str] = []
failing = {"on": True}


def flaky(envelope):
    calls.append(envelope["id"])
    if failing["on"]:
        raise ValueError("the handler is broken")


FLAKY = {"payout.completed": flaky}
CONSUMERS = {"notifications": "notifications.consumer.HANDLERS", "flaky": "events.tests.test_consumers.FLAKY"}


def completed_payout(user, make_payout) -> OutboxEvent:
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    payout_complete(payout_id=payout.id, actor=Actor.job("test"))
    return OutboxEvent.objects.get(type="payout.completed")


class Message(SimpleNamespace):
    """A JetStream message as `deliver` sees it, its acks counted."""

    async def ack(self):
        self.acked += 1

    async def nak(self, delay=None):
        self.naks.append(delay)


def message(event: OutboxEvent, delivered: int = 1) -> Message:
    return Message(
        data=json.dumps(event.envelope()).encode(),
        metadata=SimpleNamespace(num_delivered=delivered),
        acked=0,
        naks=[],
    )


class Link:
    def run(self, coroutine):
        import asyncio

        return asyncio.run(coroutine)


def test_a_redelivery_after_the_effect_but_before_the_ack_does_nothing_twice(user, make_payout):
    event = completed_payout(user, make_payout)
    with mail.get_connection():
        first = message(event)
        consumers.handle_event("notifications", event.envelope())  # effect committed, then killed before the ack
        consumers.deliver(Link(), "notifications", first)  # the redelivery
    assert first.acked == 1
    assert Notification.objects.filter(user=user, kind="payout.completed").count() == 1
    assert HandledEvent.objects.filter(consumer="notifications", event_id=event.id).count() == 1
    assert len(mail.outbox) == 1


@override_settings(EVENT_CONSUMERS=CONSUMERS, CONSUMER_MAX_ATTEMPTS=3, CONSUMER_RETRY_BASE_SECONDS=1)
def test_a_failing_handler_is_retried_with_backoff_then_dead_lettered_then_retried_from_the_admin(
    user, make_payout, client, admin_user
):
    event = completed_payout(user, make_payout)
    failing["on"] = True
    deliveries = [message(event, delivered=n) for n in (1, 2, 3)]
    for delivery in deliveries:
        consumers.deliver(Link(), "flaky", delivery)
    assert [d.naks for d in deliveries] == [[1], [2], []]  # 1, 2 s, then given up
    assert deliveries[2].acked == 1
    letter = DeadLetter.objects.get()
    assert (letter.consumer, letter.event_id, letter.attempts) == ("flaky", event.id, 3)
    assert "the handler is broken" in letter.error
    assert not HandledEvent.objects.filter(consumer="flaky").exists()  # a failure commits nothing

    failing["on"] = False
    client.force_login(admin_user)
    response = client.post(
        "/admin/events/deadletter/", {"action": "retry", "_selected_action": [letter.pk]}, follow=True
    )
    assert response.status_code == 200
    letter.refresh_from_db()
    assert letter.resolved_at is not None
    assert HandledEvent.objects.filter(consumer="flaky", event_id=event.id).exists()


@pytest.mark.parametrize(("base", "expected"), [(1, [1, 2, 4, 8, 16]), (0.01, [0.01, 0.02, 0.04, 0.08, 0.16])])
def test_retry_delays_double_from_the_configured_base(base, expected):
    with override_settings(CONSUMER_RETRY_BASE_SECONDS=base):
        assert [consumers.retry_delay(n) for n in range(1, 6)] == expected


def test_a_notification_and_an_email_for_each_kind_through_jetstream_and_replay_duplicates_nothing(
    jetstream, user, make_payout, ingest
):
    from payouts.services import payout_fail
    from purchases.services import purchase_confirm

    purchase = ingest("100.00")
    purchase_confirm(purchase_id=purchase.id, actor=Actor.job("test"))
    fund_wallet(user, Decimal("100.00"))
    done, failed = make_payout(user), make_payout(user)
    payout_complete(payout_id=done.id, actor=Actor.job("test"))
    payout_fail(payout_id=failed.id, reason="bank refused", actor=Actor.job("test"))
    call_command("relay_outbox", stdout=StringIO())

    pulls = iter(range(3))
    consumers.run_consumer("notifications", link=jetstream.link, should_stop=lambda: next(pulls, None) is None)
    kinds = sorted(Notification.objects.filter(user=user).values_list("kind", flat=True))
    assert kinds == ["cashback.approved", "payout.completed", "payout.failed"]
    assert sorted(m.subject for m in mail.outbox) == sorted(
        Notification.objects.filter(user=user).values_list("title", flat=True)
    )
    assert all(m.to == [user.email] for m in mail.outbox)
    failed_note = Notification.objects.get(kind="payout.failed")
    assert "bank refused" in failed_note.body and failed_note.data["payout_id"] == str(failed.id)

    out = StringIO()
    call_command("replay_events", "--consumer", "notifications", "--since", "1", stdout=out)
    # purchase.created, cashback.approved, points.earned, payout.requested x2, completed, failed
    assert out.getvalue().startswith("Replayed 7 events to notifications: 0 newly handled")
    assert Notification.objects.count() == 3 and len(mail.outbox) == 3


def test_an_idle_consumer_keeps_waiting_for_events():
    """A batch fetch that finds nothing may raise asyncio's TimeoutError rather than nats' (nats-py,
    when the no-wait probe's answer comes late on a busy machine): the loop goes on all the same."""

    class Idle:
        fetches = 0

        async def fetch(self, batch, timeout):
            Idle.fetches += 1
            raise TimeoutError  # asyncio.TimeoutError, which nats' TimeoutError only subclasses

    class IdleStream:
        async def pull_subscribe(self, *args, **kwargs):
            return Idle()

    link = Link()
    link.js = IdleStream()
    pulls = iter(range(3))
    consumers.run_consumer("notifications", link=link, should_stop=lambda: next(pulls, None) is None)
    assert Idle.fetches == 3


def test_an_event_the_consumer_does_not_handle_is_acknowledged_without_a_transaction(user, make_payout):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    completed_payout(user, make_payout)
    delivered = message(OutboxEvent.objects.get(type="payout.requested"))
    calls_before = len(calls)
    with override_settings(EVENT_CONSUMERS=CONSUMERS), CaptureQueriesContext(connection) as queries:
        consumers.deliver(Link(), "flaky", delivered)  # flaky handles payout.completed only
    assert delivered.acked == 1 and queries.captured_queries == [] and len(calls) == calls_before
    assert not HandledEvent.objects.exists()
