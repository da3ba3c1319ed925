"""The outbox and consumer metrics of events.md, on /metrics (`clicknback.metrics` collects them).

Counters are written by the relay and consumer processes (multiprocess mode adds them up); the
backlog and the dead letters are read from the database at scrape time, whichever process changed them.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Q
from prometheus_client import Counter
from prometheus_client.core import GaugeMetricFamily

PUBLISHED = Counter("clicknback_events_published", "Events published to JetStream, by type.", ["type"])
CONSUMED = Counter(
    "clicknback_events_consumed", "Events handled by a consumer, by consumer and type.", ["consumer", "type"]
)
RETRIES = Counter(
    "clicknback_event_retries", "Failed deliveries to be retried, by consumer and type.", ["consumer", "type"]
)
DEAD_LETTERED = Counter(
    "clicknback_events_dead_lettered", "Events given up after the last attempt.", ["consumer", "type"]
)


def count_published(types: Iterable[str]) -> None:
    for event_type in types:
        PUBLISHED.labels(type=event_type).inc()


def outbox_families() -> list[GaugeMetricFamily]:
    return [
        GaugeMetricFamily("clicknback_outbox_backlog", "Outbox events not yet published."),
        GaugeMetricFamily("clicknback_outbox_oldest_unpublished_seconds", "Age of the oldest unpublished event."),
        GaugeMetricFamily(
            "clicknback_dead_letters_open", "Dead letters not yet resolved, by consumer.", labels=["consumer"]
        ),
    ]


def outbox_state() -> list[GaugeMetricFamily]:
    from events.models import DeadLetter
    from events.selectors import outbox_backlog

    backlog, oldest_age, dead = outbox_families()
    unpublished = outbox_backlog()
    backlog.add_metric([], unpublished.unpublished)
    oldest_age.add_metric([], unpublished.oldest_age().total_seconds())
    open_letters = (
        DeadLetter.objects.filter(Q(resolved_at__isnull=True)).values_list("consumer").annotate(n=Count("pk"))
    )
    for consumer, count in open_letters.order_by():
        dead.add_metric([consumer], count)
    return [backlog, oldest_age, dead]
