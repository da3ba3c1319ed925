"""The WSGI servers side by side (issue 21): the same signed-webhook load against gunicorn sync
(production today), gunicorn gthread and granian, all running at once on the same database, in
alternating rounds so that a machine whose load drifts weighs on each alike.

For each server: webhooks/s, p99, errors, and the CPU it spent per webhook (its whole process
tree, master and workers, read from /proc around each round) and the CPU of the PostgreSQL
backends it connected (found by `PGAPPNAME`). First each server answers the same probe requests
(a webhook, its duplicate, a bad signature, a chunked body, the request id echoed, /metrics by
client address, a 404): any answer that differs from the reference server's is a correctness loss.

    BENCH_SERVER_PYTHON=/tmp/venv/bin/python .venv/bin/python -m bench --reuse-data --only servers
"""

from __future__ import annotations

import http.client
import json
import subprocess
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

from django.db import connection

from bench import datagen
from bench.config import DataSize, Scale
from bench.cpu import cpu_during, server_sources
from bench.load import LoadResult, RequestFactory, run_load
from bench.server import DEFAULT_SERVERS, SERVERS, WsgiServer, bench_server, server_python
from bench.webhooks import WEBHOOK_PATH, ingestion_requests, signed_headers

ROUND_SECONDS = 5.0
MAX_ROUNDS = 6


def chosen(spec: str | None) -> dict[str, WsgiServer]:
    """`BENCH_SERVERS` (e.g. `sync,granian`): the servers to compare, the first as the reference."""
    keys = [key.strip() for key in (spec or DEFAULT_SERVERS).split(",") if key.strip()]
    unknown = [key for key in keys if key not in SERVERS]
    if unknown or not keys:
        raise SystemExit(f"BENCH_SERVERS takes {','.join(SERVERS)}, not {spec!r}.")
    return {key: SERVERS[key] for key in keys}


def missing(wsgi: WsgiServer, python: str) -> str | None:
    """Why `python` cannot run this server, or None."""
    done = subprocess.run([python, "-c", f"import {wsgi.program}"], capture_output=True, text=True, check=False)
    if done.returncode == 0:
        return None
    return (
        f"{wsgi.program} is not installed for {python}: make a venv with the project's requirements and "
        f"{wsgi.program}, and set BENCH_SERVER_PYTHON to its python"
    )


def compare(
    *, scale: Scale, database_url: str, size: DataSize, servers: dict[str, WsgiServer], log: Callable[[str], None]
) -> dict[str, Any]:
    python = server_python()
    result: dict[str, Any] = {"python": python, "servers": {}, "skipped": {}}
    ready = {}
    for key, wsgi in servers.items():
        reason = missing(wsgi, python)
        if reason:
            log(f"servers: {wsgi.name} skipped: {reason}")
            result["skipped"][key] = reason
        else:
            ready[key] = wsgi
    if not ready:
        return result
    rounds = max(2, min(MAX_ROUNDS, round(scale.ingest_seconds / ROUND_SECONDS)))
    share = scale.ingest_seconds / rounds
    run_id = uuid.uuid4().hex[:8]
    with ExitStack() as stack:
        running = {
            key: stack.enter_context(bench_server(scale, database_url, wsgi=wsgi, env={"PGAPPNAME": f"bench-{key}"}))
            for key, wsgi in ready.items()
        }
        answers = {key: probe(server.url, size) for key, server in running.items()}
        loads: dict[str, list[LoadResult]] = {key: [] for key in running}
        cpu = {key: {"server": 0.0, "postgresql": 0.0} for key in running}

        def load(key: str, number: int, seconds: float, warmup: float) -> LoadResult:
            # Each server gets requests of its own (never a duplicate across servers or rounds).
            requests = ingestion_requests(run_id=f"{run_id}-{key}-{number}", users=size.users, merchants=size.merchants)
            if not ready[key].keepalive:
                requests = closing(requests)
            return run_load(
                running[key].url,
                requests,
                concurrency=scale.ingest_concurrency,
                seconds=seconds,
                warmup=warmup,
                expect_status=201,
            )

        for key in running:  # warm-up: imports, connections, caches; not counted
            load(key, 0, scale.warmup_seconds, 0)
        log(f"servers: {', '.join(running)}: {rounds} alternating rounds of {share:.1f}s each")
        for number in range(1, rounds + 1):
            order = list(running)[number % len(running) :] + list(running)[: number % len(running)]
            for key in order:
                sources = server_sources(running[key].process.pid, connection, application_name=f"bench-{key}")
                measured, spent = cpu_during(lambda key=key, number=number: load(key, number, share, 0), **sources)
                loads[key].append(measured)
                for name, seconds in spent.items():
                    cpu[key][name] += seconds
    reference = next(iter(running))
    for key, results in loads.items():
        merged = LoadResult.merged(results)
        summary = merged.summary()
        webhooks = max(merged.sent, 1)
        summary.update(
            name=ready[key].name,
            server_cpu_ms_per_webhook=round(cpu[key]["server"] * 1000 / webhooks, 3),
            postgresql_cpu_ms_per_webhook=round(cpu[key]["postgresql"] * 1000 / webhooks, 3),
            webhooks_per_server_cpu_second=round(merged.sent / cpu[key]["server"], 1) if cpu[key]["server"] else 0.0,
            differences=differences(answers[reference], answers[key]),
            probe=answers[key],
        )
        result["servers"][key] = summary
    base = result["servers"][reference]
    for summary in result["servers"].values():
        summary["throughput_ratio"] = round(summary["throughput_per_s"] / max(base["throughput_per_s"], 1e-9), 3)
        summary["per_cpu_ratio"] = round(
            summary["webhooks_per_server_cpu_second"] / max(base["webhooks_per_server_cpu_second"], 1e-9), 3
        )
    result["reference"] = reference
    shown = ("throughput_per_s", "server_cpu_ms_per_webhook", "p99_ms", "errors", "differences")
    log(f"servers: { {key: {m: s[m] for m in shown} for key, s in result['servers'].items()} }")
    return result


