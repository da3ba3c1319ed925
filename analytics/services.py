"""The one writer of the daily figures (`clicknback.rollups` calls it at each transaction's flush).

Rows are taken in a fixed order, all in one statement: the active users' (the users' advisory
locks by user, their facts by user and day, their `ActiveUsers` rows by day and slice, in
`analytics.activity`'s function, which the main query calls), then the merchant days and the day
slices (data-modifying CTEs PostgreSQL runs after the main query, the later first), each by its
key. Every writer takes them in that order, as the last step of its transaction, so concurrent
writers queue and never deadlock.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from accounts.models import User
from analytics.activity import add_days_sql
from analytics.models import (
    DAY_FIGURES,
    PURCHASE_FIGURES,
    SLICES,
    DailyFigures,
    MerchantDailyFigures,
)
from clicknback import rawsql
from clicknback.rollups import Number, RollupKey, rollup_add, rollups_flush


def slice_of(user_id: uuid.UUID) -> int:
    """The user's slice of a day's totals (its last hex digit, modulo SLICES; `UserSlice` in SQL)."""
    return user_id.int % SLICES


def rollups_write(additions: list[tuple[RollupKey, dict[str, Number]]]) -> None:
    """Add the figures to their rows: one INSERT ... ON CONFLICT DO UPDATE per table, one statement."""
    days: dict[tuple, dict[str, Number]] = defaultdict(lambda: defaultdict(int))
    merchants: dict[tuple, dict[str, Number]] = defaultdict(lambda: defaultdict(int))
    active: set[tuple] = set()
    for key, figures in additions:
        unknown = set(figures) - set(DAY_FIGURES)
        if unknown:
            raise ValueError(f"Unknown daily figures: {sorted(unknown)}")
        for name, value in figures.items():
            days[(key.day, slice_of(key.user_id))][name] += value
        if key.merchant_id is not None:
            if set(figures) - set(PURCHASE_FIGURES):
                raise ValueError(f"Only purchase figures count per merchant, not {sorted(figures)}")
            for name, value in figures.items():
                merchants[(key.day, key.merchant_id)][name] += value
        if key.active:
            active.add((key.day, key.user_id))
    ctes: list[tuple[str, str]] = []
    params: list[Any] = []
    for model, key_fields, rows in (
        (DailyFigures, ("day", "slice"), days),
        (MerchantDailyFigures, ("day", "merchant_id"), merchants),
    ):
        if rows:
            sql, row_params = _upsert(model, key_fields, rows)
            ctes.append((f"rollup_{len(ctes)}", sql))
            params += row_params
    if active:
        sql, active_params = add_days_sql(active)
        ctes.append(("active", sql))
        params += active_params
    if not ctes:
        return
    if len(ctes) == 1:
        statement = ctes[0][1]
    else:  # data-modifying CTEs, and the active users' function called by the main query
        main = 'SELECT * FROM "active"' if active else "SELECT 1"
        statement = "WITH " + ", ".join(f'"{name}" AS ({sql})' for name, sql in ctes) + f" {main}"
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _upsert(model: type[Model], key_fields: tuple[str, ...], rows: dict[tuple, dict[str, Number]]) -> tuple[str, list]:
    """`INSERT ... VALUES (...), ... ON CONFLICT (key) DO UPDATE SET x = x + EXCLUDED.x`, rows sorted."""
    names = sorted({name for figures in rows.values() for name in figures})
    columns = [*key_fields, *names]
    values = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(rows))
    current = model._meta.db_table
    updates = ", ".join(
        f"{rawsql.col(model, n)} = {rawsql.col(model, n, current)} + EXCLUDED.{rawsql.col(model, n)}" for n in names
    )
    sql = (
        f"INSERT INTO {rawsql.table(model)} ({', '.join(rawsql.col(model, c) for c in columns)}) "  # noqa: S608
        f"VALUES {values} ON CONFLICT ({', '.join(rawsql.col(model, c) for c in key_fields)}) DO UPDATE SET {updates}"
    )
    params = [value for key in sorted(rows) for value in (*key, *(rows[key].get(n, 0) for n in names))]
    return sql, params


def user_created(sender: type[User], instance: User, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """A new account counts in `users.new` on the day it was created, in its own transaction."""
    if not created or raw:
        return
    with transaction.atomic():
        rollup_add(day=instance.created_at.astimezone(UTC).date(), user_id=instance.id, users_new=1)
        rollups_flush()
