"""Domain events, written in the transaction of the change that causes them (events.md).

`outbox.record("payout.completed", payout.id, {...})` inserts one `OutboxEvent` row in the
caller's transaction (it refuses to run outside one): no event for a rolled-back change, no
committed change without its event. `relay_outbox` publishes the rows later. After commit the same
call logs one structured line (logger `clicknback.events`, with the request id) and counts the
event in the metrics (`clicknback.metrics.count_event`). `pending` and `record_many` are the same
for the hot paths that insert the row in a statement of their own or a whole batch at once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction

from clicknback.events import json_safe
from clicknback.metrics import count_event
from events.models import OutboxEvent

logger = logging.getLogger("clicknback.events")

EventSpec = tuple[str, Any, Mapping[str, Any]]


def plain(value: Any) -> Any:
    """JSON-ready data: mappings kept, amounts and ids as strings (`clicknback.events.json_safe`)."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, Decimal):
        return str(value)
    return json_safe(value)


def pending(type: str, subject: Any, data: Mapping[str, Any]) -> OutboxEvent:
    """An unsaved event the caller inserts in this transaction (in a statement of its own making)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"Event {type} must be recorded inside the transaction of its change.")
    event = OutboxEvent(type=type, subject=str(subject), data=plain(data))
    transaction.on_commit(lambda: announce(event))
    return event


def record(type: str, subject: Any, data: Mapping[str, Any]) -> OutboxEvent:
    """Write one event in the caller's transaction."""
    event = pending(type, subject, data)
    event.save(force_insert=True)
    return event


def record_many(specs: Iterable[EventSpec]) -> list[OutboxEvent]:
    """Write a batch of events in one INSERT (the confirmation job)."""
    events = [pending(type, subject, data) for type, subject, data in specs]
    return OutboxEvent.objects.bulk_create(events)


def announce(event: OutboxEvent) -> None:
    """The committed event as a log line and in the metrics."""
    logger.info(event.type, extra={"ctx": {"event": event.type, "event_id": str(event.id), **event.data}})
    count_event(event.type, event.data)
