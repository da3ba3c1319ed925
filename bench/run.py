"""`make bench`: generate the data sets, measure, print one table, write bench/results/latest.json.

    BENCH_SCALE=smoke .venv/bin/python -m bench            # seconds, tiny data
    .venv/bin/python -m bench --json /tmp/report.json       # the full run (~10-15 minutes)

The PostgreSQL server comes from BENCH_DATABASE_URL (or DATABASE_URL; default
postgres://postgres@127.0.0.1:5432/postgres); the run (re)creates <BENCH_DB_PREFIX>_small and
<BENCH_DB_PREFIX>_big there (prefix `bench`, `bench_smoke` for the smoke scale). Sizes and durations:
see bench/config.py. `--reuse-data` keeps a pristine copy of each generated set and starts the next
run from it (seconds instead of minutes); `--only ingestion,ceiling` measures some sections only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench.config import SECTIONS

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_JSON = PROJECT_DIR / "bench" / "results" / "latest.json"
READ_TARGET_P99_MS = 30.0
READ_TARGET_RATIO = 1.3
INGEST_TARGET_RATE = 400.0
INGEST_TARGET_P99_MS = 100.0
INGEST_TARGET_QUERIES = 8
CONFIRM_TARGET_RATE = 2_000.0
OUTBOX_TARGET_RATIO = 0.9  # ingestion's SQL with the outbox row / without it
ROLLUPS_TARGET_RATIO = 0.9  # ingestion's SQL with the rollup upsert / without it
RELAY_TARGET_TIMES = 10.0  # the relay draining a backlog / single ingestion, same run
ANALYTICS_TARGET_RATIO = 3.0  # each analytics endpoint's p99 / GET /wallet's p99, same run
DASHBOARD_TARGET_RATIO = 10.0
FEATURES_TARGET_RATIO = 0.25  # ingestion with every feature on / GET /health/live, same server and concurrency
BATCH_TARGET_TIMES = 8.0  # batch ingestion (100 events, 4 connections) / single ingestion, same run
BATCH_CEILING_TARGET = 0.5  # batch ingestion (100 events, 4 connections) / pgbench replaying its SQL, same run


def _log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def _database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _dsn_parts(url: str) -> dict[str, str]:
    """Host, port, user and database of a URL, as the project reads it (a socket folder may be the host)."""
    import dj_database_url

    config = dj_database_url.parse(url)
    return {
        "host": str(config.get("HOST") or "127.0.0.1"),
        "port": str(config.get("PORT") or 5432),
        "user": str(config.get("USER") or "postgres"),
        "dbname": str(config["NAME"]),
    }


def _libpq_dsn(url: str) -> str:
    parts = _dsn_parts(url)
    return f"host={parts['host']} port={parts['port']} user={parts['user']} dbname={parts['dbname']}"


def _setup_django(first_database_url: str) -> None:
    from bench.config import BENCH_ENV

    os.environ.update(BENCH_ENV)
    os.environ["DJANGO_SETTINGS_MODULE"] = "clicknback.settings"
    os.environ["DATABASE_URL"] = first_database_url
    os.environ["LOG_LEVEL"] = "WARNING"  # this process's own test-client requests; the server logs as usual
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()


def _use_database(name: str) -> None:
    from django.db import connections

    connections.close_all()
    for alias in connections:
        connections[alias].settings_dict["NAME"] = name


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", choices=["full", "smoke"], help="overrides BENCH_SCALE")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON, help="where to write the report")
    parser.add_argument("--drop", action="store_true", help="drop the bench databases at the end")
    parser.add_argument(
        "--reuse-data",
        action="store_true",
        help="copy each data set from its pristine snapshot (<db>_pristine) if one of the same size exists, "
        "instead of generating it; a generated set is snapshotted for the next run",
    )
    parser.add_argument(
        "--only",
        type=lambda text: set(text.split(",")),
        default=None,
        help=f"comma-separated sections to measure (default all): {','.join(SECTIONS)}",
    )
    args = parser.parse_args(argv)
    if args.only and not args.only <= set(SECTIONS):
        parser.error(f"--only takes {','.join(SECTIONS)}")
    if args.scale:
        os.environ["BENCH_SCALE"] = args.scale

    from bench.config import scale_from_env

    scale = scale_from_env()
    base_url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
    )
    # The smoke run (and its --drop) never touches the full run's databases.
    prefix = os.environ.get("BENCH_DB_PREFIX") or ("bench" if scale.name == "full" else "bench_smoke")
    names = {"small": f"{prefix}_small", "big": f"{prefix}_big", "template": f"{prefix}_template"}
    admin_url = _database_url(base_url, "postgres")
    _setup_django(_database_url(base_url, names["big"]))

    from bench.measure import Bench

    bench = Bench(
        scale=scale,
        base_url=base_url,
        admin_url=admin_url,
        names=names,
        log=_log,
        reuse_data=args.reuse_data,
        sections=args.only or set(SECTIONS),
    )
    started = time.monotonic()
    machine = _machine(admin_url)
    try:
        report = bench.run()
    finally:
        if args.drop:
            bench.drop_databases()
    report["meta"].update(machine, total_seconds=round(time.monotonic() - started, 1))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(render_table(report))
    print(f"\nJSON report: {args.json}")
    return 0


def _machine(admin_url: str) -> dict[str, Any]:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        total_kb = int(meminfo.read_text().split("MemTotal:")[1].split()[0])
        memory = f"{total_kb / 1024 / 1024:.1f} GiB"
    import psycopg

    with psycopg.connect(_libpq_dsn(admin_url)) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "memory": memory,
        "postgresql": pg_version,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "git_commit": _git_commit(),
    }


def _git_commit() -> str:
    done = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_DIR, capture_output=True, text=True)
    return done.stdout.strip()


def _ms(summary: dict[str, Any]) -> str:
    return f"{summary['p50_ms']:.1f} / {summary['p95_ms']:.1f} / {summary['p99_ms']:.1f}"


def render_table(report: dict[str, Any]) -> str:
    """The one table: every figure with its target and whether it is met."""
    rows: list[tuple[str, str, str, str, str]] = []
    data = report["data"]
    for name in ("small", "big"):
        if name not in data:
            continue
        info = data[name]
        rows.append(
            (
                f"data {name}",
                "purchases / entries / seconds",
                f"{info['rows'].get('purchases_purchase', 0):,} / {info['rows'].get('wallets_walletentry', 0):,}"
                f" / {info['seconds']:.0f}s" + (" (copied)" if info.get("copied_from") else ""),
                "ledger consistent",
                _ok(info["ledger_discrepancies"] == 0),
            )
        )
    if "ingestion" in report:
        ingest = report["ingestion"]
        rows.append(
            (
                "ingestion",
                "purchases/s (sustained)",
                f"{ingest['throughput_per_s']:.0f}",
                f">= {INGEST_TARGET_RATE:.0f}",
                _ok(ingest["throughput_per_s"] >= INGEST_TARGET_RATE),
            )
        )
        rows.append(
            (
                "ingestion",
                "p50 / p95 / p99 ms",
                _ms(ingest),
                f"p99 < {INGEST_TARGET_P99_MS:.0f}",
                _ok(ingest["p99_ms"] < INGEST_TARGET_P99_MS),
            )
        )
        rows.append(
            (
                "ingestion",
                "errors / requests",
                f"{ingest['errors']} / {ingest['requests']:,}",
                "0 errors",
                _ok(ingest["errors"] == 0),
            )
        )
    if "campaigns" in report:
        rows.extend(_campaign_rows(report["campaigns"]))
    if "features" in report:
        rows.extend(_feature_rows(report["features"]))
    if "batch" in report:
        rows.extend(_batch_rows(report["batch"]))
        rows.extend(_batch_ceiling_rows(report["batch"]))
    if "servers" in report:
        rows.extend(_server_rows(report["servers"]))
    if "ceiling" in report:
        ceiling = report["ceiling"]
        if "tps" in ceiling:
            rows.append(
                ("ceiling", "pgbench ingestion SQL tx/s", f"{ceiling['tps']:.0f} ({ceiling['failed']} failed)", "", "")
            )
            rows.append(("ceiling", "ingestion / ceiling", f"{ceiling['fraction']:.0%}", "", ""))
            for feature, label, target in (
                ("outbox", "the outbox row", OUTBOX_TARGET_RATIO),
                ("rollups", "the rollup upsert", ROLLUPS_TARGET_RATIO),
            ):
                cost = ceiling.get(feature, {})
                if "ratio" in cost:
                    rows.append(
                        (
                            "ceiling",
                            f"tx/s with / without {label}",
                            f"{cost['with_tps']:.0f} / {cost['without_tps']:.0f} = {cost['ratio']:.0%}",
                            f">= {target:.0%}",
                            _ok(cost["ratio"] >= target),
                        )
                    )
        else:
            rows.append(("ceiling", "pgbench", str(ceiling.get("skipped") or "error"), "", "no"))
    for endpoint, result in report.get("reads", {}).items():
        errors = result["small"]["errors"] + result["big"]["errors"]
        rows.append(
            (
                f"read {endpoint}",
                "10k: p50 / p95 / p99 ms",
                _ms(result["small"]),
                f"p99 < {READ_TARGET_P99_MS:.0f}",
                _ok(result["small"]["p99_ms"] < READ_TARGET_P99_MS),
            )
        )
        rows.append(
            (
                f"read {endpoint}",
                "1M:  p50 / p95 / p99 ms",
                _ms(result["big"]),
                f"p99 < {READ_TARGET_P99_MS:.0f}",
                _ok(result["big"]["p99_ms"] < READ_TARGET_P99_MS),
            )
        )
        rows.append(
            (
                f"read {endpoint}",
                "1M/10k ratio p50 (p99)",
                f"{result['ratio_p50']:.2f} ({result['ratio_p99']:.2f})",
                f"p50 <= {READ_TARGET_RATIO}",
                _ok(result["ratio_p50"] <= READ_TARGET_RATIO),
            )
        )
        rows.append(
            (
                f"read {endpoint}",
                "errors / requests",
                f"{errors} / {result['small']['requests'] + result['big']['requests']:,}",
                "0 errors",
                _ok(errors == 0),
            )
        )
    if "analytics" in report:
        rows.extend(_analytics_rows(report["analytics"]))
    if "confirmation" in report:
        confirm = report["confirmation"]
        rows.append(
            (
                "confirm job",
                "confirmations/s",
                f"{confirm['per_second']:,.0f} ({confirm['confirmed']:,} in {confirm['seconds']:.1f}s)",
                f">= {CONFIRM_TARGET_RATE:,.0f}",
                _ok(confirm["per_second"] >= CONFIRM_TARGET_RATE),
            )
        )
    if "relay" in report:
        relay = report["relay"]
        rows.append(
            (
                "relay",
                "events/s draining the backlog",
                f"{relay['per_second']:,.0f} ({relay['published']:,} in {relay['seconds']:.1f}s)",
                "",
                _ok(relay["published"] == relay["backlog"] == relay["in_stream"]),
            )
        )
        if "times_ingestion" in relay:
            rows.append(
                (
                    "relay",
                    "relay / ingestion rate",
                    f"{relay['times_ingestion']:.1f}x",
                    f">= {RELAY_TARGET_TIMES:.0f}x",
                    _ok(relay["times_ingestion"] >= RELAY_TARGET_TIMES),
                )
            )
    for endpoint, counts in report.get("queries", {}).items():
        if endpoint == "ingestion":
            rows.append(
                (
                    "queries",
                    "ingestion (webhook)",
                    str(counts["queries"]),
                    f"<= {INGEST_TARGET_QUERIES}",
                    _ok(counts["queries"] <= INGEST_TARGET_QUERIES),
                )
            )
        else:
            rows.append(
                (
                    "queries",
                    f"{endpoint} (short / long history)",
                    f"{counts['short_history']} / {counts['long_history']}",
                    "fixed",
                    _ok(counts["short_history"] == counts["long_history"]),
                )
            )
    after = report["ledger_after"]["discrepancies"]
    rows.append(("ledger", "verify after the run", f"{after} discrepancies", "0", _ok(after == 0)))
    header = ("section", "metric", "value", "target", "met")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(5)]
    line = "+-" + "-+-".join("-" * width for width in widths) + "-+"
    out = [line, "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |", line]
    out += ["| " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) + " |" for row in rows]
    out.append(line)
    meta = report["meta"]
    out.append(
        f"scale={meta['scale']['name']} workers={meta['scale']['workers']} "
        f"CONN_MAX_AGE={meta['scale']['conn_max_age']} "
        f"cpus={meta.get('cpus')} PostgreSQL {meta.get('postgresql')} at {meta.get('date')}"
    )
    return "\n".join(out)


def _campaign_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Ingestion with one running campaign against without (same run), the budget running out,
    and the quote's p99 against the wallet's."""
    without, with_campaign, runs_out = result["without"], result["with_campaign"], result["budget_runs_out"]
    quote_p99, wallet_p99 = result["calculate"]["p99_ms"], result["wallet"]["p99_ms"]
    errors = sum(r["errors"] for r in (without, with_campaign, runs_out, result["calculate"], result["wallet"]))
    return [
        ("campaigns", "ingestion/s without / with one", f"{without['throughput_per_s']:.0f} / "
         f"{with_campaign['throughput_per_s']:.0f} ({result['ratio']:.0%})", ">= 80%", _ok(result["ratio"] >= 0.8)),
        ("campaigns", "with one: p50 / p95 / p99 ms", _ms(with_campaign), "", ""),
        ("campaigns", "budget runs out: purchases/s, spent", f"{runs_out['throughput_per_s']:.0f}, {runs_out['spent']}",
         "no overspend", _ok(not result["overspent"] and result["budget_discrepancies"] == 0)),
        ("campaigns", "calculate / wallet p99 ms", f"{quote_p99:.1f} / {wallet_p99:.1f}", "<= 2x",
         _ok(quote_p99 <= 2 * wallet_p99)),
        ("campaigns", "errors", str(errors), "0 errors", _ok(errors == 0)),
    ]  # fmt: skip


