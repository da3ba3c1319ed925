"""The measurements, in the order of one run (Django is set up by `bench.run` first).

small set: generate, verify, reads.  big set: generate, verify, queries per request, reads,
analytics against the wallet, ingestion under load, the pgbench ceiling (with and without the
outbox row), the confirmation job, the relay draining a backlog, verify again.
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

from bench import ceiling, datagen
from bench.config import DataSize, Scale
from bench.load import run_load
from bench.server import bench_server, server_env
from bench.webhooks import (
    ANALYTICS_PATHS,
    DASHBOARD_PATH,
    READ_PATHS,
    TIERS_PATH,
    ingestion_requests,
    quote_requests,
    read_requests,
    same_requests,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
OUTBOX_ROUNDS = 4
ANALYTICS_RANGES = (30, 365)  # days, ending today (issue 18's targets)


@dataclass
class Bench:
    scale: Scale
    base_url: str
    admin_url: str
    names: dict[str, str]
    log: Callable[[str], None]
    reuse_data: bool = False
    sections: set[str] = field(
        default_factory=lambda: {
            "queries",
            "reads",
            "analytics",
            "ingestion",
            "campaigns",
            "ceiling",
            "confirmation",
            "relay",
        }
    )
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
            serves = self.sections & {"reads", "analytics", "ingestion", "campaigns"}
            if not serves or (part == "small" and "reads" not in self.sections):
                continue
            tokens = self.tokens(size)
            with bench_server(scale, self.url(part)) as server:
                for endpoint, path in READ_PATHS.items() if "reads" in self.sections else ():
                    self.log(f"{part}: GET {path} x{scale.read_concurrency} for {scale.read_seconds}s")
                    result = run_load(
                        server.url,
                        read_requests(path, tokens),
                        concurrency=scale.read_concurrency,
                        seconds=scale.read_seconds,
                        warmup=scale.warmup_seconds,
                    )
                    reads.setdefault(endpoint, {})[part] = result.summary()
                if part == "big" and "analytics" in self.sections:
                    report["analytics"] = self.analytics(server.url, tokens)
                if part == "big" and "ingestion" in self.sections:
                    report["ingestion"] = self.ingestion(server.url, size)
                if part == "big" and "campaigns" in self.sections:
                    report["campaigns"] = self.campaigns(server.url, size, tokens)
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
            self.log(f"analytics: {name} x{self.scale.read_concurrency} for {self.scale.read_seconds}s")
            results[name] = run_load(
                server_url,
                requests,
                concurrency=self.scale.read_concurrency,
                seconds=self.scale.read_seconds,
                warmup=self.scale.warmup_seconds,
            ).summary()
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
        scale = self.scale
        run_id = uuid.uuid4().hex[:8]
        self.log(f"ingestion: {scale.ingest_concurrency} connections for {scale.ingest_seconds}s")
        result = run_load(
            server_url,
            ingestion_requests(run_id=run_id, users=size.users, merchants=size.merchants),
            concurrency=scale.ingest_concurrency,
            seconds=scale.ingest_seconds,
            warmup=scale.warmup_seconds,
            expect_status=201,
        )
        summary = result.summary()
        self.log(f"ingestion: {summary}")
        return summary

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
            self.log(f"campaigns: {name} x{self.scale.read_concurrency} for {self.scale.read_seconds}s")
            reads[name] = run_load(
                server_url,
                requests,
                concurrency=self.scale.read_concurrency,
                seconds=self.scale.read_seconds,
                warmup=self.scale.warmup_seconds,
            ).summary()
        result["wallet"], result["calculate"] = reads["wallet"], reads["calculate"]
        return result

    # --- the ceiling -------------------------------------------------------------------------

    def ceiling(self, size: DataSize, ingestion_rate: float) -> dict[str, Any]:
        from bench.run import _dsn_parts

        captured = ceiling.capture_ingestion(user_index=1, merchant_index=1)
        script = ceiling.pgbench_script(captured, users=size.users, merchants=size.merchants)
        # The reference of the same run: the same SQL without the outbox row (issue 16's >= 90 %).
        reference = ceiling.pgbench_script(ceiling.without_outbox(captured), users=size.users, merchants=size.merchants)
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
        result["outbox"] = self.outbox_cost(replay, script, reference)
        self.log(f"ceiling: { {k: v for k, v in result.items() if k != 'script'} }")
        return result

    def outbox_cost(self, replay: Callable[[str, float], dict[str, Any]], script: str, reference: str) -> dict:
        """The ingestion SQL with the outbox row against the same without it, in alternating short
        rounds so that a machine whose load drifts weighs on both alike; tx/s over all rounds."""
        share = max(1.0, self.scale.pgbench_seconds / OUTBOX_ROUNDS)
        self.log(f"ceiling: with and without the outbox row, {OUTBOX_ROUNDS} alternating rounds of {share:.0f}s")
        rounds = [(replay(reference, share), replay(script, share)) for _ in range(OUTBOX_ROUNDS)]
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
