"""Realistic data, fast: every row goes in through PostgreSQL's COPY, ledger and wallets consistent.

Users, merchants and offers get predictable ids (`user_uuid(i)`), so the load generators and the
pgbench script pick a random user with arithmetic instead of a lookup. Each user's purchases are
generated together with their ledger entries (cashback pending, then confirmed or reversed), in
time order, and the wallet row is the running total of those entries: `verify_ledger` passes.

Statuses follow the clock of the data: purchases younger than the merchants' 30-day confirmation
delay are pending; older ones are confirmed (about 2 % reversed), except a chosen number that are
pending and already due, the work of the confirmation job.
"""

from __future__ import annotations

import json
import random
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import psycopg
from psycopg import sql

from bench.config import DataSize

PARTNER_ID = uuid.UUID("00000000-0000-4000-b000-000000000001")
PARTNER_KEY = "pk_bench"
PARTNER_SECRET = "whsec_bench_secret_not_for_production"
PARTNER_NAME = "Bench network"
CONFIRMATION_DAYS = 30
HISTORY_DAYS = 365
REVERSED_SHARE = 0.02
USERS_PER_CHUNK = 2_000
OFFER_PERCENT_HUNDREDTHS = 500  # every bench offer pays 5.00 %
DAY = 86_400.0
MERCHANT_CATEGORIES = ("Electronics", "Fashion", "Home", "Outdoor", "Travel")

# Columns written by COPY. `check_columns` compares them with the models, so a new NOT NULL
# column makes the generator fail loudly instead of the COPY failing obscurely.
COLUMNS = {
    "accounts_user": ["id", "password", "last_login", "is_superuser", "email", "is_active", "is_staff", "created_at"],
    "merchants_merchant": [
        "id", "name", "website", "status", "confirmation_days", "tracking_url", "category", "created_at",
        "updated_at",
    ],
    "offers_offer": [
        "id", "merchant_id", "cashback_type", "cashback_value", "starts_on", "ends_on", "monthly_cap_per_user",
        "min_purchase_amount", "max_cashback_per_purchase", "status", "created_at", "updated_at",
    ],
    "purchases_purchase": [
        "id", "external_id", "partner_id", "user_id", "merchant_id", "offer_id", "amount", "currency", "status",
        "cashback_amount", "cashback_status", "flagged", "flag_reasons", "settlement_requested", "purchased_at",
        "created_at", "confirmed_at", "reversed_at", "reversal_reason", "tier_at_ingestion_id", "points_multiplier",
        "click_id", "order_reference", "cashback_base", "tier_bonus", "campaign_bonus", "campaign_id",
        "cashback_terms",
    ],
    "purchases_purchaseevent": [
        "purchase_id", "action", "from_status", "to_status", "actor_kind", "actor_id", "actor_label", "reason",
        "created_at",
    ],
    "wallets_wallet": ["id", "user_id", "pending", "available", "paid", "entry_count", "created_at", "updated_at"],
    "wallets_walletentry": [
        "id", "wallet_id", "sequence", "type", "pending_delta", "available_delta", "paid_delta", "pending_balance",
        "available_balance", "paid_balance", "purchase_id", "payout_id", "created_at",
    ],
}  # fmt: skip
GENERATED = {"purchases_purchaseevent": {"id"}}  # bigserial: the database numbers them


