"""The real server for the benchmark: gunicorn with the production settings, against a bench database.

Reuses the ops helper `clicknback.testing_server.running_server` (free port, wait for
/health/live, always stopped) with the environment a benchmark needs: production settings over
plain HTTP, rate limits and fraud velocity set out of the way, worker recycling off so a worker
restart (a second of CPU on a 2-core machine) does not land in the middle of the measurement.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from bench.config import BENCH_ENV, Scale
from clicknback.testing_server import RunningServer, running_server


def server_env(scale: Scale, database_url: str) -> dict[str, str]:
    return {
        **BENCH_ENV,
        "DJANGO_SETTINGS_MODULE": "clicknback.settings",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": str(scale.conn_max_age),
        "GUNICORN_MAX_REQUESTS": "0",
        "GUNICORN_WORKER_CLASS": scale.worker_class,
        "GUNICORN_THREADS": str(scale.threads),
    }


@contextmanager
def bench_server(scale: Scale, database_url: str) -> Iterator[RunningServer]:
    with running_server(workers=scale.workers, env=server_env(scale, database_url), startup_timeout=60) as server:
        yield server
