"""Two variants of the webhook's stack side by side in one process, on the same database, blocks of
webhooks alternated so that the machine's load weighs on both alike:

    BENCH_SCALE=smoke .venv/bin/python -m bench.variants binding --database bench_smoke_big
    .venv/bin/python -m bench.variants middleware
    .venv/bin/python -m bench.variants features --database bench_big
    .venv/bin/python -m bench.variants statements

`binding`: psycopg's client-side against server-side parameter binding (which prepares a statement
after its 5th use). `middleware`: Django's session, auth and messages middleware on every request
(before) against the API skipping them (today). `features`: the data as generated (no campaign,
every user at the entry tier) against every feature on (`bench.features`: a running campaign and
users in their tiers; switched on before each of its blocks and off after). `statements`: the
webhook as it ran before issue 21's statement merges (the posting's balance UPDATE and ledger INSERT
as two statements, the created count in autocommit after the ingestion's commit: 11 statements,
3 commits), rebuilt here, against today's (9 statements, 2 commits). `candidates`: the campaign
candidates read through a queryset (before) against the hand-written query (today). `--every-feature` runs both
variants with every feature on. Prints the Python CPU and the PostgreSQL backend's CPU (read from
/proc: the same machine) per webhook.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import time
from unittest import mock

from bench import features, profile
from bench.cpu import process_cpu_seconds

ROUNDS = 20
BLOCK = 90
WARMUP = 10  # per block: connect, and let psycopg prepare the hot statements
LABELS = {
    "binding": ("client-side binding", "server-side binding, prepared"),
    "middleware": ("every middleware on /api/ (before)", "the API skipping the site's middleware"),
    "features": ("the data as generated", "every feature on (a running campaign, tiers)"),
    "candidates": ("the campaign candidates as a queryset (before)", "hand-written (today)"),
    "statements": (
        "11 statements, 3 commits (the posting in two, the count after the commit)",
        "9 statements, 2 commits (today)",
    ),
}
# The site-only entries of settings.MIDDLEWARE and the Django middleware each one wraps.
DJANGO_MIDDLEWARE = {
    f"clicknback.site_middleware.Site{name}": f"django.contrib.{module}.middleware.{name}"
    for module, name in (
        ("sessions", "SessionMiddleware"),
        ("auth", "AuthenticationMiddleware"),
        ("messages", "MessageMiddleware"),
    )
}


def _separate_statements() -> contextlib.ExitStack:
    """The webhook's ingestion with the posting's two statements and the partner's created count
    after the commit, as before issue 21 merged them (wallets.services.wallet_post, purchases.views)."""
    from django.db import DatabaseError, connection
    from django.utils import timezone

    from accounts.models import WebhookOutcome
    from accounts.services import webhook_count
    from clicknback import rawsql
    from purchases import services as purchase_services
    from purchases import views
    from wallets import services as wallet_services
    from wallets.models import Wallet

    update = (
        f"UPDATE {rawsql.table(Wallet)} SET "
        + ", ".join(f"{rawsql.col(Wallet, name)} = %({name})s" for name in (*wallet_services._BALANCES, "updated_at"))
        + f" WHERE {rawsql.col(Wallet, 'id')} = %(id)s"
    )

    def wallet_post(*, wallet, entry_type, purchase_id=None, payout_id=None, **deltas):
        posting = wallet_services.Posting(wallet, entry_type, purchase_id=purchase_id, payout_id=payout_id, **deltas)
        entry = wallet_services._apply(posting, now=timezone.now())
        insert_sql, insert_params = rawsql.insert(entry)
        with connection.cursor() as cursor:
            cursor.execute(update, {n: getattr(wallet, n) for n in (*wallet_services._BALANCES, "updated_at", "id")})
            if cursor.rowcount != 1:
                raise DatabaseError(f"Wallet {wallet.id} was not updated.")
            cursor.execute(insert_sql, insert_params)
            return rawsql.mark_saved(entry, cursor.fetchone())

    def purchase_ingest(**fields):
        purchase = purchase_services.purchase_ingest(**(fields | {"count_webhook": False}))
        webhook_count(partner_id=fields["partner"].id, outcome=WebhookOutcome.CREATED)
        return purchase

    patches = contextlib.ExitStack()
    patches.enter_context(mock.patch.object(purchase_services, "wallet_post", wallet_post))
    patches.enter_context(mock.patch.object(views, "purchase_ingest", purchase_ingest))
    return patches


def _candidates_as_queryset() -> contextlib.AbstractContextManager:
    """Ingestion reading its campaign candidates through the ORM twin of the hand-written query
    (the selector as it was before)."""
    from campaigns.tests.test_selectors import orm_candidates
    from purchases import selectors

    return mock.patch.object(selectors, "campaign_candidates", orm_candidates)


def _backend_cpu_seconds(connection) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    return process_cpu_seconds(pid)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("compare", choices=sorted(LABELS))
    parser.add_argument("--database", default=os.environ.get("BENCH_PROFILE_DB", "bench_big"))
    parser.add_argument("--every-feature", action="store_true", help="both variants with every feature on")
    args = parser.parse_args()
    profile._setup(args.database)
    from django.conf import settings
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection

    applications = [WSGIHandler(), WSGIHandler()]
    if args.compare == "middleware":
        settings.MIDDLEWARE = [DJANGO_MIDDLEWARE.get(path, path) for path in settings.MIDDLEWARE]
        applications[0] = WSGIHandler()
    requests = profile._requests("webhook", ROUNDS * 2 * (BLOCK + WARMUP))
    totals = [[0.0, 0.0, 0], [0.0, 0.0, 0]]

    def call(variant: int, environ: dict) -> None:
        statuses: list[str] = []
        response = applications[variant](environ, lambda status, headers, exc_info=None: statuses.append(status))
        body = b"".join(response)
        if not statuses[0].startswith("201"):
            raise SystemExit(f"{statuses[0]}: {body[:300]!r}")

    for _ in range(ROUNDS):
        for variant in (0, 1):
            connection.close()
            server_side = args.compare == "binding" and variant == 1
            connection.settings_dict.setdefault("OPTIONS", {})["server_side_binding"] = server_side
            every_feature = args.every_feature or (args.compare == "features" and variant == 1)
            switched = features.on(merchants=3) if every_feature else None
            before = {"statements": _separate_statements, "candidates": _candidates_as_queryset}.get(args.compare)
            with before() if before and variant == 0 else contextlib.nullcontext():
                for _, environ in itertools.islice(requests, WARMUP):
                    call(variant, environ)
                block = [environ for _, environ in itertools.islice(requests, BLOCK)]
                backend, cpu = _backend_cpu_seconds(connection), time.process_time()
                for environ in block:
                    call(variant, environ)
                totals[variant][0] += time.process_time() - cpu
                totals[variant][1] += _backend_cpu_seconds(connection) - backend
                totals[variant][2] += len(block)
            if switched:
                features.off(switched)
    for label, (python_cpu, backend_cpu, count) in zip(LABELS[args.compare], totals, strict=True):
        print(
            f"{label}: {count} webhooks, Python CPU {python_cpu / count * 1000:.2f} ms, "
            f"PostgreSQL backend CPU {backend_cpu / count * 1000:.2f} ms per webhook"
        )


if __name__ == "__main__":
    main()
