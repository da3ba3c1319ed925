"""The ceiling of batch ingestion: the SQL of one real batch, replayed by pgbench with no Python.

`capture_batch` posts one signed batch of `purchase.created` events for distinct users (merchants
and amounts drawn as `bench.webhooks.batch_requests` draws them) through Django's test client and
records every statement, as `bench.ceiling.capture_ingestion` does for one webhook.
`pgbench_script` makes them one pgbench transaction: each event's user becomes a distinct random
user (`permute` over the generated ones, so no wallet is posted to twice), its purchase, ledger
entry, outbox row and external id fresh ones; everything else is the captured SQL.

Two simplifications, both documented in docs/performance.md:
- the merchants and offers stay the captured ones: a rollup upsert may not touch one row twice,
  as two events' merchants drawn alike at random would make it;
- the wallet statements cannot take the locked rows' values as the single webhook's replay does
  (`\\gset` takes one row; the batch locks a hundred). The batch computes each new balance in
  Python from the locked row; the replay computes the same sum in SQL: the UPDATE adds each
  posting's deltas to the row (locked, so the values the batch read), joined on the user instead
  of the wallet's id (a random uuid the script cannot know), and the ledger INSERT reads each
  entry's wallet, sequence and balances from the updated row (joined on the user too). The
  ledger stays consistent: `verify_ledger` passes after the run.
"""

from __future__ import annotations

import json
import random
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from django.db import connection
from django.db.models import Model
from django.test import Client

from bench import datagen
from bench.ceiling import Statement, _render
from bench.webhooks import BATCH_PATH, purchase_created, signed_headers
from clicknback import rawsql
from events.models import OutboxEvent
from wallets.models import Wallet, WalletEntry

MAX_EVENTS = 1000  # an event's number is three digits of its fresh ids
BALANCES = ("pending", "available", "paid")


@dataclass
class CapturedBatch:
    statements: list[Statement] = field(default_factory=list)
    user_indexes: list[int] = field(default_factory=list)
    external_ids: list[str] = field(default_factory=list)
    purchase_ids: list[uuid.UUID] = field(default_factory=list)
    entry_ids: list[uuid.UUID] = field(default_factory=list)
    outbox_ids: list[uuid.UUID] = field(default_factory=list)
    wallet_users: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # wallet id -> user id


def capture_batch(*, size: int, users: int, merchants: int, seed: int = 13) -> CapturedBatch:
    """One real batch of `size` new purchases by distinct users, through the whole Django stack
    (in this process), its SQL recorded."""
    if not 0 < size <= min(users, MAX_EVENTS):
        raise ValueError(f"a captured batch holds 1 to {min(users, MAX_EVENTS)} events, not {size}")
    rng = random.Random(seed)
    run = uuid.uuid4().hex
    captured = CapturedBatch(user_indexes=rng.sample(range(users), size))
    events = []
    for number, user_index in enumerate(captured.user_indexes):
        event = purchase_created(rng, f"capture-{run}-{number}", users=users, merchants=merchants)
        events.append(event | {"user_id": str(datagen.user_uuid(user_index))})
    captured.external_ids = [event["external_id"] for event in events]
    body = json.dumps({"events": events}).encode()

    def record(execute, sql, params, many, context):
        kept = params if isinstance(params, dict) else tuple(params or ())
        captured.statements.append(Statement(sql, kept, connection.in_atomic_block))
        return execute(sql, params, many, context)

    headers = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in signed_headers(body).items()}
    connection.ensure_connection()  # the connection's own set-up queries are not the batch's
    with connection.execute_wrapper(record):
        response = Client().post(BATCH_PATH, body, content_type="application/json", **headers)
    results = response.json()["results"] if response.status_code == 200 else []
    if len(results) != size or any(result["status"] != 201 for result in results):
        raise RuntimeError(f"capture batch answered {response.status_code}: {response.content[:300]!r}")
    captured.purchase_ids = [uuid.UUID(result["purchase"]["id"]) for result in results]
    entries = dict(WalletEntry.objects.filter(purchase_id__in=captured.purchase_ids).values_list("purchase_id", "id"))
    subjects = [str(pid) for pid in captured.purchase_ids]
    outbox = OutboxEvent.objects.filter(type="purchase.created", subject__in=subjects)
    by_subject = dict(outbox.values_list("subject", "id"))
    captured.entry_ids = [entries[pid] for pid in captured.purchase_ids]
    captured.outbox_ids = [by_subject[subject] for subject in subjects]
    user_ids = [datagen.user_uuid(index) for index in captured.user_indexes]
    captured.wallet_users = dict(Wallet.objects.filter(user_id__in=user_ids).values_list("id", "user_id"))
    return captured


