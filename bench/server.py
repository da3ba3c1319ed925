"""The real server for the benchmark: gunicorn with the production settings, against a bench database.

Reuses the ops helper `clicknback.testing_server.running_server` (free port, wait for
/health/live, always stopped) with the environment a benchmark needs: production settings over
plain HTTP, rate limits and fraud velocity set out of the way, worker recycling off so a worker
restart (a second of CPU on a 2-core machine) does not land in the middle of the measurement.

`WsgiServer` names the other servers the `servers` section compares with it: gunicorn gthread
and granian (a Rust HTTP server; its WSGI interface), each run by `BENCH_SERVER_PYTHON` (default
this interpreter), so every server runs the same Python and the same packages.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial

from bench.config import BENCH_ENV, Scale
from clicknback.testing_server import RunningServer, gunicorn_command, running_server


@dataclass(frozen=True)
class WsgiServer:
    """One server configuration: `gunicorn` with a worker class, or `granian` (`threads` blocking
    threads per worker process, each serving one request at a time, as a sync worker does)."""

    name: str
    program: str  # gunicorn | granian
    worker_class: str = "sync"
    threads: int = 1
    # False: the load asks for `Connection: close`, a new connection per request as a sync worker
    # makes it (and as a balancer without upstream keep-alive would), to tell keep-alive's share apart.
    keepalive: bool = True

    def command(self, port: int, workers: int, *, python: str) -> list[str]:
        if self.program == "gunicorn":
            return gunicorn_command(port, workers, python=python)
        return [
            python, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers), "--blocking-threads", str(self.threads), "--http", "1", "--no-ws",
            "--log-level", "warning", "clicknback.wsgi:application",
        ]  # fmt: skip


# The `servers` section's choices (`BENCH_SERVERS`, comma-separated; the first is the reference).
SERVERS = {
    "sync": WsgiServer("gunicorn sync", "gunicorn"),
    "gthread": WsgiServer("gunicorn gthread x2", "gunicorn", worker_class="gthread", threads=2),
    "granian": WsgiServer("granian wsgi", "granian"),
    "granian-close": WsgiServer("granian wsgi, Connection: close", "granian", keepalive=False),
}
DEFAULT_SERVERS = "sync,gthread,granian,granian-close"


def server_python() -> str:
    return os.environ.get("BENCH_SERVER_PYTHON") or sys.executable


def server_env(scale: Scale, database_url: str, *, wsgi: WsgiServer | None = None) -> dict[str, str]:
    return {
        **BENCH_ENV,
        "DJANGO_SETTINGS_MODULE": "clicknback.settings",
        "DATABASE_URL": database_url,
        "CONN_MAX_AGE": str(scale.conn_max_age),
        "GUNICORN_MAX_REQUESTS": "0",
        "GUNICORN_WORKER_CLASS": wsgi.worker_class if wsgi else scale.worker_class,
        "GUNICORN_THREADS": str(wsgi.threads if wsgi else scale.threads),
    }


@contextmanager
def bench_server(
    scale: Scale, database_url: str, *, wsgi: WsgiServer | None = None, env: dict[str, str] | None = None
) -> Iterator[RunningServer]:
    """gunicorn as `scale` configures it, or `wsgi` run by `server_python()`."""
    extra = {"command": partial(wsgi.command, python=server_python())} if wsgi else {}
    environment = {**server_env(scale, database_url, wsgi=wsgi), **(env or {})}
    with running_server(workers=scale.workers, env=environment, startup_timeout=60, **extra) as server:
        yield server
