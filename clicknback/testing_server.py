"""A real gunicorn (or another WSGI server's command line), with real workers, against the current test database.

    @pytest.mark.django_db(transaction=True)   # the server only sees committed rows
    def test_something():
        with running_server(workers=2, env={"LOG_FORMAT": "json"}) as server:
            urllib.request.urlopen(server.url + "/health/live")
            os.kill(server.worker_pids()[0], signal.SIGKILL)

The child gets the test database as `DATABASE_URL` (a TCP host or, for the embedded PostgreSQL, a
Unix socket folder percent-encoded into the host), the tests' settings module, plain HTTP, and
the project's gunicorn.conf.py. It is always stopped, workers included, when the block ends.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import connection

PROJECT_DIR = Path(settings.BASE_DIR)


def database_url(settings_dict: Mapping[str, Any]) -> str:
    """A `DATABASE_URL` that dj_database_url and psycopg read back as these connection settings."""
    user = quote(str(settings_dict.get("USER") or ""), safe="")
    password = quote(str(settings_dict.get("PASSWORD") or ""), safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = quote(str(settings_dict.get("HOST") or ""), safe="")  # a socket folder's slashes become %2F
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(str(settings_dict['NAME']), safe='')}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningServer:
    url: str
    process: subprocess.Popen
    log_path: Path

    def output(self) -> str:
        """Everything the server wrote so far (gunicorn's and the application's logs)."""
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def _wait_until_live(server: RunningServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited with {server.process.returncode}:\n{server.output()}")
        try:
            with urllib.request.urlopen(server.url + "/health/live", timeout=5) as response:  # noqa: S310 - http://127.0.0.1
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server did not answer /health/live within {timeout}s:\n{server.output()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
    # The server runs in its own process group: nothing it started outlives the test.
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def gunicorn_command(port: int, workers: int, *, python: str = sys.executable) -> list[str]:
    """The project's gunicorn.conf.py, bound to 127.0.0.1:`port`."""
    return [
        python, "-m", "gunicorn", "--config", str(PROJECT_DIR / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
    ]  # fmt: skip


@contextmanager
def running_server(
    *,
    workers: int = 1,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 30,
    command: Callable[[int, int], Sequence[str]] = gunicorn_command,
) -> Iterator[RunningServer]:
    """Start gunicorn (or `command(port, workers)`, another WSGI server) on a free 127.0.0.1 port,
    yield it once /health/live answers, always stop it."""
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="clicknback-server-") as folder:
        metrics_dir = Path(folder) / "metrics"
        metrics_dir.mkdir()
        child_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "clicknback.settings_test"),
            "DATABASE_URL": database_url(connection.settings_dict),
            "HTTPS_ONLY": "false",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        log_path = Path(folder) / "server.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603 - a fixed command line
                list(command(port, workers)),
                cwd=PROJECT_DIR,
                env=child_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = RunningServer(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
        try:
            _wait_until_live(server, startup_timeout)
            yield server
        finally:
            _stop(process)
