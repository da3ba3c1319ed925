"""Financial facts leave the transaction only once it has committed.

`record_event("purchase.created", purchase_id=..., amount=...)` logs one structured line after
commit (and, once metrics exist, counts it). Call it from services, inside their transaction;
a rolled-back transaction records nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger("clicknback.events")


def record_event(event: str, **fields: Any) -> None:
    def emit() -> None:
        logger.info(
            event, extra={"event": event, "fields": {k: str(v) if v is not None else None for k, v in fields.items()}}
        )

    transaction.on_commit(emit)
