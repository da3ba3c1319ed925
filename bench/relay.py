"""The relay against a backlog: N unpublished events in the outbox, `manage.py relay_outbox` (one
pass: it drains the outbox and exits) in its own process on a JetStream stream of the run's own,
timed from start to exit (startup included), beside the ingestion rate of the same run.

The backlog is written by SQL (`INSERT ... SELECT generate_series`): `purchase.created` envelopes
with the fields and the size the webhook writes. Events already in the outbox (the run's own
ingestion and confirmation) are marked published first, so the relay publishes exactly N.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from django.db import connection

from clicknback.rawsql import col, table
from events.models import OutboxEvent

PROJECT_DIR = Path(__file__).resolve().parent.parent


def fill_outbox(count: int) -> int:
    """Mark what is in the outbox published, then write `count` unpublished events; how many are unpublished."""
    e = OutboxEvent
    data = (
        "jsonb_build_object('purchase_id', p::text, 'external_id', 'relay-' || n, 'user_id', gen_random_uuid()::text,"
        " 'merchant_id', gen_random_uuid()::text, 'offer_id', gen_random_uuid()::text, 'amount', '123.45',"
        " 'cashback_amount', '6.17', 'cashback', jsonb_build_object('base', '6.17'), 'flagged', false,"
        " 'actor', 'partner:' || gen_random_uuid()::text)"
    )
    names = ", ".join(col(e, f) for f in ("id", "type", "version", "occurred_at", "subject", "data", "attempts"))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table(e)} SET {col(e, 'published_at')} = now() WHERE {col(e, 'published_at')} IS NULL")
        cursor.execute(
            f"INSERT INTO {table(e)} ({names}) SELECT gen_random_uuid(), 'purchase.created', 1,"
            f" now() - make_interval(secs => (%(count)s - n) / 1000.0), p::text, {data}, 0"
            " FROM generate_series(1, %(count)s) AS n, LATERAL (SELECT gen_random_uuid() AS p) AS purchase",
            {"count": count},
        )
        cursor.execute(f"ANALYZE {table(e)}")
        cursor.execute(f"SELECT count(*) FROM {table(e)} WHERE {col(e, 'published_at')} IS NULL")
        return cursor.fetchone()[0]


def run_relay(env: dict[str, str], nats_url: str) -> dict[str, Any]:
    """`relay_outbox` once, to a stream of its own (deleted afterwards); events published, seconds, rate."""
    from events.jetstream import JetStream

    suffix = uuid.uuid4().hex[:10]
    stream, prefix = f"BENCH_{suffix}", f"bench{suffix}"
    connection.close()
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "manage.py", "relay_outbox"],
        cwd=PROJECT_DIR,
        env={**os.environ, **env, "NATS_URL": nats_url, "NATS_STREAM": stream, "NATS_SUBJECT_PREFIX": prefix},
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - started
    link = JetStream(nats_url).connect(ensure_stream=False)
    try:
        in_stream = link.run(link.js.stream_info(stream)).state.messages
        link.run(link.js.delete_stream(stream))
    finally:
        link.close()
    if done.returncode != 0:
        raise RuntimeError(f"relay_outbox failed:\n{done.stderr[-3000:]}")
    published = int(done.stdout.split()[1])
    return {
        "published": published,
        "in_stream": in_stream,
        "seconds": round(seconds, 2),
        "per_second": round(published / seconds, 1),
    }