def pgbench_script(captured: CapturedBatch, *, users: int) -> str:
    """The captured batch as one pgbench transaction over distinct random users, fresh ids."""

    def fresh(prefix: str, number: int) -> str:
        return f"('{prefix}-0001-4000-8{number:03d}-' || lpad(:seq::text, 12, '0'))"

    by_value: dict[Any, str] = {}
    for number, user_index in enumerate(captured.user_indexes):
        user = f"('00000000-0000-4000-8000-' || lpad(:u{number}::text, 12, '0'))::uuid"  # datagen.user_uuid
        by_value[datagen.user_uuid(user_index)] = user
        by_value[captured.external_ids[number]] = f"('pgbench-batch-' || :seq || '-{number}')"
        by_value[captured.purchase_ids[number]] = f"{fresh('bbbbbbbb', number)}::uuid"
        by_value[str(captured.purchase_ids[number])] = fresh("bbbbbbbb", number)
        by_value[captured.entry_ids[number]] = f"{fresh('cccccccc', number)}::uuid"
        by_value[captured.outbox_ids[number]] = f"{fresh('dddddddd', number)}::uuid"
    lines = [
        "\\set order random(0, 1000000000)",  # the users' permutation: a new one each transaction
        *(f"\\set u{number} permute({number}, {users}, :order)" for number in range(len(captured.user_indexes))),
        "\\set seq random(1, 999999999999)",
    ]
    wallets_update = f"UPDATE {rawsql.table(Wallet)} "
    entries_insert = f"INSERT INTO {rawsql.table(WalletEntry)} ({_names(WalletEntry)}) "
    postings = _postings(captured, entries_insert)
    in_transaction = False
    for statement in captured.statements:
        if statement.in_transaction != in_transaction:
            lines.append("BEGIN;" if statement.in_transaction else "COMMIT;")
            in_transaction = statement.in_transaction
        if statement.sql.startswith(wallets_update):
            lines.append(_wallets_update(statement, postings, by_value))
        elif statement.sql.startswith(entries_insert):
            lines.append(_entries_insert(statement, captured.wallet_users, by_value))
        else:
            lines.append(_render(_arrays_as_values(statement, by_value), by_value, {}))
    if in_transaction:
        lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def _names(model: type[Model]) -> str:
    return ", ".join(rawsql.col(model, f.name) for f in model._meta.concrete_fields)


def _columns(statement: Statement, model: type[Model]) -> dict[str, list[Any]]:
    """A multi-row INSERT's values (Django's `bulk_create`: one array per column) by field name."""
    fields = model._meta.concrete_fields
    if len(statement.params) != len(fields) or not all(isinstance(p, list) for p in statement.params):
        raise RuntimeError(f"{model.__name__}'s INSERT is no longer one array per column (bulk_create changed?)")
    return {f.name: values for f, values in zip(fields, statement.params, strict=True)}


def _postings(captured: CapturedBatch, entries_insert: str) -> dict[uuid.UUID, dict[str, Any]]:
    """Each user's balance deltas and entry count in the batch, from its ledger INSERT."""
    inserts = [s for s in captured.statements if s.sql.startswith(entries_insert)]
    if len(inserts) != 1:
        raise RuntimeError(f"{len(inserts)} ledger INSERTs in the captured batch, not one (wallets.services changed?)")
    columns = _columns(inserts[0], WalletEntry)
    counts = Counter(columns["wallet"])
    if max(counts.values()) > 1:
        raise RuntimeError("a wallet has several entries in the captured batch: its users must be distinct")
    return {
        captured.wallet_users[wallet]: {
            **{name: columns[f"{name}_delta"][row] for name in BALANCES},
            "entry_count": counts[wallet],
        }
        for row, wallet in enumerate(columns["wallet"])
    }


