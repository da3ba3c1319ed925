"""The outbox relay: unpublished events to JetStream, each marked published only once acknowledged.

A batch is locked (`FOR UPDATE SKIP LOCKED`) for the time of its publish, so several relays share
the backlog without ever publishing one row twice; should a relay die between the ack and its
commit, the next publish carries the same `Nats-Msg-Id` and the server drops it as a duplicate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from events.jetstream import JetStream, NatsUnavailable
from events.metrics import count_published
from events.models import OutboxEvent

logger = logging.getLogger("clicknback.relay")

MAX_BACKOFF_SECONDS = 30.0
IDLE_SECONDS = 0.5


def relay_batch(link: JetStream, *, size: int | None = None) -> int:
    """Publish one batch of the oldest unpublished events; how many were published.
    `NatsUnavailable` if any of the batch was not acknowledged (those stay unpublished)."""
    with transaction.atomic(durable=True):
        batch = list(
            OutboxEvent.objects.select_for_update(skip_locked=True)
            .filter(published_at__isnull=True)
            .order_by("occurred_at")[: size or settings.OUTBOX_RELAY_BATCH]
        )
        if not batch:
            return 0
        acked = link.publish([event.envelope() for event in batch])
        published = [event for event, ok in zip(batch, acked, strict=True) if ok]
        failed = [event.pk for event, ok in zip(batch, acked, strict=True) if not ok]
        OutboxEvent.objects.filter(pk__in=[e.pk for e in published]).update(published_at=timezone.now())
        OutboxEvent.objects.filter(pk__in=failed).update(attempts=F("attempts") + 1)
    count_published(event.type for event in published)
    if failed:
        raise NatsUnavailable(f"{len(failed)} of {len(batch)} events were not acknowledged.")
    return len(published)


def relay_backlog(link: JetStream) -> int:
    """Publish until the outbox is empty; how many."""
    total = 0
    while published := relay_batch(link):
        total += published
    return total


def relay_forever(
    *, url: str | None = None, sleep: Callable[[float], None] = time.sleep, should_stop: Callable[[], bool] = bool
) -> None:
    """The `--loop` relay: drain, wait a little, drain again; while NATS is down, retry with
    exponential backoff (capped at MAX_BACKOFF_SECONDS). Requests keep writing the outbox meanwhile."""
    link: JetStream | None = None
    failures = 0
    while not should_stop():
        try:
            if link is None or not link.connected:
                link = JetStream(url).connect()
            published = relay_backlog(link)
            failures = 0
            if not published:
                sleep(IDLE_SECONDS)
        except NatsUnavailable as exc:
            failures += 1
            delay = min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** (failures - 1))
            logger.warning("NATS unavailable (%s); retrying in %.1f s", exc, delay)
            if link is not None:
                link.close()
                link = None
            sleep(delay)
    if link is not None:
        link.close()