def _feature_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Ingestion with every feature on against the floor (`GET /health/live`), same server and
    concurrency, alternating rounds; ingestion on the data as generated beside it."""
    floor, plain, every = result["floor"], result["as_generated"], result["every_feature"]
    errors = sum(r["errors"] for r in (floor, plain, every))
    return [
        ("features", "GET /health/live (floor) /s", f"{floor['throughput_per_s']:.0f}", "", ""),
        ("features", "ingestion/s as generated", f"{plain['throughput_per_s']:.0f} "
         f"({result['as_generated_ratio']:.2f} of the floor)", "", ""),
        ("features", "ingestion/s every feature on", f"{every['throughput_per_s']:.0f} "
         f"({result['ratio']:.2f} of the floor)", f">= {FEATURES_TARGET_RATIO} of floor",
         _ok(result["ratio"] >= FEATURES_TARGET_RATIO)),
        ("features", "every feature on: p50 / p95 / p99 ms", _ms(every), "", ""),
        ("features", "server CPU ms/webhook: as generated, every feature on",
         f"{plain['server_cpu_ms_per_request']:.2f}, {every['server_cpu_ms_per_request']:.2f} "
         f"({every['server_cpu_ms_per_request'] / max(plain['server_cpu_ms_per_request'], 1e-9) - 1:+.0%})", "", ""),
        ("features", "PostgreSQL CPU ms/webhook: the same",
         f"{plain['postgresql_cpu_ms_per_request']:.2f}, {every['postgresql_cpu_ms_per_request']:.2f}", "", ""),
        ("features", "errors, budget discrepancies", f"{errors}, {result['budget_discrepancies']}", "0, 0",
         _ok(errors == 0 and result["budget_discrepancies"] == 0)),
    ]  # fmt: skip


def _batch_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Batches of 100 and 500 events over 4 connections against the single webhook, same run."""
    if "skipped" in result:
        return [("batch", "POST /webhooks/purchases/batch", f"skipped: answered {result['status']}", "", "")]
    rows = []
    for events in ("100", "500"):
        run = result[events]
        target = f">= {BATCH_TARGET_TIMES:.0f}x single" if events == "100" else ""
        met = _ok(run["times_single"] >= BATCH_TARGET_TIMES) if events == "100" else ""
        rows += [
            ("batch", f"{events}/batch, 4 conn: events/s", f"{run['items_per_s']:.0f} ({run['times_single']:.1f}x "
             f"single {result['single']['throughput_per_s']:.0f}/s)", target, met),
            ("batch", f"{events}/batch: p99 ms, event errors", f"{run['p99_ms']:.0f}, {run['item_errors']} of "
             f"{run['items'] + run['item_errors']:,} ({run['errors']} failed batches)", "0 errors",
             _ok(run["errors"] == 0 and run["item_errors"] == 0)),
        ]  # fmt: skip
    return rows


