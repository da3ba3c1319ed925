"""The measurements, in the order of one run (Django is set up by `bench.run` first).

small set: generate, verify, reads.  big set: generate, verify, queries per request, reads,
analytics against the wallet, ingestion under load, with campaigns, with every feature on beside the server's floor, in
batches; the WSGI servers side by side; the pgbench ceiling (with and without the outbox row, the
rollup upsert), the confirmation job, the relay draining a backlog, verify again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import batch_ceiling, ceiling, datagen, features, servers
from bench.config import SECTIONS, DataSize, Scale
from bench.cpu import cpu_during, server_sources
from bench.load import LoadResult, RequestFactory, run_load
from bench.server import bench_server, server_env
from bench.webhooks import (
    ANALYTICS_PATHS,
    BATCH_PATH,
    DASHBOARD_PATH,
    READ_PATHS,
    TIERS_PATH,
    batch_outcomes,
    batch_requests,
    ingestion_requests,
    quote_requests,
    read_requests,
    same_requests,
    signed_headers,
)
from clicknback.testing_server import RunningServer

PROJECT_DIR = Path(__file__).resolve().parent.parent
FEATURE_ROUNDS = 4  # the ceiling with and without one feature's statement: alternated rounds
FEATURE_ROUND_SECONDS = 10.0  # floor, ingestion as generated, every feature on: alternated in rounds this long
BATCH_SIZES = (100, 500)
BENCH_APPLICATION = "bench-server"  # the server's PGAPPNAME: its PostgreSQL backends are found by it
BATCH_CONNECTIONS = 4
CEILING_BATCH_SIZE = 100  # the batch whose SQL pgbench replays (fewer events if the data set has fewer users)
ANALYTICS_RANGES = (30, 365)  # days, ending today (issue 18's targets)


@dataclass
class Bench:
    scale: Scale
    base_url: str
    admin_url: str
    names: dict[str, str]
    log: Callable[[str], None]
    reuse_data: bool = False
    sections: set[str] = field(default_factory=lambda: set(SECTIONS))
    _template_ready: bool = False

    def url(self, part: str) -> str:
        from bench.run import _database_url

        return _database_url(self.base_url, self.names[part])

    def run(self) -> dict[str, Any]:
        from bench.run import _use_database

        scale = self.scale
        report: dict[str, Any] = {"meta": {"scale": scale.as_dict()}, "data": {}, "reads": {}}
        password_hash = make_password("bench-password-1")  # one hash for every user: hashing is slow on purpose
        reads: dict[str, dict[str, dict]] = {}
        for part, size in (("small", scale.small), ("big", scale.big)):
            if part == "small" and not self.sections & {"reads"}:
                continue  # only the read ratio needs the small set
            report["data"][part] = self.generate(part, size, password_hash)
            _use_database(self.names[part])
            if part == "big" and "queries" in self.sections:
                report["queries"] = self.queries_per_request(size)
            serves = self.sections & {"reads", "analytics", "ingestion", "campaigns", "features", "batch"}
            if not serves or (part == "small" and "reads" not in self.sections):
                continue
            tokens = self.tokens(size)
            with bench_server(scale, self.url(part), env={"PGAPPNAME": BENCH_APPLICATION}) as server:
                for endpoint, path in READ_PATHS.items() if "reads" in self.sections else ():
                    reads.setdefault(endpoint, {})[part] = self.read_load(
                        server.url, read_requests(path, tokens), label=f"{part}: GET {path}"
                    )
                if part == "big" and "analytics" in self.sections:
                    report["analytics"] = self.analytics(server.url, tokens)
                if part == "big" and "ingestion" in self.sections:
                    report["ingestion"] = self.ingestion(server.url, size)
                if part == "big" and "campaigns" in self.sections:
                    report["campaigns"] = self.campaigns(server.url, size, tokens)
                if part == "big" and "features" in self.sections:
                    report["features"] = self.every_feature(server, size)
                if part == "big" and "batch" in self.sections:
                    report["batch"] = batch = self.batch(server.url, size, report.get("ingestion"))
                    if "skipped" not in batch:
                        batch["ceiling"] = self.batch_ceiling(size, batch[str(CEILING_BATCH_SIZE)])
        if "servers" in self.sections:  # on the big set, after the run's own server has stopped
            chosen = servers.chosen(os.environ.get("BENCH_SERVERS"))
            report["servers"] = servers.compare(
                scale=scale, database_url=self.url("big"), size=scale.big, servers=chosen, log=self.log
            )
        for result in reads.values():
            small, big = result["small"], result["big"]
            result["ratio_p50"] = round(big["p50_ms"] / small["p50_ms"], 2) if small["p50_ms"] else 0.0
            result["ratio_p99"] = round(big["p99_ms"] / small["p99_ms"], 2) if small["p99_ms"] else 0.0
        report["reads"] = reads
        if "ceiling" in self.sections:
            rate = report.get("ingestion", {}).get("throughput_per_s", 0.0)
            report["ceiling"] = self.ceiling(scale.big, rate)
        if "confirmation" in self.sections:
            report["confirmation"] = self.confirmation()
        if "relay" in self.sections:
            report["relay"] = self.relay(report.get("ingestion", {}).get("throughput_per_s", 0.0))
        report["ledger_after"] = {"discrepancies": self.ledger_discrepancies()}
        return report

    # --- data --------------------------------------------------------------------------------

    def generate(self, part: str, size: DataSize, password_hash: str) -> dict[str, Any]:
        from bench.run import _use_database

        name = self.names[part]
        pristine = f"{name}_pristine"
        started = time.monotonic()
        if self.reuse_data:
            rows = datagen.snapshot_rows(self.admin_url, pristine, size)
            if rows is not None:
                self.log(f"{part}: copying {name} from its pristine snapshot {pristine}")
                connection.close()
                datagen.recreate_database(self.admin_url, name, template=pristine)
                _use_database(name)
                seconds = time.monotonic() - started
                discrepancies = self.ledger_discrepancies()
                self.log(f"{part}: copied in {seconds:.1f}s; ledger discrepancies: {discrepancies}")
                return {
                    "database": name,
                    "rows": rows,
                    "seconds": round(seconds, 1),
                    "copied_from": pristine,
                    "ledger_discrepancies": discrepancies,
                }
        self.log(f"{part}: creating database {name} from the migrated template")
        datagen.recreate_database(self.admin_url, name, template=self.migrated_template())
        _use_database(name)
        self.log(f"{part}: generating {size.purchases:,} purchases for {size.users:,} users")
        rows = datagen.generate(self.url(part), size, now=timezone.now(), password_hash=password_hash)
        from analytics.rebuild import rollups_rebuild

        rollups_started = time.monotonic()
        rows["analytics_rollup_rows"] = rollups_rebuild()  # COPY skipped the services that keep them
        self.log(f"{part}: analytics daily figures rebuilt in {time.monotonic() - rollups_started:.1f}s")
        seconds = time.monotonic() - started
        discrepancies = self.ledger_discrepancies()
        self.log(f"{part}: {rows} in {seconds:.1f}s; ledger discrepancies: {discrepancies}")
        if self.reuse_data:
            self.log(f"{part}: snapshotting {name} as {pristine} for the next --reuse-data run")
            connection.close()  # CREATE DATABASE ... TEMPLATE needs the source without sessions
            datagen.snapshot(self.admin_url, name, pristine, size, rows)
            _use_database(name)
        return {"database": name, "rows": rows, "seconds": round(seconds, 1), "ledger_discrepancies": discrepancies}

    def migrated_template(self) -> str:
        """An empty, migrated database to copy from (migrating once is faster than twice)."""
        from bench.run import _use_database

        name = self.names["template"]
        if not self._template_ready:
            self.log(f"migrating {name}")
            datagen.recreate_database(self.admin_url, name)
            _use_database(name)
            call_command("migrate", verbosity=0, interactive=False)
            datagen.check_columns()
            self._template_ready = True
        connection.close()  # CREATE DATABASE ... TEMPLATE needs the template without sessions
        return name

    def ledger_discrepancies(self) -> int:
        from wallets.selectors import ledger_discrepancies

        return len(ledger_discrepancies())

    def tokens(self, size: DataSize) -> list[str]:
        """Access tokens, as login issues them, for the users the read benchmark signs in as."""
        from rest_framework_simplejwt.tokens import AccessToken

        from accounts.models import User

        ids = [datagen.user_uuid(i) for i in datagen.heavy_user_indexes(size, self.scale.read_users)]
        tokens = []
        for user in User.objects.filter(pk__in=ids):
            token = AccessToken.for_user(user)
            token["role"] = str(user.role)
            tokens.append(str(token))
        return tokens

    # --- queries per request -----------------------------------------------------------------

    def queries_per_request(self, size: DataSize) -> dict[str, Any]:
        """Every read endpoint for a user with a long and a short history: the counts must match."""
        tokens = dict(zip(["long_history", "short_history"], self._history_tokens(size), strict=True))
        counts: dict[str, Any] = {}
        for endpoint, path in READ_PATHS.items():
            counts[endpoint] = {}
            for history, token in tokens.items():
                with CaptureQueriesContext(connection) as queries:
                    response = Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
                assert response.status_code == 200, response.content[:300]
                counts[endpoint][history] = len(queries)
                counts[endpoint][f"{history}_sql"] = [query["sql"][:300] for query in queries.captured_queries]
        captured = ceiling.capture_ingestion(user_index=0, merchant_index=0)
        counts["ingestion"] = {"queries": len(captured.statements), "sql": [s.sql[:300] for s in captured.statements]}
        self.log(f"queries per request: { {k: v.get('queries', v.get('long_history')) for k, v in counts.items()} }")
        return counts

    def _history_tokens(self, size: DataSize) -> list[str]:
        from rest_framework_simplejwt.tokens import AccessToken

        from accounts.models import User
        from wallets.models import Wallet

        long_user = User.objects.get(pk=datagen.user_uuid(0))
        short_wallet = Wallet.objects.filter(entry_count__gt=0).order_by("entry_count").first()
        short_user = User.objects.get(pk=short_wallet.user_id)
        out = []
        for user in (long_user, short_user):
            token = AccessToken.for_user(user)
            token["role"] = str(user.role)
            out.append(str(token))
        return out

    # --- analytics ---------------------------------------------------------------------------

    def analytics(self, server_url: str, tokens: list[str]) -> dict[str, Any]:
        """`GET /wallet`, then each analytics endpoint for a 30- and a 365-day range ending today,
        the users per tier and the admin dashboard (same ranges), one after the other on the same
        server and load: p99 of each against the wallet's (issue 18: at most 3x, the dashboard 10x)."""
        from datetime import timedelta

        bearer, cookie = self._analytics_staff()
        today = timezone.now().date()
        loads = {"wallet": read_requests(READ_PATHS["wallet"], tokens)}
        for days in ANALYTICS_RANGES:
            query = f"?from={(today - timedelta(days=days - 1)).isoformat()}&to={today.isoformat()}"
            for name, path in ANALYTICS_PATHS.items():
                loads[f"{name} ({days} days)"] = same_requests(path + query, bearer)
            loads[f"dashboard ({days} days)"] = same_requests(DASHBOARD_PATH + query, cookie)
        loads["tiers"] = same_requests(TIERS_PATH, bearer)
        results: dict[str, Any] = {}
        for name, requests in loads.items():
            results[name] = self.read_load(server_url, requests, label=f"analytics: {name}")
        wallet_p99 = results["wallet"]["p99_ms"]
        for result in results.values():
            result["ratio_p99"] = round(result["p99_ms"] / wallet_p99, 2) if wallet_p99 else 0.0
        return results

    def _analytics_staff(self) -> tuple[dict[str, str], dict[str, str]]:
        """An administrator's bearer token (the API) and session cookie (the dashboard)."""
        from django.conf import settings
        from rest_framework_simplejwt.tokens import AccessToken

        from accounts.models import User

        email = "bench-analytics@bench.example"
        admin = User.objects.filter(email=email).first() or User.objects.create_superuser(email=email)
        token = AccessToken.for_user(admin)
        token["role"] = str(admin.role)
        browser = Client()
        browser.force_login(admin)
        session = browser.cookies[settings.SESSION_COOKIE_NAME].value
        return {"Authorization": f"Bearer {token}"}, {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}

    # --- ingestion ---------------------------------------------------------------------------

    def ingestion(self, server_url: str, size: DataSize) -> dict[str, Any]:
        summary = self.ingestion_load(server_url, size, self.scale.ingest_seconds).summary()
        self.log(f"ingestion: {summary}")
        return summary

    def read_load(self, server_url: str, requests: RequestFactory, *, label: str) -> dict[str, Any]:
        """One read load at the scale's read concurrency and duration, logged as `label`."""
        scale = self.scale
        self.log(f"{label} x{scale.read_concurrency} for {scale.read_seconds}s")
        return run_load(
            server_url,
            requests,
            concurrency=scale.read_concurrency,
            seconds=scale.read_seconds,
            warmup=scale.warmup_seconds,
        ).summary()

    def ingestion_load(self, server_url: str, size: DataSize, seconds: float) -> LoadResult:
        scale = self.scale
        self.log(f"ingestion: {scale.ingest_concurrency} connections for {seconds:.1f}s")
        return run_load(
            server_url,
            ingestion_requests(run_id=uuid.uuid4().hex[:8], users=size.users, merchants=size.merchants),
            concurrency=scale.ingest_concurrency,
            seconds=seconds,
            warmup=scale.warmup_seconds,
            expect_status=201,
        )

    # --- every feature on, against the server's floor -----------------------------------------

    def every_feature(self, server: RunningServer, size: DataSize) -> dict[str, Any]:
        """In alternating rounds on one server, at the ingestion's concurrency: `GET /health/live`
        (the floor: the same server and middleware, no work), ingestion on the data as generated
        (no campaign, every user at the entry tier), and ingestion with every feature on
        (`bench.features`: a running campaign over the bench's merchants and users in the tiers
        their history earns; the outbox and rollups are always on). Target: every feature on
        >= 0.25 of the floor (issue 21). The server's CPU (process tree) and its PostgreSQL
        backends' CPU per request are read from /proc around each load."""
        from campaigns.selectors import budget_discrepancies

        scale = self.scale
        rounds = max(1, round(scale.ingest_seconds / FEATURE_ROUND_SECONDS))
        share = scale.ingest_seconds / rounds
        loads: dict[str, list[LoadResult]] = {"floor": [], "as_generated": [], "every_feature": []}
        cpu = {key: {"server": 0.0, "postgresql": 0.0} for key in loads}
        tiers: dict[str, int] = {}
        sources = server_sources(server.process.pid, connection, application_name=BENCH_APPLICATION)

        def floor(thread: int, number: int) -> tuple[str, str, None, dict[str, str]]:
            return "GET", "/health/live", None, {}

        def floor_load() -> LoadResult:
            concurrency, warmup = scale.ingest_concurrency, scale.warmup_seconds
            return run_load(server.url, floor, concurrency=concurrency, seconds=share, warmup=warmup)

        def measure(key: str, work: Callable[[], LoadResult]) -> None:
            measured, spent = cpu_during(work, **sources)
            loads[key].append(measured)
            for name, seconds in spent.items():
                cpu[key][name] += seconds

        for number in range(1, rounds + 1):
            self.log(f"features: round {number} of {rounds}: floor, as generated, every feature on ({share:.1f}s each)")
            measure("floor", floor_load)
            measure("as_generated", lambda: self.ingestion_load(server.url, size, share))
            switched = features.on(merchants=size.merchants)
            try:
                measure("every_feature", lambda: self.ingestion_load(server.url, size, share))
            finally:
                features.off(switched)
            tiers = switched.tiers
        result: dict[str, Any] = {}
        for key, runs in loads.items():
            merged = LoadResult.merged(runs)
            result[key] = merged.summary()
            for name, seconds in cpu[key].items():  # per request sent, warm-ups included as in the CPU read
                result[key][f"{name}_cpu_ms_per_request"] = round(seconds * 1000 / max(merged.sent, 1), 3)
        floor_rate = max(result["floor"]["throughput_per_s"], 1e-9)
        result["ratio"] = round(result["every_feature"]["throughput_per_s"] / floor_rate, 3)
        result["as_generated_ratio"] = round(result["as_generated"]["throughput_per_s"] / floor_rate, 3)
        result["users_by_tier"] = tiers
        result["rounds"] = rounds
        result["budget_discrepancies"] = len(budget_discrepancies())
        self.log(f"features: {result}")
        return result

    # --- batch ingestion ---------------------------------------------------------------------

    def batch(self, server_url: str, size: DataSize, single: dict[str, Any] | None) -> dict[str, Any]:
        """`POST /webhooks/purchases/batch` of 100 and of 500 new purchases over 4 connections:
        events created per second, any result but 201 an error; against the single webhook's
        rate of the same run (measured here if the ingestion section did not run)."""
        from bench.load import RawConnection

        body = b'{"events": []}'
        host, port = server_url.removeprefix("http://").split(":")
        probe = RawConnection(host, int(port))
        status, _ = probe.send("POST", BATCH_PATH, body, signed_headers(body))
        probe.close()
        if status in (404, 405):
            message = f"POST {BATCH_PATH} answered {status}: the batch endpoint is not there yet"
            self.log(f"batch: skipped: {message}")
            return {"skipped": message, "status": status}
        result: dict[str, Any] = {"single": single or self.ingestion(server_url, size)}
        for events in BATCH_SIZES:
            self.log(f"batch: {events} events each, {BATCH_CONNECTIONS} connections for {self.scale.ingest_seconds}s")
            result[str(events)] = run_load(
                server_url,
                batch_requests(run_id=uuid.uuid4().hex[:8], users=size.users, merchants=size.merchants, size=events),
                concurrency=BATCH_CONNECTIONS,
                seconds=self.scale.ingest_seconds,
                warmup=self.scale.warmup_seconds,
                expect_status=200,
                count_items=batch_outcomes,
            ).summary()
            rate = max(result["single"]["throughput_per_s"], 1e-9)
            result[str(events)]["times_single"] = round(result[str(events)]["items_per_s"] / rate, 2)
        self.log(f"batch: { {k: v for k, v in result.items() if k != 'single'} }")
        return result

    def batch_ceiling(self, size: DataSize, measured: dict[str, Any]) -> dict[str, Any]:
        """The pgbench ceiling of one batch's own SQL (`bench.batch_ceiling`) over the batch load's
        connections, against the batches of that size just measured (issue 21: >= 50 %)."""
        from bench.run import _dsn_parts

        events = min(CEILING_BATCH_SIZE, size.users)  # distinct users
        captured = batch_ceiling.capture_batch(size=events, users=size.users, merchants=size.merchants)
        script = batch_ceiling.pgbench_script(captured, users=size.users)
        connection.close()
        self.log(
            f"batch: pgbench replays a batch of {events}, {BATCH_CONNECTIONS} clients for {self.scale.pgbench_seconds}s"
        )
        with tempfile.TemporaryDirectory(prefix="clicknback-bench-") as folder:
            result = ceiling.run_pgbench(
                script,
                dsn_parts=_dsn_parts(self.url("big")),
                clients=BATCH_CONNECTIONS,
                seconds=self.scale.pgbench_seconds,
                folder=Path(folder),
            )
        result |= {"events_per_transaction": events, "statements": len(captured.statements)}
        if result.get("tps"):
            result["events_per_s"] = round(result["tps"] * events, 1)
            result["fraction"] = round(measured["items_per_s"] / result["events_per_s"], 3)
        self.log(f"batch: ceiling {result}")
        return result

    # --- campaigns ---------------------------------------------------------------------------

    def campaigns(self, server_url: str, size: DataSize, tokens: list[str]) -> dict[str, Any]:
        """Ingestion without campaigns, then with one running campaign over every merchant whose
        budget never runs out, then with one whose budget runs out during the run (no error, no
        overspend), all on the same server; then `POST /cashback/calculate` against `GET /wallet`."""
        from datetime import timedelta
        from decimal import Decimal

        from campaigns.selectors import budget_discrepancies, campaigns_with_spent
        from campaigns.services import campaign_create, campaign_update
        from clicknback.actors import Actor

        actor, now = Actor.job("bench"), timezone.now()
        window = {"starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=1)}

        def campaign(name: str, budget: str, value: str) -> Any:
            data = {"name": name, "kind": "bonus_fixed", "value": Decimal(value), "budget": Decimal(budget), **window}
            return campaign_create(data=data, actor=actor)

        result: dict[str, Any] = {"without": self.ingestion(server_url, size)}
        ample = campaign("bench: ample budget", "100000000.00", "1.00")
        result["with_campaign"] = self.ingestion(server_url, size)
        campaign_update(campaign_id=ample.id, actor=actor, status="ended")
        # Half the bonuses the run with a campaign paid: this budget runs out midway through the next run.
        short = campaign("bench: budget runs out", f"{max(result['with_campaign']['requests'] // 2, 10)}.00", "1.00")
        result["budget_runs_out"] = self.ingestion(server_url, size)
        campaign_update(campaign_id=short.id, actor=actor, status="ended")
        spent = {c.name: (c.budget_spent, c.budget) for c in campaigns_with_spent().filter(pk__in=[ample.id, short.id])}
        result["budget_runs_out"]["spent"] = str(spent["bench: budget runs out"][0])
        result["overspent"] = any(s > b for s, b in spent.values())
        result["budget_discrepancies"] = len(budget_discrepancies())
        result["ratio"] = round(
            result["with_campaign"]["throughput_per_s"] / max(result["without"]["throughput_per_s"], 1e-9), 2
        )
        reads = {}
        for name, requests in (
            ("wallet", read_requests(READ_PATHS["wallet"], tokens)),
            ("calculate", quote_requests(tokens, merchants=size.merchants)),
        ):
            reads[name] = self.read_load(server_url, requests, label=f"campaigns: {name}")
        result["wallet"], result["calculate"] = reads["wallet"], reads["calculate"]
        return result

    # --- the ceiling -------------------------------------------------------------------------

    def ceiling(self, size: DataSize, ingestion_rate: float) -> dict[str, Any]:
        from bench.run import _dsn_parts

        captured = ceiling.capture_ingestion(user_index=1, merchant_index=1)
        script = ceiling.pgbench_script(captured, users=size.users, merchants=size.merchants)
        # The references of the same run: the same SQL without the outbox row (issue 16's >= 90 %),
        # and without the rollup upsert (issue 18's >= 90 %).
        references = {
            name: ceiling.pgbench_script(leave_out(captured), users=size.users, merchants=size.merchants)
            for name, leave_out in (("outbox", ceiling.without_outbox), ("rollups", ceiling.without_rollups))
        }
        connection.close()
        self.log(f"ceiling: pgbench {self.scale.pgbench_clients} clients for {self.scale.pgbench_seconds}s")

        def replay(sql: str, seconds: float) -> dict[str, Any]:
            with tempfile.TemporaryDirectory(prefix="clicknback-bench-") as folder:
                return ceiling.run_pgbench(
                    sql,
                    dsn_parts=_dsn_parts(self.url("big")),
                    clients=self.scale.pgbench_clients,
                    seconds=seconds,
                    folder=Path(folder),
                )

        result = replay(script, self.scale.pgbench_seconds)
        result["script"] = script
        if result.get("tps"):
            result["fraction"] = round(ingestion_rate / result["tps"], 3)
        for name, reference in references.items():
            result[name] = self.feature_cost(name, replay, script, reference)
        self.log(f"ceiling: { {k: v for k, v in result.items() if k != 'script'} }")
        return result

    def feature_cost(
        self, feature: str, replay: Callable[[str, float], dict[str, Any]], script: str, reference: str
    ) -> dict:
        """The ingestion SQL against the same without one feature's statement, in alternating short
        rounds so that a machine whose load drifts weighs on both alike; tx/s over all rounds."""
        share = max(1.0, self.scale.pgbench_seconds / FEATURE_ROUNDS)
        self.log(f"ceiling: with and without {feature}, {FEATURE_ROUNDS} alternating rounds of {share:.0f}s")
        rounds = [(replay(reference, share), replay(script, share)) for _ in range(FEATURE_ROUNDS)]
        if any("tps" not in run for pair in rounds for run in pair):
            return {"error": [run for pair in rounds for run in pair if "tps" not in run][:1]}
        seconds = sum(without["seconds"] for without, _ in rounds)
        without_tx = sum(without["transactions"] for without, _ in rounds)
        with_tx = sum(with_["transactions"] for _, with_ in rounds)
        return {
            "without_tps": round(without_tx / seconds, 1),
            "with_tps": round(with_tx / seconds, 1),
            "ratio": round(with_tx / without_tx, 3),
            "failed": sum(run["failed"] for pair in rounds for run in pair),
            "rounds": [{"without_tps": without["tps"], "with_tps": with_["tps"]} for without, with_ in rounds],
            "reference_script": reference,
        }

    # --- the confirmation job ----------------------------------------------------------------

    def confirmation(self) -> dict[str, Any]:
        """`manage.py confirm_due_purchases` as cron would run it, timed from start to exit."""
        from purchases.models import Purchase

        due_before = Purchase.objects.filter(status="pending", flagged=False).count()
        connection.close()
        env = {**os.environ, **server_env(self.scale, self.url("big"))}
        self.log("confirmation job: running confirm_due_purchases")
        started = time.monotonic()
        done = subprocess.run(
            [sys.executable, "manage.py", "confirm_due_purchases"],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.monotonic() - started
        if done.returncode != 0:
            raise RuntimeError(f"confirm_due_purchases failed:\n{done.stderr[-3000:]}")
        confirmed = int(done.stdout.split()[1])
        result = {
            "confirmed": confirmed,
            "pending_unflagged_before": due_before,
            "seconds": round(seconds, 2),
            "per_second": round(confirmed / seconds, 1),
        }
        self.log(f"confirmation job: {result}")
        return result

    # --- the relay ----------------------------------------------------------------------------

    def relay(self, ingestion_rate: float) -> dict[str, Any]:
        """A backlog of `relay_events` drained by `relay_outbox` in its own process, against the
        ingestion rate of the same run (target: at least 10 times faster)."""
        from bench import relay
        from clicknback.embedded_nats import nats_url

        backlog = relay.fill_outbox(self.scale.relay_events)
        self.log(f"relay: {backlog:,} unpublished events; running relay_outbox")
        result = relay.run_relay(server_env(self.scale, self.url("big")), nats_url())
        result["backlog"] = backlog
        if ingestion_rate:
            result["ingestion_per_second"] = ingestion_rate
            result["times_ingestion"] = round(result["per_second"] / ingestion_rate, 1)
        self.log(f"relay: {result}")
        return result

    def drop_databases(self) -> None:
        connection.close()
        for name in self.names.values():
            datagen.drop_database(self.admin_url, name)
            datagen.drop_database(self.admin_url, f"{name}_pristine")