def closing(requests: RequestFactory) -> RequestFactory:
    """The same requests, each asking the server to close the connection after its answer."""

    def make(thread: int, number: int) -> tuple[str, str, bytes | None, dict[str, str]]:
        method, path, body, headers = requests(thread, number)
        return method, path, body, {**headers, "Connection": "close"}

    return make


# (name, method, path, body, extra headers, signed, chunked, status the contract gives)
PROBES: list[tuple[str, str, str, str, dict[str, str], bool, bool, int]] = [
    ("webhook", "POST", WEBHOOK_PATH, "new", {}, True, False, 201),
    ("duplicate", "POST", WEBHOOK_PATH, "same", {}, True, False, 409),
    ("bad signature", "POST", WEBHOOK_PATH, "new", {"X-Signature": "t=1,v1=00"}, True, False, 401),
    ("chunked body", "POST", WEBHOOK_PATH, "new", {}, True, True, 201),
    ("request id", "GET", "/health/live", "", {"X-Request-ID": "bench-probe-0123456789"}, False, False, 200),
    ("metrics by client address", "GET", "/metrics", "", {}, False, False, 200),
    ("unknown path", "GET", "/api/v1/no-such-thing", "", {}, False, False, 404),
]


def probe(server_url: str, size: DataSize) -> dict[str, dict[str, Any]]:
    """The same requests to one server: status, error code, and the request id it echoed."""
    host, port = server_url.removeprefix("http://").split(":")
    answers: dict[str, dict[str, Any]] = {}
    body = b""
    for name, method, path, kind, extra, signed, chunked, expected in PROBES:
        if kind == "new":
            body = json.dumps(
                {
                    "event": "purchase.created",
                    "external_id": f"probe-{uuid.uuid4().hex}",
                    "user_id": str(datagen.user_uuid(0)),
                    "merchant_id": str(datagen.merchant_uuid(0)),
                    "amount": "12.34",
                    "currency": "EUR",
                }
            ).encode()
        payload = body if kind else None
        headers = {**(signed_headers(payload) if signed else {}), **extra}
        client = http.client.HTTPConnection(host, int(port), timeout=30)
        try:
            if chunked:  # two chunks, no Content-Length
                chunks = iter([payload[:40], payload[40:]])
                client.request(method, path, body=chunks, headers=headers, encode_chunked=True)
            else:
                client.request(method, path, body=payload, headers=headers)
            response = client.getresponse()
            content = response.read()
        finally:
            client.close()
        try:
            code = json.loads(content).get("error", {}).get("code", "") if content.startswith(b"{") else ""
        except ValueError:
            code = "(not JSON)"
        echoed = response.getheader("X-Request-ID", "")
        answers[name] = {
            "status": response.status,
            "expected": expected,
            "code": code,
            "request_id_echoed": echoed == extra.get("X-Request-ID", echoed),
        }
    return answers


def differences(reference: dict[str, dict[str, Any]], other: dict[str, dict[str, Any]]) -> list[str]:
    """What this server answered otherwise than the reference (or than the contract says)."""
    found = []
    for name, answer in other.items():
        if answer["status"] != answer["expected"]:
            found.append(f"{name}: {answer['status']} {answer['code']} (expected {answer['expected']})")
        elif answer != reference[name]:
            found.append(f"{name}: {answer} (reference: {reference[name]})")
    return found
