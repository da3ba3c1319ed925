"""Daily figures kept as the changes happen, in the changes' own transactions.

The apps that move money or points (purchases, payouts, loyalty) call `rollup_add(...)` while
they work, and their service's last step calls `rollups_flush()`: every figure of the transaction
is written in one statement, its rows in a fixed order, after every other lock the transaction
takes. So two transactions touching the same day rows wait for each other in one order (never a
deadlock), and a day row is held only between the flush and the commit.

The writer is registered by `analytics` (its `AppConfig.ready`), which reads and rebuilds the
figures: the sources never import it, and the dependencies keep pointing one way.

A figure added inside a savepoint that rolls back, or a transaction that rolls back, is never
written: each addition is tied to an `on_commit` marker, and Django drops those markers with the
work they belong to. A marker that reaches the commit unflushed is a service that forgot its
flush: logged as an error (and `verify_ledger` reports the drift until `rebuild_rollups`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import transaction

logger = logging.getLogger(__name__)

Number = int | Decimal


@dataclass(frozen=True)
class RollupKey:
    """Where a figure counts: a day, the user it belongs to, and the merchant when it has one.
    `active` marks the user active that day."""

    day: date
    user_id: uuid.UUID
    merchant_id: uuid.UUID | None = None
    active: bool = False


@dataclass
class _Addition:
    key: RollupKey
    figures: dict[str, Number]
    marker: Callable[[], None] = field(repr=False)
    flushed: bool = False


Writer = Callable[[list[tuple[RollupKey, dict[str, Number]]]], None]
_writer: Writer | None = None


def rollup_writer_register(writer: Writer) -> None:
    """The one writer of the figures (analytics); without one, flushing writes nothing."""
    global _writer
    _writer = writer


def rollup_add(*, day: date, user_id: uuid.UUID, merchant_id: uuid.UUID | None = None, active: bool = False,
               **figures: Number) -> None:  # fmt: skip
    """Add `figures` (name -> delta) to the day's rows, written by the transaction's `rollups_flush()`."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("rollup_add runs inside the transaction of the change it counts.")
    addition = _Addition(RollupKey(day, user_id, merchant_id, active), figures, marker=lambda: None)

    def marker() -> None:
        if not addition.flushed:
            logger.error("rollup figures committed without rollups_flush(): %s %s", addition.key, addition.figures)

    addition.marker = marker
    transaction.on_commit(marker)
    _pending(connection).append(addition)


@contextmanager
def rollups_held() -> Iterator[None]:
    """Inside, a service's own `rollups_flush()` waits for the enclosing service's last one: a step
    such as an automatic token payout inside a confirmation then takes no day row before the
    confirmation's other locks, and the transaction's rows are still taken in one sorted statement."""
    connection = transaction.get_connection()
    connection.rollups_held = getattr(connection, "rollups_held", 0) + 1
    try:
        yield
    finally:
        connection.rollups_held -= 1


def rollups_flush() -> None:
    """Write the figures added in this transaction (one statement); the service's last step."""
    connection = transaction.get_connection()
    if getattr(connection, "rollups_held", 0):
        return
    pending = _pending(connection)
    if not pending:
        return
    # Only additions whose marker is still waiting for the commit belong to live work.
    live = {id(callback) for _, callback, _ in connection.run_on_commit}
    additions = [a for a in pending if id(a.marker) in live and not a.flushed]
    pending.clear()
    for addition in additions:
        addition.flushed = True
    if additions and _writer is not None:
        _writer([(a.key, a.figures) for a in additions])


def _pending(connection) -> list[_Addition]:
    pending = getattr(connection, "_rollups_pending", None)
    if pending is None:
        pending = connection._rollups_pending = []
    return pending
