"""Durable JetStream consumers that apply each event once (events.md, "Consumers").

A consumer is a name in `settings.EVENT_CONSUMERS` pointing at its handlers, `{event type: f(envelope)}`;
other types are acknowledged untouched. `handle_event` commits the effect together with a
`HandledEvent` row, so a redelivery (a consumer killed before its ack, a replay) changes nothing. A
failing handler is retried after CONSUMER_RETRY_BASE_SECONDS * 2^(n-1) (1, 2, 4, 8, 16 s); after
CONSUMER_MAX_ATTEMPTS the event becomes a `DeadLetter` that staff retry from the admin. A handler
waiting for a dependency raises `RetryLater` instead: redelivered with the same backoff under its own
cap, never dead-lettered (the handler decides when to give up, e.g. the mint consumer's MINT_MAX_WAIT).
"""

from __future__ import annotations

import contextvars
import json
import logging
import traceback
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from events.jetstream import JetStream
from events.metrics import CONSUMED, DEAD_LETTERED, RETRIES
from events.models import DeadLetter, HandledEvent

logger = logging.getLogger("clicknback.consumers")

Handler = Callable[[dict[str, Any]], None]
FETCH_BATCH = 50
FETCH_SECONDS = 1.0
ACK_WAIT_SECONDS = 60.0


class UnknownConsumer(LookupError):
    pass


class RetryLater(Exception):
    """Raised by a handler whose dependency is away: nothing is committed, the event comes back
    after `retry_delay(attempt)` seconds, at most `cap_seconds`, for as long as the handler asks."""

    def __init__(self, message: str, *, cap_seconds: float) -> None:
        super().__init__(message)
        self.cap_seconds = cap_seconds


_attempt: contextvars.ContextVar[int] = contextvars.ContextVar("delivery_attempt", default=1)


def delivery_attempt() -> int:
    """Which delivery of the current event this is (1 for the first), for handlers that report it."""
    return _attempt.get()


def consumer_handlers(consumer: str) -> dict[str, Handler]:
    try:
        return import_string(settings.EVENT_CONSUMERS[consumer])
    except KeyError:
        raise UnknownConsumer(f"No consumer {consumer!r}; known: {', '.join(settings.EVENT_CONSUMERS)}.") from None


def handle_event(consumer: str, envelope: dict[str, Any]) -> bool:
    """Apply the event's effect and remember it, in one transaction; False if already handled, or
    of a type this consumer does not handle (no effect, so nothing to remember: no transaction)."""
    handler = consumer_handlers(consumer).get(envelope["type"])
    if handler is None:
        return False
    with transaction.atomic(durable=True):
        try:
            with transaction.atomic():
                HandledEvent.objects.create(consumer=consumer, event_id=envelope["id"])
        except IntegrityError:
            return False
        handler(envelope)
    CONSUMED.labels(consumer=consumer, type=envelope["type"]).inc()
    return True


def retry_delay(attempt: int) -> float:
    return settings.CONSUMER_RETRY_BASE_SECONDS * 2 ** min(attempt - 1, 30)  # a bounded exponent: no overflow


def deliver(link: JetStream, consumer: str, message: Any) -> None:
    """One JetStream message: handle it, then ack; on failure nak with backoff, or dead-letter it."""
    envelope = json.loads(message.data)
    attempt = message.metadata.num_delivered
    token = _attempt.set(attempt)
    try:
        handle_event(consumer, envelope)
    except RetryLater as exc:
        RETRIES.labels(consumer=consumer, type=envelope["type"]).inc()
        logger.warning("%s waits on %s (attempt %d): %s", consumer, envelope["id"], attempt, exc)
        link.run(message.nak(delay=min(retry_delay(attempt), exc.cap_seconds)))
        return
    except Exception as exc:
        if attempt >= settings.CONSUMER_MAX_ATTEMPTS:
            dead_letter_record(consumer=consumer, envelope=envelope, error=exc, attempts=attempt)
            link.run(message.ack())
        else:
            RETRIES.labels(consumer=consumer, type=envelope["type"]).inc()
            logger.warning("%s failed on %s (attempt %d): %s", consumer, envelope["id"], attempt, exc)
            link.run(message.nak(delay=retry_delay(attempt)))
        return
    finally:
        _attempt.reset(token)
    link.run(message.ack())


def dead_letter_record(*, consumer: str, envelope: dict[str, Any], error: Exception, attempts: int) -> DeadLetter:
    with transaction.atomic(durable=True):
        letter, _ = DeadLetter.objects.update_or_create(
            consumer=consumer,
            event_id=envelope["id"],
            defaults={
                "type": envelope["type"],
                "envelope": envelope,
                "error": "".join(traceback.format_exception_only(error)).strip(),
                "attempts": attempts,
                "resolved_at": None,
            },
        )
    DEAD_LETTERED.labels(consumer=consumer, type=envelope["type"]).inc()
    logger.error("%s gave up on %s after %d attempts", consumer, envelope["id"], attempts)
    return letter


def dead_letter_retry(*, dead_letter_id: int) -> bool:
    """Handle a dead-lettered event again (the admin's action); whether it succeeded now."""
    letter = DeadLetter.objects.get(pk=dead_letter_id)
    now = timezone.now()
    try:
        handle_event(letter.consumer, letter.envelope)
    except Exception as exc:
        DeadLetter.objects.filter(pk=letter.pk).update(retried_at=now, error=str(exc) or exc.__class__.__name__)
        return False
    DeadLetter.objects.filter(pk=letter.pk).update(retried_at=now, resolved_at=now)
    return True


def _subject() -> str:
    return f"{settings.NATS_SUBJECT_PREFIX}.>"


def run_consumer(consumer: str, *, link: JetStream, should_stop: Callable[[], bool] = bool) -> None:
    """Pull from the durable consumer `consumer` until `should_stop()`."""
    consumer_handlers(consumer)
    config = ConsumerConfig(durable_name=consumer, ack_wait=ACK_WAIT_SECONDS, max_deliver=-1)
    subscription = link.run(
        link.js.pull_subscribe(_subject(), durable=consumer, stream=settings.NATS_STREAM, config=config)
    )
    while not should_stop():
        try:
            messages = link.run(subscription.fetch(FETCH_BATCH, timeout=FETCH_SECONDS))
        except TimeoutError:  # nothing to fetch: nats' own TimeoutError, or (its deadline run out between
            # its two pull requests, on a loaded machine) asyncio's: both are the builtin TimeoutError
            continue
        for message in messages:
            deliver(link, consumer, message)


def replay(consumer: str, *, link: JetStream, since: datetime | int) -> tuple[int, int]:
    """Deliver the stream's history from `since` (a time or a sequence) to `consumer` once more,
    outside its durable consumer; (delivered, newly handled). Handled events change nothing."""
    consumer_handlers(consumer)
    start = (
        {"deliver_policy": DeliverPolicy.BY_START_SEQUENCE, "opt_start_seq": since}
        if isinstance(since, int)
        else {"deliver_policy": DeliverPolicy.BY_START_TIME, "opt_start_time": since.isoformat()}
    )
    config = ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, inactive_threshold=60.0, **start)
    subscription = link.run(link.js.pull_subscribe(_subject(), stream=settings.NATS_STREAM, config=config))
    delivered = handled = 0
    while True:
        try:
            messages = link.run(subscription.fetch(FETCH_BATCH, timeout=FETCH_SECONDS))
        except TimeoutError:
            break
        for message in messages:
            delivered += 1
            handled += handle_event(consumer, json.loads(message.data))
            link.run(message.ack())
    link.run(subscription.unsubscribe())
    return delivered, handled
