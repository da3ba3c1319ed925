"""Every write to tiers and points. Purchases call the two hooks inside their own transaction;
redemption, expiry and recomputation are entry points of their own (`atomic(durable=True)`).

Lock order, always: the purchase row (when there is one), the user's `UserLoyalty`, the user's
`PointsAccount`, the wallet last. Lots are only ever changed under their account's lock, so a lot
is redeemed or expired, never both, and the account's figures move with its entries.

Loyalty never imports purchases: the hooks receive what they need as arguments.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, ROUND_FLOOR, Decimal
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from accounts.models import User
from clicknback import rawsql
from clicknback.errors import BelowMinimumRedemption, InsufficientPoints, NotFound
from clicknback.money import CENT, ZERO
from clicknback.readcache import TIERS, read_cache_invalidate
from clicknback.rollups import rollup_add, rollups_flush
from events import outbox
from events.models import ENVELOPE_VERSION, OutboxEvent
from events.outbox import EventSpec
from loyalty.models import (
    PointsAccount,
    PointsEntry,
    PointsEntryType,
    PointsLot,
    Redemption,
    RedemptionAllocation,
    Tier,
    TierChange,
    TierChangeReason,
    UserLoyalty,
)
from wallets.models import EntryType
from wallets.services import wallet_lock, wallet_post

# Qualifying spend counts the purchases of the last 365 days; a tier's bonus is granted once in 365 days.
YEAR = timedelta(days=365)
_ACCOUNT_FIGURES = ["balance", "debt", "lifetime_earned", "lifetime_redeemed", "lifetime_expired", "updated_at"]
_LOYALTY_FIELDS = ["tier", "qualifying_spend", "tier_since", "updated_at"]

Row = TypeVar("Row", UserLoyalty, PointsAccount)


@dataclass(frozen=True)
class Confirmation:
    """A purchase becoming confirmed: what it earns and what it adds to qualifying spend."""

    user_id: uuid.UUID
    purchase_id: uuid.UUID
    amount: Decimal
    purchased_at: datetime
    points_multiplier: Decimal


def points_for(*, amount: Decimal, points_multiplier: Decimal) -> int:
    """floor(amount x POINTS_PER_UNIT x multiplier of the tier at ingestion)."""
    points = amount * Decimal(str(settings.POINTS_PER_UNIT)) * points_multiplier
    return int(points.to_integral_value(rounding=ROUND_FLOOR))


def loyalty_on_confirmed(*, confirmations: Sequence[Confirmation], actor_label: str = "") -> None:
    """Points and qualifying spend for purchases confirmed in the caller's transaction, with any
    upgrade it brings (and its bonuses). Called before the wallets are locked (the lock order).

    One statement whatever the number of confirmations (`_earn`: the loyalty rows, the points
    accounts, lots, entries and `points.earned` events). Only a confirmation that crosses a tier's
    min_spend costs more (`_upgrade`: the tiers, the bonuses granted, the bonus lots and entries,
    the tier rows, their history and events), and the race `_earn` describes one statement more.
    """
    _require_transaction()
    if not confirmations:
        return
    now = timezone.now()
    ordered = sorted(confirmations, key=lambda c: c.user_id)  # stable: a user's purchases keep their order
    events = {
        c.purchase_id: outbox.pending(
            "points.earned",
            c.user_id,
            _earned_data(c.user_id, points, PointsEntryType.EARNED, purchase_id=c.purchase_id),
        )
        for c in ordered
        if (points := points_for(amount=c.amount, points_multiplier=c.points_multiplier)) > 0
    }
    for c in ordered:
        if c.purchase_id in events:
            points = points_for(amount=c.amount, points_multiplier=c.points_multiplier)
            rollup_add(day=now.astimezone(UTC).date(), user_id=c.user_id, points_earned=points)
    loyalties, accounts, upgraded = _earn(ordered, events=events, now=now, count_spend=True)
    missing = [c for c in ordered if c.user_id not in accounts]
    if missing:
        _, more, _ = _earn(missing, events=events, now=now, count_spend=False)
        if len(more) != len({c.user_id for c in missing}):
            raise IntegrityError("Points accounts locked by this transaction changed under it.")
        accounts |= more
    if upgraded:
        _upgrade([loyalties[user_id] for user_id in upgraded], accounts=accounts, actor_label=actor_label, now=now)


def _earn(
    confirmations: Sequence[Confirmation], *, events: dict[uuid.UUID, OutboxEvent], now: datetime, count_spend: bool
) -> tuple[dict[uuid.UUID, UserLoyalty], dict[uuid.UUID, PointsAccount], list[uuid.UUID]]:
    """The earnings of `confirmations` (by user) in one statement (`_earn_sql`): returns the users'
    loyalty rows and points accounts as they are now, and the users whose spend reached a higher tier.

    An account this statement's snapshot did not see but that exists when it gets there (created
    meanwhile by a transaction that committed) is left alone, as the debt it was read with would
    be wrong; it is missing from the result and the caller runs its confirmations again, spend not
    counted twice (`count_spend=False`), in a new statement that sees it.
    """
    since = now - YEAR
    params = {
        "user_ids": [c.user_id for c in confirmations],
        "purchase_ids": [c.purchase_id for c in confirmations],
        "points": [points_for(amount=c.amount, points_multiplier=c.points_multiplier) for c in confirmations],
        "spend": [c.amount if count_spend and c.purchased_at >= since else ZERO for c in confirmations],
        "event_ids": [getattr(events.get(c.purchase_id), "id", None) for c in confirmations],
        "event_data": [_json(events[c.purchase_id].data) if c.purchase_id in events else None for c in confirmations],
        "occurred_at": [getattr(events.get(c.purchase_id), "occurred_at", None) for c in confirmations],
        "now": now,
        "expires_on": now.date() + timedelta(days=settings.POINTS_TTL_DAYS),
        "earned": PointsEntryType.EARNED.value,
        "event_type": "points.earned",
        "version": ENVELOPE_VERSION,
    }
    by_id = {str(event.id): event for event in events.values()}
    loyalties, accounts, upgraded = {}, {}, []
    with connection.cursor() as cursor:
        cursor.execute(_earn_sql(), params)
        rows = cursor.fetchall()
    loyalty_width, account_width = rawsql.width(UserLoyalty), rawsql.width(PointsAccount)
    for row in rows:
        loyalty = rawsql.from_row(UserLoyalty, row)
        loyalties[loyalty.user_id] = loyalty
        if row[loyalty_width]:
            upgraded.append(loyalty.user_id)
        if row[loyalty_width + 1] is not None:
            accounts[loyalty.user_id] = rawsql.from_row(PointsAccount, row, loyalty_width + 1)
        for event_id, data in _loaded(row[loyalty_width + 1 + account_width]) or ():
            by_id[event_id].data = data
    return loyalties, accounts, upgraded


def _upgrade(
    rows: Sequence[UserLoyalty], *, accounts: dict[uuid.UUID, PointsAccount], actor_label: str, now: datetime
) -> None:
    """The rare part of a confirmation: spend reached a higher tier. The user moves to the highest
    tier reached (one history row, one `tier.changed`) and gets the bonus of every tier passed that
    was not granted in the last 365 days (`points.earned`). Rows and accounts are locked by `_earn`."""
    tiers = list(Tier.objects.order_by("min_spend"))
    upgrades = _upgrades(rows, tiers=tiers)
    granted = _bonuses_granted_since(now - YEAR, accounts=[accounts[row.user_id] for row, _ in upgrades])
    ledger = _Ledger(now=now)
    changes = []
    for row, reached in upgrades:
        account = accounts[row.user_id]
        for tier in _tiers_passed(tiers, above=row.tier, up_to=reached):
            if tier.upgrade_bonus_points and (account.id, tier.id) not in granted:
                ledger.credit(
                    account, points=tier.upgrade_bonus_points, entry_type=PointsEntryType.UPGRADE_BONUS, bonus_tier=tier
                )
        changes.append(_move(row, to_tier=reached, reason=TierChangeReason.SPEND, actor_label=actor_label, now=now))
        row.updated_at = now
    ledger.save()
    UserLoyalty.objects.bulk_update([row for row, _ in upgrades], _LOYALTY_FIELDS)
    TierChange.objects.bulk_create(changes)
    outbox.record_many([*ledger.events(), *_tier_events(changes, tiers)])


@dataclass(frozen=True)
class Reversal:
    """A confirmed purchase being reversed: the spend it leaves and the points it gives back."""

    user_id: uuid.UUID
    purchase_id: uuid.UUID
    amount: Decimal
    purchased_at: datetime


def loyalty_on_reversed(*, reversals: Sequence[Reversal], locked: bool = False) -> None:
    """Confirmed purchases reversed in the caller's transaction: their amounts leave qualifying
    spend (the tier waits for `recompute_tiers`) and their points are clawed back, each from its
    own lot first; what the lot no longer holds becomes a debt. Upgrade bonuses are never clawed back.

    A constant number of statements whatever the number of reversals: the loyalty rows and points
    accounts (locked in `user_id` order, or only read when the caller holds their locks: `locked`,
    as `loyalty_batch_lock` leaves them), the earned entries, the lots, then one write per table.
    A user's reversals apply in the given order, as one call each would (`balance_after`)."""
    _require_transaction()
    if not reversals:
        return
    now = timezone.now()
    user_ids = sorted({r.user_id for r in reversals})
    rows = _reversal_rows(UserLoyalty, user_ids, _new_loyalty(), locked=locked)
    accounts = _reversal_rows(PointsAccount, user_ids, lambda uid: PointsAccount(user_id=uid), locked=locked)
    spend: dict[uuid.UUID, Decimal] = {}
    for r in reversals:
        if r.purchased_at >= now - YEAR:
            spend[r.user_id] = spend.get(r.user_id, ZERO) + r.amount
    for user_id, amount in spend.items():  # floored once at 0.00: the same as at each reversal
        rows[user_id].qualifying_spend = max(rows[user_id].qualifying_spend - amount, ZERO)
        rows[user_id].updated_at = now
    account_ids = [account.id for account in accounts.values()]
    purchase_ids = [r.purchase_id for r in reversals]
    earned = {
        (account_id, purchase_id): points
        for account_id, purchase_id, points in PointsEntry.objects.filter(
            account_id__in=account_ids, purchase_id__in=purchase_ids, type=PointsEntryType.EARNED
        ).values_list("account_id", "purchase_id", "points_delta")
    }
    lots = {
        (lot.account_id, lot.purchase_id): lot
        for lot in PointsLot.objects.filter(account_id__in=account_ids, purchase_id__in=purchase_ids)
    }
    entries, events, changed_lots, changed_accounts = [], [], [], {}
    for r in reversals:
        account = accounts[r.user_id]
        points = earned.get((account.id, r.purchase_id))
        if points is None:
            continue
        lot = lots.get((account.id, r.purchase_id))
        taken = min(lot.points_left, points) if lot is not None else 0
        if taken:
            lot.points_left -= taken
            changed_lots.append(lot)
        account.balance -= points
        account.debt += points - taken
        account.updated_at = now
        changed_accounts[account.id] = account
        entries.append(
            PointsEntry(
                account=account,
                type=PointsEntryType.CLAWED_BACK,
                points_delta=-points,
                balance_after=account.balance,
                purchase_id=r.purchase_id,
                lot=lot,
                created_at=now,
            )
        )
        clawed_back = {
            "user_id": r.user_id,
            "purchase_id": r.purchase_id,
            "points": points,
            "lot_id": lot.id if lot is not None else None,
            "from_lot": taken,
            "debt_added": points - taken,
            "balance_after": account.balance,
        }
        events.append(("points.clawed_back", r.user_id, clawed_back))
    UserLoyalty.objects.bulk_update([rows[user_id] for user_id in spend], ["qualifying_spend", "updated_at"])
    PointsLot.objects.bulk_update(changed_lots, ["points_left"])
    PointsAccount.objects.bulk_update(list(changed_accounts.values()), _ACCOUNT_FIGURES)
    for entry in PointsEntry.objects.bulk_create(entries):
        rollup_points(entry)
    outbox.record_many(events)