def user_uuid(index: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-8000-{index:012d}")


def merchant_uuid(index: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-9000-{index:012d}")


def offer_uuid(index: int) -> uuid.UUID:
    return uuid.UUID(f"00000000-0000-4000-a000-{index:012d}")


def check_columns() -> None:
    """The COPY column lists must name every column of the models (Django must be set up)."""
    from django.apps import apps

    for model in apps.get_models():
        table = model._meta.db_table
        if table in COLUMNS:
            expected = {f.column for f in model._meta.concrete_fields} - GENERATED.get(table, set())
            if set(COLUMNS[table]) != expected:
                raise RuntimeError(
                    f"bench/datagen.py COLUMNS[{table!r}] is out of date: the model has {sorted(expected)}"
                )


class Progress:
    """A one-line progress bar on stderr."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done, self.started, self.shown = label, max(total, 1), 0, time.monotonic(), 0.0

    def advance(self, count: int) -> None:
        self.done += count
        now = time.monotonic()
        if now - self.shown > 0.2 or self.done >= self.total:
            self.shown = now
            filled = int(30 * self.done / self.total)
            sys.stderr.write(
                f"\r  {self.label:<22} [{'#' * filled}{'.' * (30 - filled)}] "
                f"{self.done:>10,}/{self.total:,} {now - self.started:6.1f}s"
            )
            if self.done >= self.total:
                sys.stderr.write("\n")
            sys.stderr.flush()


def _money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def _ts(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat()


def _percent_of(amount_cents: int, hundredths: int) -> int:
    """amount * (hundredths / 100) % in cents, rounded half to even like `clicknback.money.to_cents`."""
    quotient, remainder = divmod(amount_cents * hundredths, 10_000)
    if remainder * 2 > 10_000 or (remainder * 2 == 10_000 and quotient % 2):
        quotient += 1
    return quotient


def _copy(cursor: psycopg.Cursor, table: str, lines: Sequence[str]) -> None:
    if not lines:
        return
    with cursor.copy(f"COPY {table} ({', '.join(COLUMNS[table])}) FROM STDIN") as copy:
        for start in range(0, len(lines), 10_000):
            copy.write("".join(lines[start : start + 10_000]))


def _row(*values: object) -> str:
    return "\t".join(map(str, values)) + "\n"


def generate(dsn: str, size: DataSize, *, now: datetime, password_hash: str, seed: int = 1) -> dict[str, int]:
    """Fill an empty, migrated database; return the row counts."""
    rng = random.Random(seed)
    now_epoch = now.timestamp()
    counts: Counter[str] = Counter()
    with psycopg.connect(dsn) as conn, conn.cursor() as cursor:
        _reference_data(cursor, size, now=now, password_hash=password_hash, counts=counts)
        conn.commit()
        plan = _purchases_per_user(rng, size)
        old_share = (HISTORY_DAYS - CONFIRMATION_DAYS) / HISTORY_DAYS
        due_chance = min(1.0, size.due / max(1.0, size.purchases * old_share))
        progress = Progress(f"{size.name}: purchases", size.purchases)
        users = sorted(plan)
        for start in range(0, len(users), USERS_PER_CHUNK):
            tables: dict[str, list[str]] = {name: [] for name in COLUMNS}
            made = 0
            for index in users[start : start + USERS_PER_CHUNK]:
                made += _user_history(
                    rng,
                    index,
                    plan[index],
                    tables,
                    now_epoch=now_epoch,
                    due_chance=due_chance,
                    merchants=size.merchants,
                )
            for table in ("purchases_purchase", "purchases_purchaseevent", "wallets_wallet", "wallets_walletentry"):
                _copy(cursor, table, tables[table])
                counts[table] += len(tables[table])
            conn.commit()
            progress.advance(made)
        conn.autocommit = True
        started = time.monotonic()
        cursor.execute("VACUUM (ANALYZE)")  # statistics, and the visibility map index-only scans need
        sys.stderr.write(f"  {size.name}: VACUUM ANALYZE {time.monotonic() - started:.1f}s\n")
    return dict(counts)


def _reference_data(
    cursor: psycopg.Cursor, size: DataSize, *, now: datetime, password_hash: str, counts: Counter
) -> None:
    """Users (one precomputed password hash for all), the partner, merchants and their offers."""
    created = _ts(now.timestamp() - HISTORY_DAYS * DAY - DAY)
    users = [
        _row(user_uuid(i), password_hash, r"\N", "f", f"user{i}@bench.example", "t", "f", created)
        for i in range(size.users)
    ]
    _copy(cursor, "accounts_user", users)
    cursor.execute(
        "INSERT INTO accounts_partner (id, name, key, secret, active, created_at) VALUES (%s, %s, %s, %s, true, %s)",
        [PARTNER_ID, PARTNER_NAME, PARTNER_KEY, PARTNER_SECRET, now],
    )
    today = now.date()
    starts = today - timedelta(days=HISTORY_DAYS + 30)
    ends = today + timedelta(days=HISTORY_DAYS)
    merchants = [
        _row(
            merchant_uuid(i),
            f"Bench shop {i}",
            f"https://shop{i}.bench.example",
            "active",
            CONFIRMATION_DAYS,
            f"https://shop{i}.bench.example/go?c={{click_id}}",
            MERCHANT_CATEGORIES[i % len(MERCHANT_CATEGORIES)],  # the member site's filter has choices
            created,
            created,
        )
        for i in range(size.merchants)
    ]
    offers = [
        _row(
            offer_uuid(i),
            merchant_uuid(i),
            "percent",
            _money(OFFER_PERCENT_HUNDREDTHS),
            starts,
            ends,
            r"\N",
            r"\N",
            r"\N",
            "active",
            created,
            created,
        )
        for i in range(size.merchants)
    ]
    _copy(cursor, "merchants_merchant", merchants)
    _copy(cursor, "offers_offer", offers)
    counts.update(accounts_user=len(users), merchants_merchant=len(merchants), offers_offer=len(offers))


def _purchases_per_user(rng: random.Random, size: DataSize) -> dict[int, int]:
    """Heavy users get `heavy_purchases` each; the rest are spread at random over the others."""
    heavy = min(size.heavy_users, size.users)
    plan = {index: size.heavy_purchases for index in range(heavy)}
    remaining = max(0, size.purchases - sum(plan.values()))
    light = range(heavy, size.users)
    plan.update(dict.fromkeys(light, 0))
    if remaining and len(light):
        plan.update(Counter(rng.choices(light, k=remaining)))
    return plan


def _user_history(
    rng: random.Random,
    index: int,
    count: int,
    tables: dict[str, list[str]],
    *,
    now_epoch: float,
    due_chance: float,
    merchants: int,
) -> int:
    """One user's purchases, audit rows and ledger, and the wallet that sums the ledger."""
    user_id = user_uuid(index)
    wallet_id = uuid.uuid4()
    moves: list[tuple[float, str, int, int, uuid.UUID]] = []  # (when, type, pending, available, purchase)
    purchases, events = tables["purchases_purchase"], tables["purchases_purchaseevent"]
    partner_actor = ("partner", PARTNER_ID, PARTNER_NAME)
    job_actor = ("job", "", "confirm_due_purchases")
    for _ in range(count):
        merchant = rng.randrange(merchants)
        amount = rng.randint(500, 50_000)  # 5.00 .. 500.00
        cashback = _percent_of(amount, OFFER_PERCENT_HUNDREDTHS)
        age = rng.uniform(0.05, HISTORY_DAYS) * DAY
        purchased = now_epoch - age
        created = purchased + rng.uniform(1, 600)
        purchase_id = uuid.uuid4()
        confirmed = reversed_ = r"\N"
        status, cashback_status, reason = "pending", "pending", ""
        moves.append((created, "cashback_pending", cashback, 0, purchase_id))
        events.append(_row(purchase_id, "created", "", "pending", *partner_actor, "", _ts(created)))
        if age >= CONFIRMATION_DAYS * DAY and rng.random() >= due_chance:
            if rng.random() < REVERSED_SHARE:
                when = created + rng.uniform(DAY, 5 * DAY)
                status, cashback_status, reason, reversed_ = "reversed", "reversed", "bench: returned", _ts(when)
                moves.append((when, "cashback_reversed", -cashback, 0, purchase_id))
                events.append(_row(purchase_id, "reversed", "pending", "reversed", *partner_actor, reason, reversed_))
            else:
                when = purchased + CONFIRMATION_DAYS * DAY + rng.uniform(0, min(DAY, age - CONFIRMATION_DAYS * DAY))
                status, cashback_status, confirmed = "confirmed", "available", _ts(when)
                moves.append((when, "cashback_confirmed", -cashback, cashback, purchase_id))
                events.append(_row(purchase_id, "confirmed", "pending", "confirmed", *job_actor, "", confirmed))
        purchases.append(
            _row(
                purchase_id, f"bench-{purchase_id.hex}", PARTNER_ID, user_id, merchant_uuid(merchant),
                offer_uuid(merchant), _money(amount), "EUR", status, _money(cashback), cashback_status, "f", "{}",
                "f", _ts(purchased), _ts(created), confirmed, reversed_, reason, r"\N", "1.00", r"\N", r"\N",
                _money(cashback), "0.00", "0.00", r"\N", "{}",
            )
        )  # fmt: skip
    _ledger(tables, wallet_id, user_id, moves, opened=now_epoch - HISTORY_DAYS * DAY)
    return count


def _ledger(
    tables: dict[str, list[str]], wallet_id: uuid.UUID, user_id: uuid.UUID, moves: list, *, opened: float
) -> None:
    """The entries in time order and the wallet that sums them. Users without purchases get an empty
    wallet too (as their first purchase would create), so any user can be locked by the pgbench script."""
    moves.sort(key=lambda move: move[0])
    pending = available = 0
    entries = tables["wallets_walletentry"]
    for sequence, (when, entry_type, pending_delta, available_delta, purchase_id) in enumerate(moves, start=1):
        pending += pending_delta
        available += available_delta
        entries.append(
            _row(
                uuid.uuid4(), wallet_id, sequence, entry_type, _money(pending_delta), _money(available_delta), "0.00",
                _money(pending), _money(available), "0.00", purchase_id, r"\N", _ts(when),
            )
        )  # fmt: skip
    tables["wallets_wallet"].append(
        _row(
            wallet_id,
            user_id,
            _money(pending),
            _money(available),
            "0.00",
            len(moves),
            _ts(opened),
            _ts(moves[-1][0] if moves else opened),
        )
    )


def recreate_database(admin_dsn: str, name: str, *, template: str = "template1") -> None:
    """Drop (forcing out any session) and create a database, a copy of `template`."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


def snapshot(admin_dsn: str, name: str, pristine: str, size: DataSize, rows: dict[str, int]) -> None:
    """Copy a freshly generated database as `pristine`, labelled with its size and row counts."""
    recreate_database(admin_dsn, pristine, template=name)
    label = json.dumps({"size": asdict(size), "schema": schema_fingerprint(), "rows": rows})
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(sql.Identifier(pristine), sql.Literal(label)))


def snapshot_rows(admin_dsn: str, pristine: str, size: DataSize) -> dict[str, int] | None:
    """The row counts of a pristine snapshot generated at this size by the code's migrations, or
    None if there is none (a snapshot of an older schema is generated again, not migrated: new
    tables of figures would start empty)."""
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        found = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [pristine]
        ).fetchone()
    if found is None or not found[0]:
        return None
    label = json.loads(found[0])
    same = label.get("size") == asdict(size) and label.get("schema") == schema_fingerprint()
    return label["rows"] if same else None


def schema_fingerprint() -> list[str]:
    """The latest migration of every app, as this code has them."""
    from django.db.migrations.loader import MigrationLoader

    return sorted(f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def drop_database(admin_dsn: str, name: str) -> None:
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def heavy_user_indexes(size: DataSize, count: int) -> list[int]:
    """Users the read benchmark signs in as: the long histories if the set has them, else any with purchases."""
    if size.heavy_users:
        return list(range(min(count, size.heavy_users)))
    return list(range(min(count, size.users)))
