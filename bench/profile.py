"""CPU per request, in-process: the whole Django stack (middleware included) called as WSGI, no HTTP.

    .venv/bin/python -m bench.profile webhook -n 500                 # CPU ms per signed webhook
    .venv/bin/python -m bench.profile confirm -n 500                 # per partner purchase.confirmed
    .venv/bin/python -m bench.profile confirm_job -n 2000            # per purchase the confirmation job confirms
    .venv/bin/python -m bench.profile purchases -n 500 --pyinstrument  # and where it goes
    .venv/bin/python -m bench.profile webhook -n 500 --every-feature   # with a running campaign and tiers

Runs against an existing bench database (`BENCH_PROFILE_DB`, default bench_big) with the server's
settings (production settings, request and event logging formatted as in production but written
to /dev/null, Prometheus multiprocess files in a temporary folder). Webhooks create real
purchases through the real services, so the ledger stays consistent. What it prints is
`time.process_time()` per request: the Python CPU a gunicorn worker spends, the number that bounds
throughput on a machine with few cores; and the CPU of the PostgreSQL backend serving it (read from
/proc, so the database must run on this machine).
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def _setup(database: str) -> None:
    from bench.config import BENCH_ENV

    os.environ.update(BENCH_ENV)
    os.environ["DJANGO_SETTINGS_MODULE"] = "clicknback.settings"
    base = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    os.environ["DATABASE_URL"] = base.rsplit("/", 1)[0] + "/" + database
    os.environ.setdefault("CONN_MAX_AGE", "600")
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="clicknback-profile-"))
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)


def _environ(method: str, path: str, body: bytes, headers: dict[str, str]) -> dict:
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": "127.0.0.1:8000",
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    return environ


def _requests(kind: str, count: int):
    from bench import datagen
    from bench.webhooks import READ_PATHS, signed_headers

    if kind == "webhook":
        from bench.config import scale_from_env

        users = min(1000, scale_from_env().big.users)
        rng = random.Random(11)
        run = uuid.uuid4().hex[:8]
        for number in range(count):
            body = json.dumps(
                {
                    "event": "purchase.created",
                    "external_id": f"profile-{run}-{number}",
                    "user_id": str(datagen.user_uuid(rng.randrange(users))),
                    "merchant_id": str(datagen.merchant_uuid(rng.randrange(3))),
                    "amount": f"{rng.randint(500, 50_000) / 100:.2f}",
                    "currency": "EUR",
                }
            ).encode()
            yield 201, _environ("POST", "/api/v1/webhooks/purchases", body, signed_headers(body))
        return
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.models import User

    user = User.objects.get(pk=datagen.user_uuid(0))
    token = AccessToken.for_user(user)
    token["role"] = str(user.role)
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(count):
        yield 200, _environ("GET", READ_PATHS[kind], b"", headers)


def _confirmations(count: int, call) -> list:
    """`count` new pending purchases made through the webhook (not timed), and the partner's
    `purchase.confirmed` for each."""
    from bench.webhooks import signed_headers

    confirms = []
    for expected, environ in _requests("webhook", count):
        created = json.loads(environ["wsgi.input"].getvalue())
        call(expected, environ)
        body = json.dumps({"event": "purchase.confirmed", "external_id": created["external_id"]}).encode()
        confirms.append((200, _environ("POST", "/api/v1/webhooks/purchases", body, signed_headers(body))))
    return confirms


def _confirm_job(count: int) -> int:
    """The confirmation job's batches (500 each) over the data set's due purchases, up to `count`."""
    from clicknback.actors import Actor
    from purchases.services import purchases_confirm_due

    done = 0
    while done < count:
        confirmed = purchases_confirm_due(actor=Actor.job("profile"), batch_size=min(500, count - done))
        if not confirmed:
            raise SystemExit(f"only {done} due purchases left in the data set (BENCH_DUE)")
        done += confirmed
    return done


def _backend_cpu_seconds() -> float:
    """The CPU of the PostgreSQL backend serving this process (the same machine, read from /proc)."""
    from django.db import connection

    from bench.cpu import process_cpu_seconds

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return process_cpu_seconds(cursor.fetchone()[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "kind", choices=["webhook", "confirm", "confirm_job", "wallet", "wallet_transactions", "purchases"]
    )
    parser.add_argument("-n", type=int, default=300)
    parser.add_argument("--database", default=os.environ.get("BENCH_PROFILE_DB", "bench_big"))
    parser.add_argument("--pyinstrument", action="store_true", help="print a pyinstrument profile (wall clock)")
    parser.add_argument("--cprofile", type=Path, help="write a cProfile of CPU time (process_time) to this file")
    parser.add_argument(
        "--every-feature",
        action="store_true",
        help="a running campaign over the webhooks' merchants and users in the tiers their history earns "
        "(bench.features), on for the run and off after it",
    )
    args = parser.parse_args(argv)
    _setup(args.database)
    if args.every_feature:
        from bench import features

        switched = features.on(merchants=3)
        try:
            return _measure(args)
        finally:
            features.off(switched)
    return _measure(args)


def _measure(args: argparse.Namespace) -> int:
    from django.core.handlers.wsgi import WSGIHandler

    application = WSGIHandler()

    def call(expected: int, environ: dict) -> None:
        statuses = []
        body = b"".join(application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
        if not statuses[0].startswith(str(expected)):
            raise SystemExit(f"{statuses[0]}: {body[:300]!r}")

    def prepared(count: int) -> list:
        if args.kind == "confirm_job":
            return []
        if args.kind == "confirm":
            return _confirmations(count, call)
        return list(_requests(args.kind, count))

    if args.kind == "confirm_job":
        _confirm_job(30)  # warm-up: imports, first connection, caches
    for expected, environ in prepared(30):
        call(expected, environ)
    work = prepared(args.n)
    profiler = None
    if args.pyinstrument:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
    elif args.cprofile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    backend = _backend_cpu_seconds()
    cpu, wall = time.process_time(), time.perf_counter()
    for expected, environ in work:
        call(expected, environ)
    if args.kind == "confirm_job":
        _confirm_job(args.n)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    backend = _backend_cpu_seconds() - backend
    if args.pyinstrument:
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=False))
    elif args.cprofile:
        profiler.disable()
        profiler.dump_stats(args.cprofile)
    print(
        f"{args.kind}: {args.n} requests, CPU {cpu / args.n * 1000:.2f} ms/request, "
        f"PostgreSQL backend CPU {backend / args.n * 1000:.2f} ms/request, wall {wall / args.n * 1000:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
