"""The daily figures recomputed from the raw tables: `rebuild_rollups` writes them, `verify_ledger`
compares them with what the transactions wrote.

Each figure's source, on its UTC date: purchases, amounts and cashback booked by `created_at`
(`click_purchases`: those with a click, reversed or not); clicks by theirs; cashback confirmed by
`confirmed_at` (kept when the purchase is later reversed); cashback reversed by `reversed_at`;
payouts requested by `created_at`, completed and failed by `processed_at`; points by their
entries' `created_at` and type; new users by `created_at`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Func, IntegerField, Q, QuerySet, Sum
from django.db.models.functions import TruncDate

from accounts.models import User
from analytics.activity import counts_sql, slice_sql
from analytics.models import (
    DAY_FIGURES,
    PURCHASE_FIGURES,
    ActiveUserDay,
    ActiveUsers,
    DailyFigures,
    MerchantDailyFigures,
    MerchantDayClicks,
)
from clicknback import rawsql
from clicks.models import Click
from loyalty.models import PointsEntry, PointsEntryType
from loyalty.services import ROLLUP_FIGURE_FOR as POINTS_FIGURE_FOR
from payouts.models import Payout, PayoutStatus
from purchases.models import Purchase

Figures = dict[str, Any]
ROLLUP_MODELS = (DailyFigures, MerchantDailyFigures, MerchantDayClicks, ActiveUserDay)


class UserSlice(Func):
    """`analytics.services.slice_of` in SQL: the uuid's last hex digit, modulo the slices."""

    template = slice_sql("%(expressions)s")
    output_field = IntegerField()


def _day(field: str) -> TruncDate:
    return TruncDate(field, tzinfo=UTC)


def _between(field: str, first: date | None, last: date | None) -> Q:
    q = Q(**{f"{field}__isnull": False})
    if first is not None:
        q &= Q(**{f"{field}__gte": _start(first)})
    if last is not None:
        q &= Q(**{f"{field}__lt": _start(last + timedelta(days=1))})
    return q


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def _grouped(rows: QuerySet, keys: tuple[str, ...], target: dict[tuple, Figures], names: dict[str, str]) -> None:
    for row in rows:
        figures = target[tuple(row[k] for k in keys)]
        for source, name in names.items():
            figures[name] += row[source]


def recomputed(
    first: date | None = None, last: date | None = None
) -> tuple[dict[tuple, Figures], dict[tuple, Figures]]:
    """The day slices and the merchant days as the raw tables say, for days in [first, last]."""
    days: dict[tuple, Figures] = defaultdict(lambda: defaultdict(int))
    merchants: dict[tuple, Figures] = defaultdict(lambda: defaultdict(int))
    purchases = Purchase.objects.order_by()
    for field, names in (
        (
            "created_at",
            {"n": "purchases", "clicked": "click_purchases", "amount_sum": "amount", "cashback": "cashback_booked"},
        ),
        ("confirmed_at", {"cashback": "cashback_confirmed"}),
        ("reversed_at", {"cashback": "cashback_reversed"}),
    ):
        base = purchases.filter(_between(field, first, last)).annotate(day=_day(field), slice=UserSlice("user_id"))
        aggregates = {
            "n": Count("id"),
            "clicked": Count("id", filter=Q(click__isnull=False)),
            "amount_sum": Sum("amount"),
            "cashback": Sum("cashback_amount"),
        }
        wanted = {k: v for k, v in aggregates.items() if k in names}
        _grouped(base.values("day", "slice").annotate(**wanted), ("day", "slice"), days, names)
        _grouped(base.values("day", "merchant_id").annotate(**wanted), ("day", "merchant_id"), merchants, names)
    payouts = Payout.objects.order_by()
    _grouped(
        payouts.filter(_between("created_at", first, last))
        .annotate(day=_day("created_at"), slice=UserSlice("user_id"))
        .values("day", "slice")
        .annotate(n=Count("id"), total=Sum("amount")),
        ("day", "slice"),
        days,
        {"n": "payouts_requested", "total": "payouts_requested_amount"},
    )
    for status in (PayoutStatus.COMPLETED, PayoutStatus.FAILED):
        _grouped(
            payouts.filter(_between("processed_at", first, last), status=status)
            .annotate(day=_day("processed_at"), slice=UserSlice("user_id"))
            .values("day", "slice")
            .annotate(n=Count("id"), total=Sum("amount")),
            ("day", "slice"),
            days,
            {"n": f"payouts_{status}", "total": f"payouts_{status}_amount"},
        )
    for entry_type, name in POINTS_FIGURE_FOR.items():
        sign = (
            -1 if entry_type in (PointsEntryType.REDEEMED, PointsEntryType.EXPIRED, PointsEntryType.CLAWED_BACK) else 1
        )
        _grouped(
            PointsEntry.objects.order_by()
            .filter(_between("created_at", first, last), type=entry_type)
            .annotate(day=_day("created_at"), slice=UserSlice("account__user_id"))
            .values("day", "slice")
            .annotate(points=Sum(F("points_delta") * sign)),
            ("day", "slice"),
            days,
            {"points": name},
        )
    _grouped(
        User.objects.order_by()
        .filter(_between("created_at", first, last))
        .annotate(day=_day("created_at"), slice=UserSlice("id"))
        .values("day", "slice")
        .annotate(n=Count("id")),
        ("day", "slice"),
        days,
        {"n": "users_new"},
    )
    return days, merchants


