"""Reads of the events tables: how far behind the relay is and what the consumers gave up on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min
from django.utils import timezone

from events.models import DeadLetter, OutboxEvent


@dataclass(frozen=True)
class OutboxBacklog:
    unpublished: int
    oldest: datetime | None

    def oldest_age(self, now: datetime | None = None) -> timedelta:
        """How long the oldest unpublished event has waited; zero when there is none."""
        return (now or timezone.now()) - self.oldest if self.oldest else timedelta(0)


@dataclass(frozen=True)
class EventsHealth:
    backlog: OutboxBacklog
    dead_letters: int


def outbox_backlog() -> OutboxBacklog:
    """The unpublished events, in one query on the partial index of the backlog."""
    unpublished = OutboxEvent.objects.filter(published_at__isnull=True).aggregate(
        n=Count("pk"), oldest=Min("occurred_at")
    )
    return OutboxBacklog(unpublished=unpublished["n"], oldest=unpublished["oldest"])


def events_health() -> EventsHealth:
    """What the admin dashboard shows of the events (two queries): the backlog, the open dead letters."""
    return EventsHealth(
        backlog=outbox_backlog(), dead_letters=DeadLetter.objects.filter(resolved_at__isnull=True).count()
    )
