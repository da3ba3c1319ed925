"""The admin index shows the outbox backlog and the open dead letters (issue 16.7)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from events.models import DeadLetter, OutboxEvent
from events.selectors import events_health

pytestmark = pytest.mark.django_db


@pytest.fixture
def backlog() -> None:
    now = timezone.now()
    OutboxEvent.objects.bulk_create(
        [
            OutboxEvent(type="payout.completed", subject="a", data={}, occurred_at=now - timedelta(minutes=5)),
            OutboxEvent(type="payout.completed", subject="b", data={}, occurred_at=now - timedelta(minutes=1)),
            OutboxEvent(
                type="payout.failed", subject="c", data={}, occurred_at=now - timedelta(hours=2), published_at=now
            ),
        ]
    )
    for resolved_at in (None, None, now):
        DeadLetter.objects.create(
            consumer="notifications",
            event_id=uuid.uuid4(),
            type="payout.completed",
            envelope={},
            error="boom",
            attempts=6,
            resolved_at=resolved_at,
        )


def test_the_backlog_and_open_dead_letters_in_two_queries(backlog, django_assert_num_queries):
    with django_assert_num_queries(2):
        health = events_health()
    assert (health.backlog.unpublished, health.dead_letters) == (2, 2)
    assert timedelta(minutes=5) <= health.backlog.oldest_age() < timedelta(minutes=6)


def test_an_empty_outbox_has_no_age():
    health = events_health()
    assert (health.backlog.unpublished, health.backlog.oldest_age(), health.dead_letters) == (0, timedelta(0), 0)


def test_the_index_shows_the_panel_with_a_link_to_the_open_dead_letters(backlog, client: Client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get(reverse("admin:index")).content.decode()
    assert 'id="outbox-backlog">Outbox backlog<div class="bo-value">2<' in html
    assert "oldest waiting 5\xa0minutes" in html
    assert 'id="dead-letters">Dead letters<div class="bo-value">2<' in html
    link = f"{reverse('admin:events_deadletter_changelist')}?resolved_at__isempty=1"
    assert f'href="{link}"' in html
    listed = client.get(link)
    assert listed.status_code == 200 and listed.context["cl"].result_count == 2


def test_staff_who_may_not_see_dead_letters_see_no_panel(backlog, client: Client):
    client.force_login(UserFactory(is_staff=True))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200 and 'id="events-health"' not in response.content.decode()
