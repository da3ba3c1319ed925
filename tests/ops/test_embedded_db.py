"""`make run` stops what it started: when `manage.py runserver` ends, so does the embedded PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest
from django.conf import settings

from clicknback.testing_server import free_port

pytestmark = pytest.mark.slow


# A stop is pg_ctl's fast shutdown, whose checkpoint waits on the disk: late in a full run that
# writes a large test database, it took longer than 15 s (and the next start waits on its lock).
STOP_SECONDS = 90


def wait_for(condition, what: str, timeout: float = STOP_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting until {what}"
        time.sleep(0.1)


def answers(url: str) -> bool:
    try:
        urllib.request.urlopen(url, timeout=1).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def embedded_env(data_dir: Path) -> dict[str, str]:
    """No DATABASE_URL, as on a newcomer's machine: the embedded PostgreSQL, in `data_dir`."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    return {**env, "EMBEDDED_PGDATA_DIR": str(data_dir)}


@pytest.fixture(scope="module")
def data_dir() -> Iterator[Path]:
    """One data folder for the module (initdb once); a server a failed test left running is stopped.

    Not under pytest's tmp folder: as root the server runs as another user, which must traverse the
    folder's parents, and every pytest session starting on the machine makes those private again.
    """
    with tempfile.TemporaryDirectory(prefix="clicknback-embedded-") as parent:
        path = Path(parent) / "pgdata"
        yield path
        if (path / "postmaster.pid").exists():
            with suppress(ProcessLookupError):
                os.kill(int((path / "postmaster.pid").read_text().split()[0]), signal.SIGINT)  # a fast shutdown
            wait_for(lambda: not (path / "postmaster.pid").exists(), "the leftover server has stopped")


@pytest.fixture
def runserver(data_dir: Path) -> Iterator[subprocess.Popen]:
    """`make run`'s last step, in a session of its own (as in a terminal), on a throwaway data folder."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}"],
        cwd=settings.BASE_DIR,
        env={**embedded_env(data_dir), "DEBUG": "true"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/health/live"), "runserver answers", timeout=2 * STOP_SECONDS)
        yield process
    finally:
        for pid in [process.pid, *reloader_children(process)]:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        process.wait(10)


def reloader_children(process: subprocess.Popen) -> list[int]:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def test_ctrl_c_stops_the_embedded_postgresql(runserver: subprocess.Popen, data_dir: Path) -> None:
    assert (data_dir / "postmaster.pid").exists()
    os.killpg(runserver.pid, signal.SIGINT)  # what the terminal does on Ctrl-C
    runserver.wait(STOP_SECONDS)
    wait_for(lambda: not (data_dir / "postmaster.pid").exists(), "the embedded PostgreSQL has stopped")


def test_a_process_managers_sigterm_stops_the_embedded_postgresql(runserver: subprocess.Popen, data_dir: Path) -> None:
    # honcho (make run) stops its processes with SIGTERM, which skips Python's exit hooks by default.
    os.killpg(runserver.pid, signal.SIGTERM)
    runserver.wait(STOP_SECONDS)
    wait_for(lambda: not (data_dir / "postmaster.pid").exists(), "the embedded PostgreSQL has stopped")


def test_it_stops_even_when_the_reloaders_child_was_killed(runserver: subprocess.Popen, data_dir: Path) -> None:
    # After Ctrl-C the autoreloader gives its child 0.25 s to exit, then SIGKILLs it: the child never
    # gets to say it is done with the server, and the parent must not wait for it forever.
    (child,) = reloader_children(runserver)
    os.kill(child, signal.SIGKILL)
    runserver.wait(STOP_SECONDS)
    wait_for(lambda: not (data_dir / "postmaster.pid").exists(), "the embedded PostgreSQL has stopped")


def test_make_stop_stops_it_whoever_holds_it(runserver: subprocess.Popen, data_dir: Path) -> None:
    def make_stop() -> str:
        return subprocess.run(
            [sys.executable, "-m", "clicknback.embedded_db", "stop"],
            cwd=settings.BASE_DIR,
            env=embedded_env(data_dir),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout

    assert make_stop() == f"embedded PostgreSQL in {data_dir}: stopped\n"
    assert not (data_dir / "postmaster.pid").exists()
    assert runserver.poll() is None  # runserver itself is still up: only the database was asked to stop
    assert make_stop() == f"embedded PostgreSQL in {data_dir}: was not running\n"


def test_a_handle_file_emptied_by_a_killed_writer_still_lets_the_server_stop_and_start(
    runserver: subprocess.Popen, data_dir: Path
) -> None:
    # The library rewrites the file in place: a process killed in between (the reloader SIGKILLs its
    # child) left it empty, every later start then failed to read it, and the server ran forever.
    (data_dir / ".handle_pids.json").write_text("")
    os.killpg(runserver.pid, signal.SIGTERM)
    runserver.wait(STOP_SECONDS)
    wait_for(lambda: not (data_dir / "postmaster.pid").exists(), "the embedded PostgreSQL has stopped")
    (data_dir / ".handle_pids.json").write_text("")
    assert (
        subprocess.run(
            [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=embedded_env(data_dir), timeout=120
        ).returncode
        == 0
    )
    wait_for(lambda: not (data_dir / "postmaster.pid").exists(), "the check's server has stopped again")


def test_the_last_process_out_stops_the_server_even_when_the_handle_file_lost_it(
    runserver: subprocess.Popen, data_dir: Path
) -> None:
    # An emptied file rebuilt by a process that was then killed lists only that dead process: the
    # live ones still hold their handles, and the last of them out must stop the server.
    dead = subprocess.Popen(["true"])
    dead.wait()
    (data_dir / ".handle_pids.json").write_text(f"[{dead.pid}]")
    os.killpg(runserver.pid, signal.SIGTERM)
    runserver.wait(STOP_SECONDS)
    wait_for(lambda: not (data_dir / "postmaster.pid").exists(), "the embedded PostgreSQL has stopped")
