"""The outbox and consumer metrics of events.md, on /metrics (`clicknback.metrics` collects them).

Counters are written by the relay and consumer processes (multiprocess mode adds them up); the
backlog and the dead letters are read from the database at scrape time, whichever process changed them,
and each consumer's pending messages from JetStream.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
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


def consumer_pending_state() -> list[GaugeMetricFamily]:
    """Each durable consumer's lag, asked of JetStream at scrape time (so it grows while the consumer
    is down). No samples while NATS is unreachable; an embedded server is never started for this."""
    from nats.errors import Error as NatsError

    from clicknback.embedded_nats import running_nats_url
    from events.jetstream import JetStream, NatsUnavailable

    pending = GaugeMetricFamily(
        "clicknback_consumer_pending", "Messages not yet delivered to each consumer.", labels=["consumer"]
    )
    unacked = GaugeMetricFamily(
        "clicknback_consumer_ack_pending",
        "Messages delivered to each consumer, not yet acknowledged.",
        labels=["consumer"],
    )
    url = running_nats_url()
    if url is None:
        return [pending, unacked]
    try:
        link = JetStream(url).connect(ensure_stream=False)
    except NatsUnavailable:
        return [pending, unacked]
    try:
        for consumer in settings.EVENT_CONSUMERS:
            waiting, delivered = link.consumer_pending(consumer)
            pending.add_metric([consumer], waiting)
            unacked.add_metric([consumer], delivered)
    except (OSError, TimeoutError, NatsError):
        pass  # the samples so far are true; the scrape goes on
    finally:
        link.close()
    return [pending, unacked]
