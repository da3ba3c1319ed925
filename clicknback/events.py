"""Financial facts leave the transaction only once it has committed.

`record_event("purchase.created", purchase_id=..., amount=...)` logs one structured line after
commit and counts it in the metrics (`clicknback.metrics` lists the event names and fields it
counts). Call it from services, inside their transaction; a rolled-back transaction records nothing.
The line carries the event name, the fields (ids, amounts, the actor) and the request id.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.db import transaction

from clicknback.actors import Actor
from clicknback.metrics import count_event

logger = logging.getLogger("clicknback.events")


def json_safe(value: Any) -> Any:
    """A JSON-friendly value: amounts and ids as strings, the actor as `kind:id`."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Actor):
        return f"{value.kind}:{value.id or value.label}"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [json_safe(item) for item in value]
    return str(value)


def record_event(event: str, **fields: Any) -> None:
    plain = {key: json_safe(value) for key, value in fields.items()}

    def emit() -> None:
        logger.info(event, extra={"ctx": {"event": event, **plain}})
        count_event(event, plain)

    transaction.on_commit(emit)
