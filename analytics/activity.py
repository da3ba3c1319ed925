"""Distinct active users over a range, kept exact and cheap to read (`ActiveUsers`).

A user active on day d whose previous active day was p had been away `gap = d - p` days (at most
ACTIVE_HORIZON: longer, or never active before, is the same for every range the API allows). They
count in `counts[k]` of their (d, slice) row for every k < gap. Distinct users over [first, last]
is then the sum over the range's rows of `counts[d - first]`: each user counts once, on their first
day in the range (`analytics.selectors.active_users`).

The writer (`analytics.services.rollups_write`) hands a transaction's new (day, user) facts to the
database function `analytics_active_days_add` (migration 0003) inside its one statement: it queues
each user's writers on an advisory lock, inserts the facts into `ActiveUserDay`, and for each new
day d between the user's days p and n adds d's gap (d - p) and moves n's from (n - p) to (n - d).
A day after the user's last one (the usual case) touches one row; one out of order (a transaction
across midnight, a replay) touches two. A function, because its statements' plans are cached
(this one statement would otherwise be planned anew for each purchase) and each sees the facts the
user's previous writer committed.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from analytics.models import ACTIVE_HORIZON, SLICES

H = ACTIVE_HORIZON


def add_days_sql(active: set[tuple[date, uuid.UUID]]) -> tuple[str, list[Any]]:
    """The call adding the (day, user) facts of a transaction, and its parameters (one per value,
    as every other statement of the writer: the bench's replay of ingestion varies the user)."""
    rows = sorted(active, key=lambda row: (row[1], row[0]))
    values = ", ".join(["%s"] * len(rows))
    sql = f"SELECT analytics_active_days_add(ARRAY[{values}]::date[], ARRAY[{values}]::uuid[])"
    return sql, [d for d, _ in rows] + [u for _, u in rows]


def slice_sql(user_id: str) -> str:
    """`analytics.services.slice_of` in SQL: the uuid's last hex digit, modulo the slices."""
    return f"mod(('x' || right({user_id}::text, 1))::bit(4)::int, {SLICES})"


def counts_sql(days: str) -> str:
    """`ActiveUsers` rows as `days` (a query of distinct (day, user_id) rows) says, from the day
    given as the `%(first)s` parameter on (null: every day); it reads the horizon before it."""
    return f"""
        WITH gaps AS (
            SELECT day, {slice_sql("user_id")} AS slice,
                   least(day - lag(day) OVER (PARTITION BY user_id ORDER BY day), {H}) AS gap
            FROM ({days}) AS days
            WHERE %(first)s::date IS NULL OR day >= %(first)s::date - {H}
        ), by_gap AS (
            SELECT day, slice, gap, count(*) AS n FROM gaps
            WHERE %(first)s::date IS NULL OR day >= %(first)s::date GROUP BY 1, 2, 3
        ), cells AS (
            SELECT r.day, r.slice, k,
                   sum(coalesce(b.n, 0)) OVER (PARTITION BY r.day, r.slice ORDER BY k DESC) AS n
            FROM (SELECT DISTINCT day, slice FROM by_gap) AS r
            CROSS JOIN generate_series(1, {H}) AS k
            LEFT JOIN by_gap b ON b.day = r.day AND b.slice = r.slice AND b.gap = k
        )
        SELECT day, slice, array_agg(n::int ORDER BY k) AS counts FROM cells GROUP BY day, slice
    """  # noqa: S608
