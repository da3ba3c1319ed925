"""`make run` is `honcho start` on the Procfile: every process comes up, and Ctrl-C stops them all
(issue 16.6). The Procfile's own commands run here, on the test database and the test's JetStream
stream (the machine's NATS with `NATS_URL`, else the embedded one), with the web server on a free
port; an event written before the start goes through the relay and the consumer to a notification."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import psutil
import pytest
from django.conf import settings
from django.db import connection

from clicknback.actors import Actor
from clicknback.embedded_nats import running_nats_url
from clicknback.testing_server import database_url, free_port
from notifications.models import Notification
from payouts.services import payout_complete
from tests.required_servers import SERVERS
from wallets.tests.helpers import fund_wallet

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
# What each process says once it is up (the web server answers /health/live instead). The chain
# adapter runs where its development chain (anvil, fetched by `make install`) is there.
STARTED = {
    "confirm": "Confirmed 0 purchases.",
    "relay": "Relaying the outbox to JetStream",
    "notifications": "Consumer notifications pulling from stream",
    "reminders": "Reminded 0 lots of points expiring.",
    "chain": "chain adapter on ",
}
PROCESSES = {"web", *STARTED} - (set() if SERVERS["anvil"][1]() else {"chain"})
STARTUP_SECONDS = 60.0


def procfile_lines(port: int) -> list[str]:
    """The project's Procfile, its processes as written, the web server moved to a free port."""
    lines = [line for line in (ROOT / "Procfile").read_text().splitlines() if line.split(":", 1)[0] in PROCESSES]
    assert {line.split(":", 1)[0] for line in lines} == PROCESSES
    return [line.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for line in lines]


def wait_for(check: Callable[[], bool], what: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {STARTUP_SECONDS:.0f} s; honcho said:\n{log.read_text()}")
        time.sleep(0.2)


def said(log: Path, name: str, text: str) -> bool:
    """Whether process `name` wrote `text` (honcho prefixes each line with `time name.1 |`)."""
    return any(
        prefix.split()[-1:] == [f"{name}.1"] and text in line
        for prefix, _, line in (row.partition("|") for row in log.read_text().splitlines())
    )


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


def test_honcho_starts_every_process_and_ctrl_c_stops_them_all(jetstream, tmp_path, user, make_payout):
    fund_wallet(user, Decimal("30.00"))
    payout_complete(payout_id=make_payout(user).id, actor=Actor.job("test"))  # payout.completed in the outbox
    port = free_port()
    (tmp_path / "Procfile").write_text("\n".join(procfile_lines(port)) + "\n")
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "clicknback.settings",  # as `make run` (pytest's are the test settings)
        "DATABASE_URL": database_url(connection.settings_dict),  # the test database
        "NATS_URL": running_nats_url(),
        "NATS_STREAM": settings.NATS_STREAM,
        "NATS_SUBJECT_PREFIX": settings.NATS_SUBJECT_PREFIX,
        "CONSUMER_RETRY_BASE_SECONDS": "0.1",
        "CHAIN_DATA_DIR": str(tmp_path / "chain"),  # a development chain of its own
        "CHAIN_ADAPTER_ADDR": f"127.0.0.1:{free_port()}",
    }
    log = tmp_path / "honcho.log"
    with open(log, "wb") as out:
        honcho = subprocess.Popen(
            [str(Path(sys.executable).parent / "honcho"), "-f", str(tmp_path / "Procfile"), "-d", str(ROOT), "start"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal's foreground job
        )
    try:
        wait_for(lambda: answers(f"http://127.0.0.1:{port}/health/live"), "web answering /health/live", log)
        for name in sorted(PROCESSES & STARTED.keys()):
            wait_for(lambda name=name: said(log, name, STARTED[name]), f"{name} starting", log)
        wait_for(
            lambda: Notification.objects.filter(user=user, kind="payout.completed").exists(), "a notification", log
        )
        children = psutil.Process(honcho.pid).children(recursive=True)
        assert len(children) >= len(PROCESSES)

        os.killpg(honcho.pid, signal.SIGINT)  # Ctrl-C in the terminal
        assert honcho.wait(timeout=30) is not None
        _, alive = psutil.wait_procs(children, timeout=15)
        assert alive == [], f"still running after Ctrl-C: {[p.cmdline() for p in alive]}"
    finally:
        if honcho.poll() is None:
            os.killpg(honcho.pid, signal.SIGKILL)
            honcho.wait()
