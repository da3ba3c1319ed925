"""The benchmark is a tool, not a test; this runs it on tiny data so it cannot rot unnoticed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.db import connection

from clicknback.testing_server import database_url

SECTIONS = {
    "meta",
    "data",
    "queries",
    "reads",
    "analytics",
    "ingestion",
    "campaigns",
    "features",
    "batch",
    "servers",
    "ceiling",
    "confirmation",
    "relay",
    "ledger_after",
}


def test_the_smoke_run_reports_every_section_without_errors(tmp_path: Path) -> None:
    report_path = tmp_path / "report.json"
    env = {
        **os.environ,
        "BENCH_SCALE": "smoke",
        # The same PostgreSQL server as the tests, databases of their own next to the test database.
        "BENCH_DATABASE_URL": database_url({**connection.settings_dict, "NAME": "postgres"}),
        "BENCH_DB_PREFIX": f"test_{connection.settings_dict['NAME']}_bench"[:50],
    }
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--drop", "--json", str(report_path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    report = json.loads(report_path.read_text())

    assert set(report) >= SECTIONS
    assert report["ingestion"]["errors"] == 0 and report["ingestion"]["requests"] > 0
    for endpoint in ("wallet", "wallet_transactions", "purchases"):
        for size in ("small", "big"):
            assert report["reads"][endpoint][size]["errors"] == 0
            assert report["reads"][endpoint][size]["requests"] > 0
        counts = report["queries"][endpoint]
        assert counts["short_history"] == counts["long_history"], endpoint
    # 9 with the rate-limit counter in PostgreSQL (no REDIS_URL) and the user's loyalty tier, 10 with the
    # campaign candidates (one query), 12 with the day's rollup figures (one upsert statement, analytics) and
    # the partner's webhook-day counter (one upsert, the back-office's partner health).
    assert report["queries"]["ingestion"]["queries"] <= 12
    analytics = report["analytics"]  # every endpoint and the dashboard, both ranges, beside the wallet
    assert {"wallet", "summary (30 days)", "summary (365 days)", "dashboard (365 days)", "tiers"} <= set(analytics)
    assert all(result["errors"] == 0 and result["requests"] > 0 for result in analytics.values())
    assert "| analytics summary (365 days)" in done.stdout
    campaigns = report["campaigns"]
    assert not campaigns["overspent"] and campaigns["budget_discrepancies"] == 0
    assert all(campaigns[run]["errors"] == 0 for run in ("without", "with_campaign", "budget_runs_out", "calculate"))
    every = report["features"]  # the floor, ingestion as generated and with every feature on, alternated
    assert all(
        every[run]["errors"] == 0 and every[run]["requests"] > 0 for run in ("floor", "as_generated", "every_feature")
    )
    assert 0 < every["ratio"] < 1 and every["budget_discrepancies"] == 0 and sum(every["users_by_tier"].values()) > 0
    batch = report["batch"]  # skipped until the batch endpoint exists
    assert "skipped" in batch or all(
        batch[size]["errors"] == batch[size]["item_errors"] == 0 for size in ("100", "500")
    )
    # The batch's own SQL replayed by pgbench (fresh ids, other users; the ledger checked after the run below).
    assert "skipped" in batch or (
        batch["ceiling"]["failed"] == 0 and batch["ceiling"]["events_per_s"] > 0 and batch["ceiling"]["fraction"] > 0
    )
    assert "skipped" in batch or "100/batch, 4 conn / that ceiling" in done.stdout
    compared = report["servers"]  # granian only where BENCH_SERVER_PYTHON has it
    assert {"sync", "gthread"} <= set(compared["servers"]) | set(compared["skipped"]) and "sync" in compared["servers"]
    for run in compared["servers"].values():
        assert run["errors"] == 0 and run["differences"] == [] and run["server_cpu_ms_per_webhook"] > 0
    assert report["data"]["big"]["ledger_discrepancies"] == 0
    assert report["ledger_after"]["discrepancies"] == 0  # the pgbench replay keeps the ledger consistent too
    assert report["confirmation"]["confirmed"] > 0
    assert report["ceiling"].get("failed", 0) == 0 and "error" not in report["ceiling"]
    assert report["ceiling"]["outbox"]["failed"] == 0 and report["ceiling"]["outbox"]["ratio"] > 0
    assert report["ceiling"]["rollups"]["failed"] == 0 and report["ceiling"]["rollups"]["ratio"] > 0
    relay = report["relay"]  # the whole backlog published once, to the run's own stream
    assert relay["published"] == relay["backlog"] == relay["in_stream"] == 2_000
    assert "| ingestion" in done.stdout  # the table
