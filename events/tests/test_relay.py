"""The relay publishes every event once to a real JetStream (events.md, "Relay")."""

from __future__ import annotations

import json
import socket
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings

from clicknback.testing import run_at_once
from events import outbox, relay
from events.jetstream import DUPLICATE_WINDOW_SECONDS, JetStream, NatsUnavailable
from events.models import OutboxEvent


def record(count: int) -> list[str]:
    with transaction.atomic():
        return [str(outbox.record("payout.completed", n, {"n": n}).id) for n in range(count)]


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"nats://127.0.0.1:{probe.getsockname()[1]}"


@pytest.mark.django_db
def test_each_event_is_published_once_with_its_id_as_nats_msg_id(jetstream, ingest):
    ids = record(3)
    out = StringIO()
    call_command("relay_outbox", stdout=out)
    assert out.getvalue() == "Published 3 events.\n"
    messages = jetstream.messages()
    assert [m.headers["Nats-Msg-Id"] for m in messages] == ids
    first = json.loads(messages[0].data)
    assert set(first) == {"id", "type", "version", "occurred_at", "subject", "data"}
    assert messages[0].subject.endswith(".payout.completed") and first["data"] == {"n": 0}
    assert not OutboxEvent.objects.filter(published_at__isnull=True).exists()
    call_command("relay_outbox", stdout=StringIO())
    assert len(jetstream.messages()) == 3


@pytest.mark.django_db
def test_the_stream_is_file_stored_with_a_duplicate_window_of_two_minutes(jetstream):
    config = jetstream.link.run(jetstream.link.js.stream_info(jetstream.name)).config
    assert config.storage == "file" and config.duplicate_window >= DUPLICATE_WINDOW_SECONDS
    assert config.subjects == [f"{jetstream.name.replace('TEST_', 'test')}.>"]


@pytest.mark.django_db
def test_a_republished_event_is_dropped_by_the_server(jetstream):
    """A relay that dies between the ack and its commit publishes again: the server drops it."""
    record(1)
    event = OutboxEvent.objects.get()
    assert jetstream.link.publish([event.envelope()]) == [True]
    assert jetstream.link.publish([event.envelope()]) == [True]
    assert len(jetstream.messages()) == 1


@pytest.mark.django_db(transaction=True)
def test_two_relays_at_once_never_publish_a_row_twice(jetstream, monkeypatch):
    ids = record(120)
    sent: list[str] = []
    lock = threading.Lock()
    publish = JetStream.publish

    def counting(self, envelopes):
        with lock:
            sent.extend(e["id"] for e in envelopes)
        return publish(self, envelopes)

    monkeypatch.setattr(JetStream, "publish", counting)

    def one_relay() -> int:
        link = JetStream().connect()
        try:
            total = 0
            while published := relay.relay_batch(link, size=10):
                total += published
            return total
        finally:
            link.close()

    results = run_at_once([one_relay, one_relay])
    assert sum(results) == 120
    assert sorted(sent) == sorted(ids)  # nothing sent twice, not even to be dropped as a duplicate
    assert len(jetstream.messages()) == 120


@pytest.mark.django_db
def test_with_nats_down_the_outbox_grows_then_drains_when_it_is_back(jetstream, signed_post, created_payload):
    with override_settings(NATS_URL=closed_port_url()):
        responses = [signed_post("/api/v1/webhooks/purchases", created_payload()) for _ in range(3)]
        with pytest.raises(CommandError, match="NATS unavailable"):
            call_command("relay_outbox", stdout=StringIO())
    assert [r.status_code for r in responses] == [201] * 3
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 3
    call_command("relay_outbox", stdout=StringIO())
    assert OutboxEvent.objects.filter(published_at__isnull=True).count() == 0
    assert sorted(m.headers["Nats-Msg-Id"] for m in jetstream.messages()) == sorted(
        str(pk) for pk in OutboxEvent.objects.values_list("pk", flat=True)
    )


@pytest.mark.django_db
def test_the_loop_backs_off_exponentially_while_nats_is_down():
    waits: list[float] = []
    relay.relay_forever(url=closed_port_url(), sleep=waits.append, should_stop=lambda: len(waits) >= 5)
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0]


@pytest.mark.django_db
def test_metrics_show_the_outbox_backlog_and_its_oldest_age(api_client):
    record(2)
    body = api_client.get("/metrics").content.decode()
    assert "clicknback_outbox_backlog 2.0" in body
    assert "clicknback_outbox_oldest_unpublished_seconds" in body


@pytest.mark.django_db
def test_a_connection_lost_before_the_batch_is_sent_leaves_it_unpublished_and_the_relay_backs_off(jetstream):
    record(3)
    link = JetStream().connect()
    link.run(link.client.close())
    with pytest.raises(NatsUnavailable, match="3 of 3 events were not acknowledged"):
        relay.relay_batch(link)
    assert list(OutboxEvent.objects.values_list("published_at", "attempts")) == [(None, 1)] * 3