def _reversal_rows(
    model: type[Row], user_ids: list[uuid.UUID], make: Callable[[uuid.UUID], Row], *, locked: bool
) -> dict[uuid.UUID, Row]:
    """The users' rows, locked here unless the caller holds their locks; missing ones are created."""
    if not locked:
        return _lock_rows(model, user_ids, make)
    manager: models.Manager = model.objects
    rows = {row.user_id: row for row in manager.filter(user_id__in=user_ids)}
    if missing := [user_id for user_id in user_ids if user_id not in rows]:
        rows |= _lock_rows(model, missing, make)
    return rows


def _new_loyalty() -> Callable[[uuid.UUID], UserLoyalty]:
    """Makes loyalty rows at the entry tier, read once, and only if a row is missing."""
    tier = cache(_entry_tier)
    return lambda user_id: UserLoyalty(user_id=user_id, tier=tier())


@dataclass
class TierTrack:
    """A user's tier and qualifying spend as a batch's confirmations and reversals will move them
    (`loyalty_on_confirmed`, `loyalty_on_reversed`), followed in memory: an ingestion later in the
    batch sees the tier an earlier confirmation reached, as it would one request later."""

    tier: Tier
    spend: Decimal
    tiers: Sequence[Tier]
    now: datetime

    def confirmed(self, *, amount: Decimal, purchased_at: datetime) -> None:
        if purchased_at >= self.now - YEAR:
            self.spend += amount
        reached = _tier_for(self.spend, self.tiers)
        if reached.min_spend > self.tier.min_spend:
            self.tier = reached

    def reversed(self, *, amount: Decimal, purchased_at: datetime) -> None:
        if purchased_at >= self.now - YEAR:
            self.spend = max(self.spend - amount, Decimal("0.00"))


