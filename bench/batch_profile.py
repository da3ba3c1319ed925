"""CPU per event of `POST /webhooks/purchases/batch`, in-process (the whole Django stack as WSGI, no HTTP).

    .venv/bin/python -m bench.batch_profile                      # 30 batches of 100, 3 rounds, top 25
    .venv/bin/python -m bench.batch_profile -n 50 --size 500 --top 40
    .venv/bin/python -m bench.batch_profile --fresh              # generate the data set again

Its own small data set (`--database`, default batch_profile; created on first use from a migrated
`<database>_template`, with `bench.datagen`: 1,000 users, 20 merchants, 10,000 purchases of
history). Each batch is new `purchase.created` events for random users and merchants, every one
expected to answer 201. Prints the statements of one batch, `time.process_time()` per event for
each round (the Python CPU a worker spends: what bounds a two-core machine), then a cProfile of
one more round: the functions by own time and by cumulative time. To compare two commits, run it
from each tree one after the other against the same database.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import time
import uuid

from bench.config import DataSize
from bench.profile import _environ, _setup

SIZE = DataSize("batch_profile", users=1_000, merchants=20, purchases=10_000)


def _ensure_data(database: str, fresh: bool) -> None:
    """The data set, generated once (again with `fresh`)."""
    import psycopg
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from bench import datagen
    from bench.run import _database_url, _libpq_dsn, _use_database

    url = os.environ["DATABASE_URL"]
    admin = _libpq_dsn(_database_url(url, "postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
    if exists and not fresh:
        return
    template = f"{database}_template"
    sys.stderr.write(f"migrating {template}, then generating {database}\n")
    datagen.recreate_database(admin, template)
    _use_database(template)
    call_command("migrate", verbosity=0, interactive=False)
    connection.close()
    datagen.recreate_database(admin, database, template=template)
    _use_database(database)
    datagen.generate(_libpq_dsn(url), SIZE, now=timezone.now(), password_hash=make_password("bench-password-1"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=30, help="batches per round")
    parser.add_argument("--size", type=int, default=100, help="events per batch")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--top", type=int, default=25, help="functions printed by each order of the profile")
    parser.add_argument("--database", default="batch_profile")
    parser.add_argument("--fresh", action="store_true", help="generate the data set again")
    args = parser.parse_args(argv)
    _setup(args.database)
    _ensure_data(args.database, args.fresh)

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.webhooks import batch_requests

    application = WSGIHandler()
    make = batch_requests(run_id=uuid.uuid4().hex[:8], users=SIZE.users, merchants=SIZE.merchants, size=args.size)
    sent = iter(range(10**9))

    def batches(count: int) -> list[dict]:
        requests = (make(0, next(sent)) for _ in range(count))
        return [_environ(method, path, body, headers) for method, path, body, headers in requests]

    def call(environ: dict) -> None:
        statuses: list[str] = []
        body = b"".join(application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
        if not statuses[0].startswith("200"):
            raise SystemExit(f"{statuses[0]}: {body[:300]!r}")
        refused = [r for r in json.loads(body)["results"] if r["status"] != 201]
        if refused:
            raise SystemExit(f"{len(refused)} events not created, e.g. {refused[0]}")

    for environ in batches(5):  # warm-up: imports, the connection, caches
        call(environ)
    with CaptureQueriesContext(connection) as queries:
        call(batches(1)[0])
    print(f"statements per batch of {args.size}: {len(queries.captured_queries)}")
    rounds = []
    for number in range(args.rounds):
        work = batches(args.n)
        cpu = time.process_time()
        for environ in work:
            call(environ)
        rounds.append((time.process_time() - cpu) / (args.n * args.size) * 1000)
        print(f"round {number + 1}: CPU {rounds[-1]:.3f} ms/event")
    print(f"CPU ms/event over {args.rounds} rounds of {args.n} batches: median {statistics.median(rounds):.3f}")
    work = batches(args.n)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for environ in work:
        call(environ)
    profiler.disable()
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(args.top)
        print(out.getvalue().split("\n", 4)[-1])  # without pstats' banner
    return 0


if __name__ == "__main__":
    sys.exit(main())
