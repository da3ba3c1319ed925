"""What a benchmark run does and how big it is: `BENCH_SCALE` (full or smoke) and `BENCH_*` overrides.

Everything is read from the environment once, so `make bench`, the smoke test and a person at a
shell all describe a run the same way; the JSON report records the values used.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from typing import Any

BENCH_SECRET_KEY = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"

# Shared by the server and the process that signs tokens and webhooks for it.
BENCH_ENV = {
    "SECRET_KEY": BENCH_SECRET_KEY,
    "DEBUG": "false",
    "HTTPS_ONLY": "false",
    "ACCESS_TOKEN_MINUTES": "240",
    # The bench sends thousands of webhooks a second from one partner and many per user.
    "WEBHOOK_RATE_LIMIT": "100000000/m",
    # The read load signs in as a handful of users: the per-user API limits are counted but never reached.
    "USER_READ_RATE_LIMIT": "100000000/m",
    "USER_WRITE_RATE_LIMIT": "100000000/m",
    "FRAUD_VELOCITY_LIMIT": "1000000/h",
    "RATELIMIT_ENABLE": "true",  # on, as in production (locmem cache: no Redis round trip)
    "REDIS_URL": "",
}

# What a run measures, in this order (`--only` picks some).
SECTIONS = (
    "queries", "reads", "analytics", "ingestion", "campaigns", "features", "batch", "servers", "ceiling",
    "confirmation", "relay",
)  # fmt: skip


@dataclass(frozen=True)
class DataSize:
    """One generated database."""

    name: str  # database name suffix: <prefix>_<name>
    users: int
    merchants: int
    purchases: int
    # The read benchmark signs in as these users: on the small set they have just over a page of
    # history, on the big set a long one, so the latency ratio shows what history alone costs.
    heavy_users: int = 0
    heavy_purchases: int = 0  # purchases of each heavy user
    due: int = 0  # pending purchases already due for confirmation (the job's work)


@dataclass(frozen=True)
class Scale:
    name: str
    small: DataSize
    big: DataSize
    ingest_seconds: float  # sustained webhook load
    ingest_concurrency: int  # client connections sending webhooks at once
    read_seconds: float  # per endpoint and data set
    read_concurrency: int
    read_users: int  # distinct users (tokens) the read load cycles through
    pgbench_seconds: float
    pgbench_clients: int
    workers: int  # gunicorn workers
    conn_max_age: int  # seconds a worker keeps its database connection
    warmup_seconds: float  # load before each measurement that is not counted
    relay_events: int = 100_000  # the outbox backlog relay_outbox drains
    worker_class: str = "sync"  # gunicorn worker class (sync or gthread)
    threads: int = 1  # threads per gthread worker
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


FULL = Scale(
    name="full",
    small=DataSize("small", users=1_000, merchants=200, purchases=10_000, heavy_users=100, heavy_purchases=30),
    big=DataSize(
        "big", users=100_000, merchants=200, purchases=1_000_000, heavy_users=100, heavy_purchases=2_000, due=100_000
    ),
    ingest_seconds=30,
    ingest_concurrency=4,
    read_seconds=10,
    read_concurrency=4,
    read_users=100,
    pgbench_seconds=20,
    pgbench_clients=8,
    workers=4,
    conn_max_age=600,
    warmup_seconds=2,
)

SMOKE = Scale(
    name="smoke",
    small=DataSize("small", users=30, merchants=3, purchases=150, heavy_users=3, heavy_purchases=25),
    big=DataSize("big", users=60, merchants=3, purchases=600, heavy_users=3, heavy_purchases=100, due=100),
    ingest_seconds=1.5,
    ingest_concurrency=2,
    read_seconds=0.5,
    read_concurrency=2,
    read_users=3,
    pgbench_seconds=1,
    pgbench_clients=2,
    workers=2,
    conn_max_age=600,
    warmup_seconds=0.2,
    relay_events=2_000,
)

_INT_KNOBS = {
    # environment variable -> (part, field)
    "BENCH_USERS": ("big", "users"),
    "BENCH_MERCHANTS": ("big", "merchants"),
    "BENCH_PURCHASES": ("big", "purchases"),
    "BENCH_HEAVY_USERS": ("big", "heavy_users"),
    "BENCH_HEAVY_PURCHASES": ("big", "heavy_purchases"),
    "BENCH_DUE": ("big", "due"),
    "BENCH_SMALL_USERS": ("small", "users"),
    "BENCH_SMALL_PURCHASES": ("small", "purchases"),
}
_RUN_KNOBS = {
    "BENCH_INGEST_SECONDS": ("ingest_seconds", float),
    "BENCH_INGEST_CONCURRENCY": ("ingest_concurrency", int),
    "BENCH_READ_SECONDS": ("read_seconds", float),
    "BENCH_READ_CONCURRENCY": ("read_concurrency", int),
    "BENCH_READ_USERS": ("read_users", int),
    "BENCH_PGBENCH_SECONDS": ("pgbench_seconds", float),
    "BENCH_PGBENCH_CLIENTS": ("pgbench_clients", int),
    "BENCH_WORKERS": ("workers", int),
    "BENCH_CONN_MAX_AGE": ("conn_max_age", int),
    "BENCH_WARMUP_SECONDS": ("warmup_seconds", float),
    "BENCH_RELAY_EVENTS": ("relay_events", int),
    "BENCH_WORKER_CLASS": ("worker_class", str),
    "BENCH_THREADS": ("threads", int),
}
# Not a Scale field: `BENCH_SERVERS` (the servers section's choice, bench/server.py) and
# `BENCH_SERVER_PYTHON` (the interpreter that runs them) are read where they are used.


def scale_from_env(environ: dict[str, str] | None = None) -> Scale:
    """`BENCH_SCALE` picks full (default) or smoke; any `BENCH_*` knob above overrides one value."""
    env = os.environ if environ is None else environ
    name = env.get("BENCH_SCALE", "full")
    scale = {"full": FULL, "smoke": SMOKE}.get(name)
    if scale is None:
        raise SystemExit(f"BENCH_SCALE must be full or smoke, not {name!r}.")
    parts = {"small": scale.small, "big": scale.big}
    for variable, (part, name_) in _INT_KNOBS.items():
        if env.get(variable):
            parts[part] = replace(parts[part], **{name_: int(env[variable])})
    changes: dict[str, Any] = {
        key: convert(env[variable]) for variable, (key, convert) in _RUN_KNOBS.items() if env.get(variable)
    }
    return replace(scale, small=parts["small"], big=parts["big"], **changes)