def loyalty_batch_lock(*, user_ids: Iterable[uuid.UUID], confirming: Iterable[uuid.UUID]) -> dict[uuid.UUID, TierTrack]:
    """Lock the users' loyalty rows and points accounts in `user_id` order before a batch locks
    their wallets (the lock order of confirmations), creating those of the users it may confirm
    purchases of (`confirming`), as `loyalty_on_confirmed` would later under the wallets' locks.
    Return each user's tier and spend to follow (the entry tier and 0.00 without a row). Three
    queries, three more for each table with rows to create."""
    _require_transaction()
    ids = sorted(set(user_ids) | set(confirming))
    tiers = list(Tier.objects.order_by("min_spend"))
    by_id = {tier.id: tier for tier in tiers}
    rows = {
        row.user_id: row for row in UserLoyalty.objects.select_for_update().filter(user_id__in=ids).order_by("user_id")
    }
    accounts = set(
        PointsAccount.objects.select_for_update()
        .filter(user_id__in=ids)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    if missing := sorted(set(confirming) - set(rows)):
        rows |= _lock_rows(UserLoyalty, missing, lambda uid: UserLoyalty(user_id=uid, tier=tiers[0]))
    if missing := sorted(set(confirming) - accounts):
        _lock_rows(PointsAccount, missing, lambda uid: PointsAccount(user_id=uid))
    now = timezone.now()
    return {
        user_id: TierTrack(by_id[rows[user_id].tier_id], rows[user_id].qualifying_spend, tiers, now)
        if user_id in rows
        else TierTrack(tiers[0], ZERO, tiers, now)
        for user_id in ids
    }


def points_redeem(*, user: User, points: int) -> Redemption:
    """Turn points into available cashback, in a transaction of its own (`POST /rewards/redeem`
    runs `redemption_create` inside the transaction that stores its Idempotency-Key)."""
    with transaction.atomic(durable=True):
        return redemption_create(user=user, points=points)


def redemption_create(*, user: User, points: int) -> Redemption:
    """The redemption as a step of the caller's transaction: the points account is locked, then the
    wallet; lots are spent soonest expiry first (oldest first on equal dates)."""
    _require_transaction()
    minimum = settings.MIN_REDEMPTION_POINTS
    amount = (Decimal(points) / Decimal(settings.POINTS_PER_CURRENCY_UNIT)).quantize(CENT, rounding=ROUND_DOWN)
    if points < minimum or amount <= 0:
        raise BelowMinimumRedemption(f"The minimum redemption is {minimum} points.", min_points=minimum)
    account = PointsAccount.objects.select_for_update().filter(user_id=user.id).first()
    balance = account.balance if account is not None else 0
    # Checked only now, under the lock. A negative balance (a debt) covers nothing.
    if points > balance:
        raise InsufficientPoints(points_balance=balance)
    now = timezone.now()
    redemption = Redemption.objects.create(
        account=account, points=points, amount=amount, currency=settings.PLATFORM_CURRENCY, created_at=now
    )
    allocations = []
    to_take = points
    lots = PointsLot.objects.filter(account=account, points_left__gt=0).order_by("expires_on", "id")
    for lot in lots.only("id", "points_left"):
        taken = min(lot.points_left, to_take)
        lot.points_left -= taken
        allocations.append(RedemptionAllocation(redemption=redemption, lot=lot, points=taken))
        to_take -= taken
        if not to_take:
            break
    if to_take:  # the balance said yes, the lots say no: the ledger is broken, refuse loudly
        raise IntegrityError(f"Points account {account.id}: lots do not cover its balance.")
    PointsLot.objects.bulk_update([a.lot for a in allocations], ["points_left"])
    RedemptionAllocation.objects.bulk_create(allocations)
    account.balance -= points
    account.lifetime_redeemed += points
    account.updated_at = now
    account.save(update_fields=_ACCOUNT_FIGURES)
    rollup_points(
        PointsEntry.objects.create(
            account=account,
            type=PointsEntryType.REDEEMED,
            points_delta=-points,
            balance_after=account.balance,
            redemption=redemption,
            created_at=now,
        )
    )
    wallet_post(wallet=wallet_lock(user_id=user.id), entry_type=EntryType.POINTS_REDEEMED, available=amount)
    outbox.record(
        "points.redeemed",
        user.id,
        {
            "user_id": user.id,
            "redemption_id": redemption.id,
            "points": points,
            "amount": amount,
            "currency": redemption.currency,
            "lots": {str(a.lot.id): a.points for a in allocations},  # lot id -> points taken
            "balance_after": account.balance,
        },
    )
    rollups_flush()  # last: the day rows are held only until the commit
    return redemption


def points_expire(*, batch_size: int = 500, today: date | None = None) -> int:
    """Expire what is left of the lots past their date, for one batch of accounts; returns how many
    lots. Several copies run at once: each skips the accounts another (or a redemption) has locked."""
    today = today or timezone.now().date()
    now = timezone.now()
    with transaction.atomic(durable=True):
        due = PointsLot.objects.filter(points_left__gt=0, expires_on__lt=today)
        accounts = {
            account.id: account
            for account in PointsAccount.objects.select_for_update(skip_locked=True)
            .filter(id__in=due.values("account_id"))
            .order_by("id")[:batch_size]
        }
        if not accounts:
            return 0
        # Read after the lock: a redemption that committed meanwhile is seen, its points are gone.
        lots = list(due.filter(account_id__in=accounts).order_by("account_id", "expires_on", "id"))
        entries = []
        for lot in lots:
            account = accounts[lot.account_id]
            account.balance -= lot.points_left
            account.lifetime_expired += lot.points_left
            account.updated_at = now
            entries.append(
                PointsEntry(
                    account=account,
                    type=PointsEntryType.EXPIRED,
                    points_delta=-lot.points_left,
                    balance_after=account.balance,
                    lot=lot,
                    expires_on=lot.expires_on,
                    created_at=now,
                )
            )
            lot.points_left = 0
        PointsLot.objects.bulk_update(lots, ["points_left"])
        PointsEntry.objects.bulk_create(entries)
        PointsAccount.objects.bulk_update(list(accounts.values()), _ACCOUNT_FIGURES)
        outbox.record_many(
            (
                "points.expired",
                entry.account.user_id,
                {
                    "user_id": entry.account.user_id,
                    "lot_id": entry.lot_id,
                    "points": -entry.points_delta,
                    "expires_on": entry.expires_on,
                    "balance_after": entry.balance_after,
                },
            )
            for entry in entries
        )
        for entry in entries:
            rollup_points(entry)
        rollups_flush()  # last: the day rows are held only until the commit
    return len(lots)


SpendByUser = Callable[..., dict[uuid.UUID, Decimal]]


def tiers_recompute(
    *, spend_by_user: SpendByUser, after: uuid.UUID | None = None, batch_size: int = 500, actor_label: str = ""
) -> tuple[int, uuid.UUID | None]:
    """Set one batch of users (by user id, after `after`) to the tier their qualifying spend earns,
    recomputed from purchases by `spend_by_user(user_ids=..., since=...)`. Returns how many changed
    tier and the last user id of the batch (None when there are no more). Rows locked by another
    copy or a confirmation are skipped: that one is already doing the work."""
    now = timezone.now()
    with transaction.atomic(durable=True):
        rows = UserLoyalty.objects.select_for_update(skip_locked=True).order_by("user_id")
        if after is not None:
            rows = rows.filter(user_id__gt=after)
        batch = list(rows[:batch_size])
        if not batch:
            return 0, None
        tiers = list(Tier.objects.order_by("min_spend"))
        spends = spend_by_user(user_ids=[row.user_id for row in batch], since=now - YEAR)
        changes = []
        for row in batch:
            row.qualifying_spend = spends.get(row.user_id, Decimal("0.00"))
            row.updated_at = now
            earned = _tier_for(row.qualifying_spend, tiers)
            if earned.id != row.tier_id:
                changes.append(
                    _move(row, to_tier=earned, reason=TierChangeReason.RECALCULATION, actor_label=actor_label, now=now)
                )
        UserLoyalty.objects.bulk_update(batch, _LOYALTY_FIELDS)
        TierChange.objects.bulk_create(changes)
        outbox.record_many(_tier_events(changes, tiers))
    return len(changes), batch[-1].user_id


def tier_create(*, data: dict[str, Any]) -> Tier:
    """A new tier. `min_spend` is unique and only the entry tier has 0.00. Not durable: the admin's
    change form calls it inside its own transaction (tiers move no money)."""
    with transaction.atomic():
        tier_min_spend_check(data.get("min_spend"), tier=None)
        read_cache_invalidate(TIERS)
        return Tier.objects.create(**data)


def tier_update(*, tier_id: uuid.UUID, data: dict[str, Any]) -> Tier:
    """Change a tier; the entry tier keeps min_spend 0.00. Booked purchases keep their multiplier.
    Not durable, as `tier_create`."""
    with transaction.atomic():
        tier = Tier.objects.select_for_update().filter(pk=tier_id).first()
        if tier is None:
            raise NotFound("No such tier.")
        if "min_spend" in data:
            tier_min_spend_check(data["min_spend"], tier=tier)
        for field, value in data.items():
            setattr(tier, field, value)
        tier.save(update_fields=list(data))
        read_cache_invalidate(TIERS)
        return tier


def tier_min_spend_check(min_spend: Decimal | None, *, tier: Tier | None) -> None:
    """The min_spend rules (unique; the entry tier keeps 0.00), for the services and the admin's form."""
    if min_spend is None:
        return
    if tier is not None and tier.min_spend == 0 and min_spend != 0:
        raise ValidationError({"min_spend": ["The entry tier's min_spend stays 0.00."]})
    if Tier.objects.filter(min_spend=min_spend).exclude(pk=getattr(tier, "pk", None)).exists():
        raise ValidationError({"min_spend": ["Another tier has this min_spend."]})


@cache
def _earn_sql() -> str:
    """The earnings of a batch as one statement, its order being the lock order: every loyalty row
    first (an upsert, in user order), then the points accounts (`old`: locked and read only once the
    loyalty CTE has run, through its count; `account`: an upsert), then the lots, entries and
    outbox rows. A user's purchases pay the account's debt first, in the given order; what is left
    of each becomes its lot. The account's upsert changes only a row whose debt is the one `old`
    read (0 for a row `old` did not see): see `_earn`."""
    L, A, LOT, E, T, EV = UserLoyalty, PointsAccount, PointsLot, PointsEntry, Tier, OutboxEvent
    t, c = rawsql.table, rawsql.col
    loyalty_t, account_t = t(L), t(A)
    return f"""
WITH "input" AS (
    SELECT * FROM unnest(
        %(user_ids)s::uuid[], %(purchase_ids)s::uuid[], %(points)s::bigint[], %(spend)s::numeric[],
        %(event_ids)s::uuid[], %(event_data)s::jsonb[], %(occurred_at)s::timestamptz[]
    ) WITH ORDINALITY AS "i"("user_id", "purchase_id", "points", "spend", "event_id", "event_data", "occurred_at", "n")
), "per_user" AS (
    SELECT "user_id", SUM("points")::bigint AS "points", SUM("spend") AS "spend" FROM "input" GROUP BY "user_id"
), "loyalty" AS (
    INSERT INTO {loyalty_t} ({c(L, "user")}, {c(L, "tier")}, {c(L, "qualifying_spend")}, {c(L, "tier_since")},
        {c(L, "updated_at")})
    SELECT "user_id", (SELECT {c(T, "id")} FROM {t(T)} WHERE {c(T, "min_spend")} = 0), "spend", %(now)s, %(now)s
    FROM "per_user" ORDER BY "user_id"
    ON CONFLICT ({c(L, "user")}) DO UPDATE SET
        {c(L, "qualifying_spend")} = {loyalty_t}.{c(L, "qualifying_spend")} + EXCLUDED.{c(L, "qualifying_spend")},
        {c(L, "updated_at")} = EXCLUDED.{c(L, "updated_at")}
    RETURNING {rawsql.columns(L)}
), "old" AS (
    SELECT {c(A, "user")} AS "user_id", {c(A, "debt")} AS "debt" FROM {account_t}
    WHERE {c(A, "user")} IN (SELECT "user_id" FROM "per_user") AND (SELECT COUNT(*) FROM "loyalty") > 0
    ORDER BY {c(A, "user")} FOR UPDATE
), "account" AS (
    INSERT INTO {account_t} ({c(A, "user")}, {c(A, "balance")}, {c(A, "debt")}, {c(A, "lifetime_earned")},
        {c(A, "lifetime_redeemed")}, {c(A, "lifetime_expired")}, {c(A, "updated_at")})
    SELECT p."user_id", p."points", COALESCE(o."debt", 0), p."points", 0, 0, %(now)s
    FROM "per_user" AS p LEFT JOIN "old" AS o ON o."user_id" = p."user_id" ORDER BY p."user_id"
    ON CONFLICT ({c(A, "user")}) DO UPDATE SET
        {c(A, "balance")} = {account_t}.{c(A, "balance")} + EXCLUDED.{c(A, "balance")},
        {c(A, "debt")} = GREATEST({account_t}.{c(A, "debt")} - EXCLUDED.{c(A, "balance")}, 0),
        {c(A, "lifetime_earned")} = {account_t}.{c(A, "lifetime_earned")} + EXCLUDED.{c(A, "lifetime_earned")},
        {c(A, "updated_at")} = EXCLUDED.{c(A, "updated_at")}
    WHERE {account_t}.{c(A, "debt")} = EXCLUDED.{c(A, "debt")}
    RETURNING {rawsql.columns(A)}
), "calc" AS (
    SELECT i.*, a.{c(A, "id")} AS "account_id",
        LEAST(GREATEST(COALESCE(o."debt", 0) - (SUM(i."points") OVER "w" - i."points"), 0), i."points") AS "paid",
        a.{c(A, "balance")} - p."points" + SUM(i."points") OVER "w" AS "balance_after"
    FROM "input" AS i
    JOIN "account" AS a ON a.{c(A, "user")} = i."user_id"
    JOIN "per_user" AS p ON p."user_id" = i."user_id"
    LEFT JOIN "old" AS o ON o."user_id" = i."user_id"
    WHERE i."points" > 0
    WINDOW "w" AS (PARTITION BY i."user_id" ORDER BY i."n")
), "lot" AS (
    INSERT INTO {t(LOT)} ({c(LOT, "account")}, {c(LOT, "points")}, {c(LOT, "points_left")}, {c(LOT, "expires_on")},
        {c(LOT, "purchase_id")}, {c(LOT, "created_at")})
    SELECT "account_id", "points" - "paid", "points" - "paid", %(expires_on)s, "purchase_id", %(now)s
    FROM "calc" WHERE "points" > "paid"
    RETURNING {c(LOT, "id")} AS "id", {c(LOT, "purchase_id")} AS "purchase_id"
), "entry" AS (
    INSERT INTO {t(E)} ({c(E, "account")}, {c(E, "type")}, {c(E, "points_delta")}, {c(E, "balance_after")},
        {c(E, "purchase_id")}, {c(E, "lot")}, {c(E, "expires_on")}, {c(E, "created_at")})
    SELECT k."account_id", %(earned)s, k."points", k."balance_after", k."purchase_id", l."id",
        CASE WHEN l."id" IS NULL THEN NULL ELSE %(expires_on)s::date END, %(now)s
    FROM "calc" AS k LEFT JOIN "lot" AS l ON l."purchase_id" = k."purchase_id"
    RETURNING {c(E, "id")}
), "event" AS (
    INSERT INTO {t(EV)} ({c(EV, "id")}, {c(EV, "type")}, {c(EV, "version")}, {c(EV, "occurred_at")}, {c(EV, "subject")},
        {c(EV, "data")}, {c(EV, "attempts")})
    SELECT k."event_id", %(event_type)s, %(version)s, k."occurred_at", k."user_id"::text,
        k."event_data" || jsonb_build_object(
            'lot_id', l."id", 'lot_points', k."points" - k."paid", 'debt_paid', k."paid",
            'balance_after', k."balance_after",
            'expires_on', CASE WHEN l."id" IS NULL THEN NULL ELSE %(expires_on)s::date END
        ),
        0
    FROM "calc" AS k LEFT JOIN "lot" AS l ON l."purchase_id" = k."purchase_id"
    RETURNING {c(EV, "id")} AS "id", {c(EV, "subject")} AS "subject", {c(EV, "data")} AS "data"
), "events" AS (
    SELECT "subject", jsonb_agg(jsonb_build_array("id", "data")) AS "list" FROM "event" GROUP BY "subject"
)
SELECT {rawsql.columns(L, "loyalty")},
    (SELECT MAX({c(T, "min_spend")}) FROM {t(T)} WHERE {c(T, "min_spend")} <= "loyalty".{c(L, "qualifying_spend")})
        > (SELECT {c(T, "min_spend")} FROM {t(T)} WHERE {c(T, "id")} = "loyalty".{c(L, "tier")}),
    {rawsql.columns(A, "account")}, "events"."list"
FROM "loyalty"
LEFT JOIN "account" ON "account".{c(A, "user")} = "loyalty".{c(L, "user")}
LEFT JOIN "events" ON "events"."subject" = "loyalty".{c(L, "user")}::text
"""  # noqa: S608 - identifiers from rawsql, values as parameters


class _Ledger:
    """Points credits collected in memory, then written in three queries (lots, entries, accounts)."""

    def __init__(self, *, now: datetime) -> None:
        self.now = now
        self.expires_on = now.date() + timedelta(days=settings.POINTS_TTL_DAYS)
        self.lots: list[PointsLot] = []
        self.entries: list[PointsEntry] = []
        self.accounts: dict[int, PointsAccount] = {}

    def credit(self, account: PointsAccount, *, points: int, entry_type: str, **document: Any) -> None:
        """Earned points pay the account's debt first; what is left becomes a lot."""
        paid_debt = min(points, account.debt)
        account.debt -= paid_debt
        account.balance += points
        account.lifetime_earned += points
        account.updated_at = self.now
        self.accounts[account.id] = account
        lot = None
        if points > paid_debt:
            lot = PointsLot(
                account=account,
                points=points - paid_debt,
                points_left=points - paid_debt,
                expires_on=self.expires_on,
                purchase_id=document.get("purchase_id"),
                created_at=self.now,
            )
            self.lots.append(lot)
        self.entries.append(
            PointsEntry(
                account=account,
                type=entry_type,
                points_delta=points,
                balance_after=account.balance,
                lot=lot,
                expires_on=lot.expires_on if lot else None,
                created_at=self.now,
                **document,
            )
        )

    def save(self) -> None:
        PointsLot.objects.bulk_create(self.lots)
        PointsEntry.objects.bulk_create(self.entries)
        PointsAccount.objects.bulk_update(list(self.accounts.values()), _ACCOUNT_FIGURES)
        for entry in self.entries:
            rollup_points(entry)

    def events(self) -> list[EventSpec]:
        """`points.earned` of each saved credit, the same data as `_earn_sql` writes."""
        specs = []
        for entry in self.entries:
            lot_points = entry.lot.points if entry.lot else 0
            data = _earned_data(
                entry.account.user_id,
                entry.points_delta,
                entry.type,
                purchase_id=entry.purchase_id,
                bonus_tier_id=entry.bonus_tier_id,
            )
            paid = entry.points_delta - lot_points
            lot_data = (entry.lot_id, lot_points, paid, entry.balance_after, entry.expires_on)
            specs.append(("points.earned", entry.account.user_id, data | dict(zip(_LOT_DATA, lot_data, strict=True))))
        return specs


def _lock_rows(
    model: type[Row], user_ids: Iterable[uuid.UUID], make: Callable[[uuid.UUID], Row]
) -> dict[uuid.UUID, Row]:
    """Lock the users' rows in `user_id` order, creating missing ones without races (as wallets)."""
    ids = sorted(set(user_ids))
    manager: models.Manager = model.objects
    locked = {row.user_id: row for row in manager.select_for_update().filter(user_id__in=ids).order_by("user_id")}
    missing = [user_id for user_id in ids if user_id not in locked]
    if missing:
        manager.bulk_create([make(user_id) for user_id in missing], ignore_conflicts=True)
        for row in manager.select_for_update().filter(user_id__in=missing).order_by("user_id"):
            locked[row.user_id] = row
    return locked


def _entry_tier() -> Tier:
    return Tier.objects.get(min_spend=0)


def _tier_for(spend: Decimal, tiers: Sequence[Tier]) -> Tier:
    """The highest tier `spend` reaches (`tiers` by min_spend; the first is the entry tier)."""
    return [tier for tier in tiers if tier.min_spend <= spend][-1]


def _upgrades(rows: Iterable[UserLoyalty], *, tiers: Sequence[Tier]) -> list[tuple[UserLoyalty, Tier]]:
    by_id = {tier.id: tier for tier in tiers}
    upgrades = []
    for row in rows:
        reached = _tier_for(row.qualifying_spend, tiers)
        current = by_id[row.tier_id]
        if reached.min_spend > current.min_spend:
            row.tier = current  # the tier object, for `_tiers_passed`
            upgrades.append((row, reached))
    return upgrades


def _tiers_passed(tiers: Sequence[Tier], *, above: Tier, up_to: Tier) -> list[Tier]:
    return [tier for tier in tiers if above.min_spend < tier.min_spend <= up_to.min_spend]


def _bonuses_granted_since(since: datetime, *, accounts: Sequence[PointsAccount]) -> set[tuple[int, uuid.UUID]]:
    """(account id, tier id) of the upgrade bonuses these accounts received since `since`."""
    if not accounts:
        return set()
    return set(
        PointsEntry.objects.filter(
            account__in=[a.id for a in accounts if a.id], type=PointsEntryType.UPGRADE_BONUS, created_at__gte=since
        ).values_list("account_id", "bonus_tier_id")
    )


def _move(row: UserLoyalty, *, to_tier: Tier, reason: str, actor_label: str, now: datetime) -> TierChange:
    change = TierChange(
        user_id=row.user_id,
        from_tier_id=row.tier_id,
        to_tier=to_tier,
        reason=reason,
        actor_label=actor_label[:254],
        created_at=now,
    )
    row.tier = to_tier
    row.tier_since = now
    return change


def _tier_events(changes: Sequence[TierChange], tiers: Sequence[Tier]) -> list[EventSpec]:
    names = {tier.id: tier.name for tier in tiers}
    return [
        (
            "tier.changed",
            change.user_id,
            {
                "user_id": change.user_id,
                "from": names[change.from_tier_id],
                "to": names[change.to_tier_id],
                "from_tier_id": change.from_tier_id,
                "to_tier_id": change.to_tier_id,
                "reason": change.reason,
            },
        )
        for change in changes
    ]


def _earned_data(
    user_id: uuid.UUID,
    points: int,
    entry_type: str,
    *,
    purchase_id: uuid.UUID | None = None,
    bonus_tier_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """`points.earned` as known before the entry is written; the lot's part (`_LOT_DATA`) follows."""
    return {
        "user_id": user_id,
        "points": points,
        "entry_type": entry_type,
        "purchase_id": purchase_id,
        "bonus_tier_id": bonus_tier_id,
    }


# What `points.earned` adds once the entry is written (by `_earn_sql` in SQL, by `_Ledger.events`).
_LOT_DATA = ("lot_id", "lot_points", "debt_paid", "balance_after", "expires_on")


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data)


def _loaded(value: Any) -> Any:
    """A jsonb value as read through Django's connection (text) or as psycopg decodes it."""
    return json.loads(value) if isinstance(value, str) else value


ROLLUP_FIGURE_FOR = {
    PointsEntryType.EARNED: "points_earned",
    PointsEntryType.UPGRADE_BONUS: "points_bonus",
    PointsEntryType.REDEEMED: "points_redeemed",
    PointsEntryType.EXPIRED: "points_expired",
    PointsEntryType.CLAWED_BACK: "points_clawed_back",
}


def rollup_points(entry: PointsEntry) -> None:
    """The day's points figures (each type as a positive number), written by the caller's flush."""
    rollup_add(
        day=entry.created_at.astimezone(UTC).date(),
        user_id=entry.account.user_id,
        **{ROLLUP_FIGURE_FOR[entry.type]: abs(entry.points_delta)},
    )


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Loyalty changes run inside the caller's transaction.")
