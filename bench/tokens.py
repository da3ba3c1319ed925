"""Token payouts on the development chain, requested to completed (docs/performance.md, "Token payouts").

    .venv/bin/python -m bench.tokens [--payouts 1000] [--consumers 2] [--keep]

A database of its own (BENCH_TOKENS_DATABASE_URL, default .../bench_tokens, dropped and made anew),
a development chain of its own (anvil in a temporary folder, behind `run_chain_adapter`), a
JetStream stream of its own. `--payouts` users who prefer tokens each have one due purchase; the
confirmation job confirms them all, which requests one token payout each in its transaction;
`relay_outbox --loop` and `--consumers` copies of `run_consumer mint` (separate processes, as in
production) mint them. Measured: the wall time from the first confirmation to the last
`token.minted`, and per payout the time from its request (the confirmation's transaction) to its
`token.minted`. The reference, measured in the same run on the same chain: mints straight through
the adapter's gRPC client, one after another, no database and no JetStream.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/bench_tokens"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def recreate_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def drop_database(url: str) -> None:
    import psycopg

    base, _, name = url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def manage(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=os.environ.copy(), stdout=subprocess.DEVNULL
    )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def seed(count: int) -> None:
    """`count` users who prefer tokens, each with one purchase of 200.00 (20.00 cashback), due now."""
    from django.utils import timezone
    from eth_account import Account

    from accounts.models import User
    from accounts.tests.factories import PartnerFactory
    from chain.models import ChainAddress, PayoutPreference
    from clicknback.actors import Actor
    from offers.tests.factories import OfferFactory
    from purchases.services import purchase_ingest

    offer = OfferFactory(cashback_value=Decimal("10.00"))
    offer.merchant.confirmation_days = 0
    offer.merchant.save()
    partner = PartnerFactory()
    users = User.objects.bulk_create(User(email=f"token{n}@bench.example") for n in range(count))
    now = timezone.now()
    ChainAddress.objects.bulk_create(
        ChainAddress(
            user=user, address=Account.create().address, verified_at=now, payout_preference=PayoutPreference.TOKEN
        )
        for user in users
    )
    for n, user in enumerate(users):
        purchase_ingest(
            partner=partner,
            external_id=f"bench-token-{n}",
            user_id=user.id,
            merchant_id=offer.merchant_id,
            amount=Decimal("200.00"),
            currency="EUR",
            actor=Actor.for_partner(partner),
        )


def reference(count: int) -> float:
    """Mints per second straight through the adapter's client, one after another."""
    from eth_account import Account

    from chain.client import chain_client
    from chain.reconcile import ref_of

    holder = Account.create().address
    started = time.perf_counter()
    for _ in range(count):
        chain_client().mint(ref=ref_of(uuid.uuid4()), to=holder, amount=1)
    return count / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--payouts", type=int, default=1000)
    parser.add_argument("--consumers", type=int, default=2)
    parser.add_argument("--reference-mints", type=int, default=200)
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "tokens.json")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the processes we started (finally)

    from chain.devchain import free_port

    database_url = os.environ.get("BENCH_TOKENS_DATABASE_URL", DEFAULT_DATABASE_URL)
    suffix = uuid.uuid4().hex[:10]
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "clicknback.settings",
            "DATABASE_URL": database_url,
            "CHAIN_DATA_DIR": tempfile.mkdtemp(prefix="bench-tokens-chain-"),
            "CHAIN_ADAPTER_ADDR": f"127.0.0.1:{free_port()}",
            "NATS_STREAM": f"BENCH_TOKENS_{suffix}",
            "NATS_SUBJECT_PREFIX": f"benchtokens{suffix}",
            "MIN_PENDING_HOURS": "0",
            "FRAUD_VELOCITY_LIMIT": "1000000/h",
            "LOG_LEVEL": "WARNING",
        }
    )
    recreate_database(database_url)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db.models import F

    from chain.client import chain_client
    from clicknback.actors import Actor
    from events.jetstream import JetStream
    from events.models import OutboxEvent
    from payouts.models import Payout, PayoutMethod, PayoutStatus
    from purchases.services import purchases_confirm_due

    call_command("migrate", verbosity=0)
    processes = [manage("run_chain_adapter")]
    try:
        if not chain_client().wait_until_ready(timeout=60):
            raise SystemExit("the chain adapter did not start")
        print(f"seeding {args.payouts} users and purchases ...", flush=True)
        seed(args.payouts)
        mints_per_second_direct = reference(args.reference_mints)
        processes += [manage("relay_outbox", "--loop")]
        processes += [manage("run_consumer", "mint") for _ in range(args.consumers)]
        time.sleep(3)  # the consumers subscribe before the first event

        started = time.perf_counter()
        while purchases_confirm_due(actor=Actor.job("bench"), batch_size=500):
            pass
        confirmed_in = time.perf_counter() - started
        tokens = Payout.objects.filter(method=PayoutMethod.TOKEN)
        deadline = started + args.timeout
        while tokens.filter(status=PayoutStatus.COMPLETED).count() < args.payouts:
            if time.perf_counter() > deadline:
                raise SystemExit(f"timed out: {tokens.filter(status=PayoutStatus.COMPLETED).count()} completed")
            time.sleep(0.2)
        wall = time.perf_counter() - started
        minted_at = dict(OutboxEvent.objects.filter(type="token.minted").values_list("subject", "occurred_at"))
        latencies = [
            (minted_at[str(payout_id)] - created_at).total_seconds()
            for payout_id, created_at in tokens.values_list("id", "created_at")
        ]
        assert tokens.filter(status=PayoutStatus.COMPLETED, tx_hash="").count() == 0
        assert tokens.exclude(block_number=F("blockchain_transaction__block_number")).count() == 0
    finally:
        stop(processes)
        try:
            link = JetStream().connect()
            link.run(link.js.delete_stream(os.environ["NATS_STREAM"]))
            link.close()
        except Exception as exc:
            print(f"(stream not deleted: {exc})")
    report = {
        "payouts": args.payouts,
        "consumers": args.consumers,
        "confirmation_job_seconds": round(confirmed_in, 2),
        "wall_seconds": round(wall, 2),
        "payouts_per_second": round(args.payouts / wall, 1),
        "confirmation_to_minted_p50_seconds": round(percentile(latencies, 0.50), 3),
        "confirmation_to_minted_p99_seconds": round(percentile(latencies, 0.99), 3),
        "confirmation_to_minted_max_seconds": round(max(latencies), 3),
        "reference_direct_mints_per_second": round(mints_per_second_direct, 1),
        "mean_latency_seconds": round(statistics.fmean(latencies), 3),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=2) + "\n")
    for key, value in report.items():
        print(f"{key:40} {value}")
    if not args.keep:
        from django.db import connections

        connections.close_all()
        drop_database(database_url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