def _literal(value: Any, by_value: dict[Any, str]) -> str:
    try:
        return by_value[value]
    except (KeyError, TypeError):
        return connection.ops.compose_sql("%s", [value])


def _array(values: list[Any], model: type[Model], name: str, by_value: dict[Any, str]) -> str:
    db_type = model._meta.get_field(name).db_type(connection)
    return f"ARRAY[{', '.join(_literal(v, by_value) for v in values)}]::{db_type}[]"


def _arrays_as_values(statement: Statement, by_value: dict[Any, str]) -> Statement:
    """The statement with each array parameter holding a per-event value (ids) replaced by a key of
    `by_value` whose expression is an ARRAY of the elements' expressions, for `_render`."""
    if isinstance(statement.params, dict):
        return statement
    params = list(statement.params)
    for position, value in enumerate(params):
        if isinstance(value, list) and any(_literal(v, by_value) != _literal(v, {}) for v in value):
            key = f"@@array{uuid.uuid4().hex}@@"
            by_value[key] = f"ARRAY[{', '.join(_literal(v, by_value) for v in value)}]"
            params[position] = key
    return replace(statement, params=tuple(params))


def _wallets_update(statement: Statement, postings: dict[uuid.UUID, dict[str, Any]], by_value: dict[Any, str]) -> str:
    """`wallet_post_many`'s UPDATE, the deltas added to the locked rows' balances."""
    if set(statement.params) != {"id", *BALANCES, "entry_count", "updated_at"}:
        raise RuntimeError(f"the wallets' UPDATE changed: parameters {sorted(statement.params)}")
    wallet, names = rawsql.table(Wallet), ("user", *BALANCES, "entry_count")
    sets = ", ".join(
        f'{rawsql.col(Wallet, name)} = {wallet}.{rawsql.col(Wallet, name)} + "v".{rawsql.col(Wallet, name)}'
        for name in names[1:]
    )
    arrays = [_array(list(postings), Wallet, "user", by_value)]
    arrays += [_array([deltas[name] for deltas in postings.values()], Wallet, name, {}) for name in names[1:]]
    updated_at = _literal(statement.params["updated_at"], {})
    return (
        f"UPDATE {wallet} SET {sets}, {rawsql.col(Wallet, 'updated_at')} = {updated_at} "
        f'FROM unnest({", ".join(arrays)}) AS "v"({", ".join(rawsql.col(Wallet, n) for n in names)}) '
        f'WHERE {wallet}.{rawsql.col(Wallet, "user")} = "v".{rawsql.col(Wallet, "user")};'
    )


def _entries_insert(statement: Statement, wallet_users: dict[uuid.UUID, uuid.UUID], by_value: dict[Any, str]) -> str:
    """`wallet_post_many`'s ledger INSERT, each entry's wallet, sequence and balances read from its
    wallet as just updated (one entry per wallet)."""
    columns = _columns(statement, WalletEntry)
    from_wallet = {"wallet": "id", "sequence": "entry_count", **{f"{name}_balance": name for name in BALANCES}}
    given = [name for name in columns if name not in from_wallet]
    arrays = [_array([wallet_users[w] for w in columns["wallet"]], Wallet, "user", by_value)]
    arrays += [_array(columns[name], WalletEntry, name, by_value) for name in given]
    selected = ", ".join(
        f'"w".{rawsql.col(Wallet, from_wallet[name])}'
        if name in from_wallet
        else f'"v".{rawsql.col(WalletEntry, name)}'
        for name in columns
    )
    aliases = ", ".join([rawsql.col(Wallet, "user"), *(rawsql.col(WalletEntry, name) for name in given)])
    user = rawsql.col(Wallet, "user")
    return (
        f"INSERT INTO {rawsql.table(WalletEntry)} ({_names(WalletEntry)}) SELECT {selected} "
        f'FROM unnest({", ".join(arrays)}) AS "v"({aliases}) '
        f'JOIN {rawsql.table(Wallet, "w")} ON "w".{user} = "v".{user};'
    )
