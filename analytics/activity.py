"""Distinct active users over a range, kept exact and cheap to read (`ActiveUsers`).

A user active on day d whose previous active day was p has been away `gap = d - p` days (at most
ACTIVE_HORIZON: longer, or never active before, is the same for every range). They count in
`counts[k]` of their (d, slice) row for every k < gap. Distinct users over [first, last] is the sum
over the range's rows of `counts[d - first]`: each user counts once, on their first day in it.

The writer (`analytics.services.rollups_write`) adds the new (user, day) facts in its one statement:
the new days go into `ActiveUserDay`, each user's `UserActivity` row is locked and moved on (so two
transactions of one user queue, and the second sees the first's days), and each touched row of
`ActiveUsers` gets the difference between the gaps with the new days and the gaps without them.
A day in order (the common case: after the user's last day) reads nothing more: its gap is from
the locked row. A day out of order (before the user's last day: a transaction straddling
midnight, a replay) also reads the user's days of the horizon before it, and moves the gap of the
day after it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from analytics.models import ACTIVE_HORIZON, SLICES, ActiveUserDay, ActiveUsers, UserActivity
from clicknback import rawsql

H = ACTIVE_HORIZON
DAYS, LATEST, COUNTS = rawsql.table(ActiveUserDay), rawsql.table(UserActivity), rawsql.table(ActiveUsers)


def slice_sql(user_id: str) -> str:
    """`analytics.services.slice_of` in SQL: the uuid's last hex digit, modulo the slices."""
    return f"mod(('x' || right({user_id}::text, 1))::bit(4)::int, {SLICES})"


def write_ctes(active: set[tuple[date, uuid.UUID]]) -> tuple[list[tuple[str, str]], list[Any]]:
    """The writer's CTEs for the (day, user) facts of a transaction, and their parameters."""
    values = ", ".join(["(%s::date, %s::uuid)"] * len(active))
    params = [value for row in sorted(active, key=lambda r: (r[1], r[0])) for value in row]
    ctes = [
        (
            "active_new",
            f"INSERT INTO {DAYS} (day, user_id) VALUES {values} ON CONFLICT DO NOTHING RETURNING day, user_id",  # noqa: S608
        ),
        (
            "active_latest",  # locks each user's row, in user order; the two latest days, new ones included
            f"INSERT INTO {LATEST} AS l (user_id, last_day, previous_day) "  # noqa: S608
            "SELECT user_id, max(day), (array_agg(day ORDER BY day DESC))[2] FROM active_new "
            "GROUP BY user_id ORDER BY user_id ON CONFLICT (user_id) DO UPDATE SET "
            "last_day = greatest(l.last_day, EXCLUDED.last_day), previous_day = (SELECT max(x) FROM unnest(ARRAY["
            "l.last_day, l.previous_day, EXCLUDED.last_day, EXCLUDED.previous_day]) AS x "
            "WHERE x < greatest(l.last_day, EXCLUDED.last_day)) RETURNING user_id, last_day, previous_day",
        ),
        ("active_first", "SELECT user_id, min(day) AS first FROM active_new GROUP BY user_id"),
        (
            "active_old",  # the user's days before this statement, from the horizon before its first new day
            "(SELECT l.user_id, d.day FROM active_latest l, unnest(ARRAY[l.last_day, l.previous_day]) AS d(day) "  # noqa: S608
            "WHERE d.day IS NOT NULL UNION SELECT a.user_id, a.day FROM active_latest l "
            f"JOIN active_first f ON f.user_id = l.user_id JOIN {DAYS} a ON a.user_id = l.user_id "
            f"AND a.day >= f.first - {H} WHERE l.previous_day >= f.first) "
            "EXCEPT SELECT user_id, day FROM active_new",
        ),
        (
            "active_gaps",  # each day's gap with the new days (+1) and without them (-1)
            f"SELECT user_id, day, 1 AS sign, least(day - lag(day) OVER w, {H}) AS gap FROM "  # noqa: S608
            "(SELECT user_id, day FROM active_old UNION ALL SELECT user_id, day FROM active_new) AS s "
            "WINDOW w AS (PARTITION BY user_id ORDER BY day) UNION ALL "
            f"SELECT user_id, day, -1, least(day - lag(day) OVER w, {H}) FROM active_old "
            "WINDOW w AS (PARTITION BY user_id ORDER BY day)",
        ),
        (
            "active_counts",
            f"INSERT INTO {COUNTS} AS c (day, slice, counts) "  # noqa: S608
            "SELECT day, slice, array_agg(n ORDER BY k) FROM ("
            f"SELECT g.day, {slice_sql('g.user_id')} AS slice, k, sum(g.sign * (k <= g.gap)::int)::int AS n "
            "FROM active_gaps g JOIN active_first f ON f.user_id = g.user_id AND g.day >= f.first "
            f"CROSS JOIN generate_series(1, {H}) AS k GROUP BY 1, 2, 3) AS d "
            "GROUP BY day, slice HAVING bool_or(n <> 0) ORDER BY day, slice "
            "ON CONFLICT (day, slice) DO UPDATE SET counts = (SELECT array_agg(x + y ORDER BY i) "
            "FROM unnest(c.counts, EXCLUDED.counts) WITH ORDINALITY AS z(x, y, i))",
        ),
    ]
    return ctes, params


def latest_sql(days: str) -> str:
    """Each user's two latest days of `days` (a query of (day, user_id) rows), as `UserActivity`."""
    return (
        "SELECT user_id, max(day) AS last_day, (array_agg(day ORDER BY day DESC))[2] AS previous_day "  # noqa: S608
        f"FROM ({days}) AS days GROUP BY user_id"
    )


def counts_sql(days: str) -> str:
    """`ActiveUsers` rows as `days` (a query of distinct (day, user_id) rows, with a `%(first)s`
    parameter: the first day wanted, or null for all) says; it reads the horizon before `first`."""
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