def recomputed_clicks(first: date | None = None, last: date | None = None) -> dict[tuple, Figures]:
    """The clicks per (day, merchant, slice) as the clicks table says, for days in [first, last]."""
    clicks: dict[tuple, Figures] = defaultdict(lambda: defaultdict(int))
    _grouped(
        Click.objects.order_by()
        .filter(_between("created_at", first, last))
        .annotate(day=_day("created_at"), slice=UserSlice("user_id"))
        .values("day", "merchant_id", "slice")
        .annotate(n=Count("id")),
        ("day", "merchant_id", "slice"),
        clicks,
        {"n": "clicks"},
    )
    return clicks


def _active_sql(first: date | None, last: date | None) -> tuple[str, list[Any]]:
    rows = (
        Purchase.objects.order_by()
        .filter(_between("created_at", first, last))
        .annotate(day=_day("created_at"))
        .values("day", "user_id")
        .distinct()
    )
    sql, params = rows.query.sql_with_params()
    return sql, list(params)


def _in_range(model: type, first: date | None, last: date | None) -> QuerySet:
    rows = model.objects.all()
    if first is not None:
        rows = rows.filter(day__gte=first)
    if last is not None:
        rows = rows.filter(day__lte=last)
    return rows


def rollups_rebuild(*, first: date | None = None, last: date | None = None) -> int:
    """Replace the figures of the days in [first, last] (every day when unbounded) by their
    recomputation; returns how many rows were written. The active users' gaps are recomputed from
    `first` on (a day in the range is the previous day of later ones). Writers wait meanwhile (the
    tables are locked against writes for the rebuild's transaction), so nothing counted live is lost."""
    with transaction.atomic(durable=True):
        with connection.cursor() as cursor:
            tables = ", ".join(rawsql.table(m) for m in (*ROLLUP_MODELS, ActiveUsers))
            cursor.execute(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE")
        for model in ROLLUP_MODELS:
            _in_range(model, first, last).delete()
        _in_range(ActiveUsers, first, None).delete()
        days, merchants = recomputed(first, last)
        clicks = recomputed_clicks(first, last)
        MerchantDayClicks.objects.bulk_create(
            MerchantDayClicks(day=day, merchant_id=merchant, slice=part, **figures)
            for (day, merchant, part), figures in sorted(clicks.items())
        )
        DailyFigures.objects.bulk_create(
            DailyFigures(day=day, slice=part, **figures) for (day, part), figures in sorted(days.items())
        )
        MerchantDailyFigures.objects.bulk_create(
            MerchantDailyFigures(day=day, merchant_id=merchant, **figures)
            for (day, merchant), figures in sorted(merchants.items())
        )
        sql, params = _active_sql(first, last)
        stored_days = f"SELECT day, user_id FROM {rawsql.table(ActiveUserDay)}"  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {rawsql.table(ActiveUserDay)} (day, user_id) {sql}", params)
            written = cursor.rowcount
            cursor.execute(
                f"INSERT INTO {rawsql.table(ActiveUsers)} (day, slice, counts) {counts_sql(stored_days)}",
                {"first": first},
            )
            written += cursor.rowcount
    return len(days) + len(merchants) + len(clicks) + written


def _stored(model: type, keys: tuple[str, ...], names: Iterable[str]) -> dict[tuple, Figures]:
    return {
        tuple(row[k] for k in keys): {n: row[n] for n in names if row[n]} for row in model.objects.values(*keys, *names)
    }


def _nonzero(rows: dict[tuple, Figures]) -> dict[tuple, Figures]:
    cleaned = {key: {n: v for n, v in figures.items() if v} for key, figures in rows.items()}
    return {key: figures for key, figures in cleaned.items() if figures}


def _by_day(rows: dict[tuple, Figures]) -> dict[tuple, Figures]:
    """Totals without the last key (the slice): which slice holds a figure is the writer's affair,
    what the day (or the merchant's day) holds is the fact."""
    days: dict[tuple, Figures] = defaultdict(lambda: defaultdict(int))
    for key, figures in rows.items():
        for name, value in figures.items():
            days[key[:-1]][name] += value
    return days


def rollup_discrepancy_lines() -> list[str]:
    """One line per day (or merchant day, or active-user set) that differs from its recomputation."""
    days, merchants = recomputed()
    lines = []
    for label, model, keys, names, expected, group in (
        ("day", DailyFigures, ("day", "slice"), DAY_FIGURES, days, _by_day),
        ("merchant day", MerchantDailyFigures, ("day", "merchant_id"), PURCHASE_FIGURES, merchants, dict),
        ("merchant day clicks", MerchantDayClicks, ("day", "merchant_id", "slice"), ("clicks",),
         recomputed_clicks(), _by_day),
    ):  # fmt: skip
        stored = _nonzero(group(_stored(model, keys, names)))
        wanted = _nonzero(group(expected))
        for key in sorted(set(stored) | set(wanted), key=str):
            if stored.get(key, {}) != wanted.get(key, {}):
                lines.append(f"{label} {key}: stored {stored.get(key, {})}, recomputed {wanted.get(key, {})}")
    lines += _active_discrepancy_lines()
    return lines


def _active_discrepancy_lines() -> list[str]:
    """The active users' facts and gap counts against the purchases."""
    purchases = rawsql.table(Purchase)
    sql = f"SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date AS day, user_id FROM {purchases}"  # noqa: S608
    stored_days = f"SELECT day, user_id FROM {rawsql.table(ActiveUserDay)}"  # noqa: S608
    stored_counts = f"SELECT day, slice, counts FROM {rawsql.table(ActiveUsers)} WHERE 0 < ANY(counts)"  # noqa: S608
    checks = (
        ("active user days", stored_days, "SELECT day, user_id FROM facts"),
        ("active users by gap", stored_counts, counts_sql("SELECT day, user_id FROM facts")),
    )
    # One statement: the purchases' (day, user) facts are read once, each recomputation once.
    ctes = ", ".join(f"wanted_{i} AS MATERIALIZED ({wanted})" for i, (_, _, wanted) in enumerate(checks))
    counts = ", ".join(
        f"(SELECT count(*) FROM (TABLE wanted_{i} EXCEPT ({stored})) AS m), "  # noqa: S608
        f"(SELECT count(*) FROM (({stored}) EXCEPT TABLE wanted_{i}) AS e)"
        for i, (_, stored, _) in enumerate(checks)
    )
    with connection.cursor() as cursor:
        cursor.execute(f"WITH facts AS MATERIALIZED ({sql}), {ctes} SELECT {counts}", {"first": None})
        found = cursor.fetchone()
    lines = []
    for index, (label, _, _) in enumerate(checks):
        missing, extra = found[2 * index], found[2 * index + 1]
        if missing or extra:
            lines.append(f"{label}: {missing} rows missing, {extra} extra")
    return lines
