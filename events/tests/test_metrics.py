"""Each durable consumer's pending messages on /metrics, read from JetStream at scrape time."""

from __future__ import annotations

import os
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings

from events import consumers, outbox
from events.tests.test_relay import closed_port_url

pytestmark = pytest.mark.django_db(transaction=True)


def gauges(api_client) -> dict[str, str]:
    body = api_client.get("/metrics").content.decode()
    return {
        line.rsplit(" ", 1)[0]: line.rsplit(" ", 1)[1]
        for line in body.splitlines()
        if line.startswith(("clicknback_consumer_pending{", "clicknback_consumer_ack_pending{"))
    }


def test_a_consumers_pending_messages_grow_while_it_is_away_and_drop_when_it_has_handled_them(jetstream, api_client):
    with transaction.atomic():
        for n in range(3):
            outbox.record("purchase.reversed", n, {"n": n})  # no notification, no mint: acknowledged untouched
    call_command("relay_outbox", stdout=StringIO())
    # Every durable consumer reads the whole stream: both are away, both have the three waiting.
    assert gauges(api_client) == {
        'clicknback_consumer_pending{consumer="notifications"}': "3.0",
        'clicknback_consumer_ack_pending{consumer="notifications"}': "0.0",
        'clicknback_consumer_pending{consumer="mint"}': "3.0",
        'clicknback_consumer_ack_pending{consumer="mint"}': "0.0",
    }

    pulls = iter(range(2))
    consumers.run_consumer("notifications", link=jetstream.link, should_stop=lambda: next(pulls, None) is None)
    assert gauges(api_client) == {
        'clicknback_consumer_pending{consumer="notifications"}': "0.0",
        'clicknback_consumer_ack_pending{consumer="notifications"}': "0.0",
        'clicknback_consumer_pending{consumer="mint"}': "3.0",  # still away: its lag is its own
        'clicknback_consumer_ack_pending{consumer="mint"}': "0.0",
    }


def test_with_nats_unreachable_the_scrape_answers_without_consumer_samples(api_client):
    with override_settings(NATS_URL=closed_port_url()):
        response = api_client.get("/metrics")
    assert response.status_code == 200
    body = response.content.decode()
    assert "# TYPE clicknback_consumer_pending gauge" in body and "clicknback_consumer_pending{" not in body
    assert "clicknback_outbox_backlog 0.0" in body  # the rest of the scrape is there


def test_scrapes_leave_no_open_files_behind(jetstream, api_client):
    api_client.get("/metrics")
    before = len(os.listdir("/proc/self/fd"))
    for _ in range(5):
        assert api_client.get("/metrics").status_code == 200
    assert len(os.listdir("/proc/self/fd")) <= before