def _batch_ceiling_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """The batch's own SQL replayed by pgbench over the same 4 connections, and batches of 100
    through the server as a fraction of it, same run."""
    ceiling = result.get("ceiling")
    if ceiling is None:
        return []
    if "events_per_s" not in ceiling:
        return [("batch", "pgbench ceiling of the batch SQL", str(ceiling.get("skipped") or "error"), "", "NO")]
    return [
        ("batch", "pgbench ceiling of the batch SQL, 4 clients", f"{ceiling['events_per_s']:.0f} events/s "
         f"({ceiling['tps']:.1f} tx of {ceiling['events_per_transaction']}, {ceiling['failed']} failed)", "", ""),
        ("batch", "100/batch, 4 conn / that ceiling", f"{result['100']['items_per_s']:.0f} / "
         f"{ceiling['events_per_s']:.0f} = {ceiling['fraction']:.0%}", f">= {BATCH_CEILING_TARGET:.0%}",
         _ok(ceiling["fraction"] >= BATCH_CEILING_TARGET)),
    ]  # fmt: skip


def _server_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Each WSGI server: webhooks/s and server CPU per webhook, and their ratio to the reference."""
    rows = []
    for key, run in result["servers"].items():
        correct = run["errors"] == 0 and not run["differences"]
        rows.append(
            (
                f"server {key}",
                "webhooks/s, p99 ms, errors",
                f"{run['throughput_per_s']:.0f} ({run['throughput_ratio']:.2f}x), {run['p99_ms']:.0f}, {run['errors']}",
                "0 errors, same answers",
                _ok(correct),
            )
        )
        rows.append(
            (
                f"server {key}",
                "CPU ms/webhook: server, PostgreSQL",
                f"{run['server_cpu_ms_per_webhook']:.2f} ({run['per_cpu_ratio']:.2f}x per CPU s), "
                f"{run['postgresql_cpu_ms_per_webhook']:.2f}",
                "",
                "",
            )
        )
    rows += [(f"server {key}", "skipped", reason[:60], "", "") for key, reason in result["skipped"].items()]
    return rows


def _analytics_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """Each analytics endpoint's and the dashboard's p99 against `GET /wallet`'s, same run."""
    wallet = result["wallet"]
    rows = [("analytics", "GET /wallet (reference) p50 / p95 / p99 ms", _ms(wallet), "", "")]
    for name, measured in result.items():
        if name == "wallet":
            continue
        limit = DASHBOARD_TARGET_RATIO if name.startswith("dashboard") else ANALYTICS_TARGET_RATIO
        rows.append(
            (
                f"analytics {name}",
                "p99 ms (x wallet p99)",
                f"{measured['p99_ms']:.1f} ({measured['ratio_p99']:.1f}x)",
                f"<= {limit:.0f}x",
                _ok(measured["ratio_p99"] <= limit and measured["errors"] == 0),
            )
        )
    errors = sum(measured["errors"] for measured in result.values())
    requests = sum(measured["requests"] for measured in result.values())
    rows.append(("analytics", "errors / requests", f"{errors} / {requests:,}", "0 errors", _ok(errors == 0)))
    return rows


def _ok(condition: bool) -> str:
    return "yes" if condition else "NO"


if __name__ == "__main__":
    sys.exit(main())
