"""Every write to campaigns: creating and editing them, enrollment, and their budgets.

The budget is taken and given back here, inside the caller's transaction (ingestion, reversal).
Deadlock-free by construction: stripes are locked after the wallet and never before it; a
transaction waits for stripe rows only when it holds none (the fast path's possible locks are
released by rolling back to its savepoint first), and then in slot order.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from accounts.models import User
from campaigns.models import (
    BUDGET_STRIPES,
    Campaign,
    CampaignBonus,
    CampaignBudgetStripe,
    CampaignEnrollment,
    CampaignStatus,
)
from clicknback import rawsql
from clicknback.actors import Actor
from clicknback.audit import apply_changes, audit_record, initial_values
from clicknback.errors import BudgetBelowSpent, CampaignNotAvailable, InvalidStateTransition, NotFound
from clicknback.models import AuditAction
from clicknback.money import CENT, ZERO, format_money

# The least a stripe is given of a budget: a small budget sits in fewer stripes, whole bonuses each.
STRIPE_MIN_SHARE = Decimal("100.00")
UPDATABLE_FIELDS = frozenset(
    {"name", "description", "status", "ends_at", "budget", "max_bonus_per_purchase", "max_uses_per_user"}
)
# Where each status may go; `ended` is final.
ALLOWED_STATUS = {
    CampaignStatus.ACTIVE: frozenset({CampaignStatus.PAUSED, CampaignStatus.ENDED}),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.ACTIVE, CampaignStatus.ENDED}),
    CampaignStatus.ENDED: frozenset(),
}
STATUS_ACTIONS = {
    CampaignStatus.ACTIVE: AuditAction.CAMPAIGN_RESUMED,
    CampaignStatus.PAUSED: AuditAction.CAMPAIGN_PAUSED,
    CampaignStatus.ENDED: AuditAction.CAMPAIGN_ENDED,
}


def campaign_create(*, data: dict[str, Any], actor: Actor) -> Campaign:
    """A new campaign, `active`, with its budget spread over its stripes."""
    with transaction.atomic():
        campaign = Campaign.objects.create(**data, status=CampaignStatus.ACTIVE)
        CampaignBudgetStripe.objects.bulk_create(
            CampaignBudgetStripe(campaign=campaign, slot=slot, limit=limit)
            for slot, limit in enumerate(_split(campaign.budget, [ZERO] * BUDGET_STRIPES))
        )
        audit_record(
            actor=actor, action=AuditAction.CAMPAIGN_CREATED, obj=campaign, changes=initial_values(campaign, data)
        )
    return campaign


def campaign_update(*, campaign_id: uuid.UUID, actor: Actor, **changes: Any) -> Campaign:
    """Apply `changes` to the locked campaign. A budget below what is spent is BUDGET_BELOW_SPENT;
    `ended` is final (INVALID_STATE_TRANSITION)."""
    with transaction.atomic():
        locked = Campaign.objects.select_for_update().filter(pk=campaign_id).first()
        if locked is None:
            raise NotFound("No such campaign.")
        before_status = locked.status
        changed = apply_changes(locked, changes, updatable=UPDATABLE_FIELDS)
        if not changed:
            return locked
        if "status" in changed and locked.status not in ALLOWED_STATUS[before_status]:
            raise InvalidStateTransition(
                f"An {before_status} campaign cannot become {locked.status}.", current_status=before_status
            )
        if "budget" in changed:
            _budget_set(locked)
        locked.save(update_fields=list(changed))
        action = STATUS_ACTIONS[locked.status] if "status" in changed else AuditAction.CAMPAIGN_UPDATED
        audit_record(actor=actor, action=action, obj=locked, changes=changed)
    return locked


def _split(budget: Decimal | None, spent: list[Decimal]) -> list[Decimal | None]:
    """Each stripe's limit: what it spent plus a share (in cents) of what is left of `budget`,
    spread over as many stripes as hold at least STRIPE_MIN_SHARE each (one at the least), so a
    stripe holds whole bonuses and the fast path finds room in one."""
    if budget is None:
        return [None] * len(spent)
    free_cents = int((budget - sum(spent, ZERO)) / CENT)
    active = max(1, min(len(spent), free_cents // int(STRIPE_MIN_SHARE / CENT)))
    share, extra = divmod(free_cents, active)
    return [s + ((share + (1 if i < extra else 0)) * CENT if i < active else ZERO) for i, s in enumerate(spent)]


def _budget_set(campaign: Campaign) -> None:
    """Spread the campaign's new budget over its stripes, locked in slot order."""
    stripes = list(CampaignBudgetStripe.objects.select_for_update().filter(campaign=campaign).order_by("slot"))
    spent = sum((s.spent for s in stripes), ZERO)
    if campaign.budget is not None and campaign.budget < spent:
        raise BudgetBelowSpent(budget_spent=format_money(spent))
    for stripe, limit in zip(stripes, _split(campaign.budget, [s.spent for s in stripes]), strict=True):
        stripe.limit = limit
    CampaignBudgetStripe.objects.bulk_update(stripes, ["limit"])


def campaign_enroll(*, campaign_id: uuid.UUID, user: User) -> tuple[CampaignEnrollment, bool]:
    """Enroll the user in a running campaign; again is a no-op returning the first enrollment.
    Unknown: NOT_FOUND; not running: CAMPAIGN_NOT_AVAILABLE."""
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound("No such campaign.")
    if not campaign.is_running():
        raise CampaignNotAvailable(campaign_id=str(campaign_id))
    try:
        with transaction.atomic():
            return CampaignEnrollment.objects.get_or_create(campaign=campaign, user=user)
    except IntegrityError:  # a concurrent first enrollment won
        return CampaignEnrollment.objects.get(campaign=campaign, user=user), False


# --- the budget, inside the caller's transaction -------------------------------------------------


def _stripe(field: str) -> str:
    return rawsql.col(CampaignBudgetStripe, field)


def _bonus(field: str) -> str:
    return rawsql.col(CampaignBonus, field)


@cache
def _fast_take_sql() -> str:
    """One stripe with room for the whole bonus (any unlocked one, from a random slot), its
    `spent` raised and the bonus recorded: one statement."""
    stripes = rawsql.table(CampaignBudgetStripe)
    amounts_type = CampaignBonus._meta.get_field("amounts").db_type(connection)
    bonus_columns = ", ".join(
        _bonus(f) for f in ("campaign", "user", "purchase_id", "amount", "slots", "amounts", "created_at")
    )
    return (
        f'WITH "pick" AS (SELECT {_stripe("id")} FROM {stripes} WHERE {_stripe("campaign")} = %(campaign)s '  # noqa: S608
        f"AND ({_stripe('limit')} IS NULL OR {_stripe('limit')} - {_stripe('spent')} >= %(amount)s) "
        f"ORDER BY ({_stripe('slot')} + %(shift)s) %% {BUDGET_STRIPES} LIMIT 1 FOR UPDATE SKIP LOCKED), "
        f'"taken" AS (UPDATE {stripes} SET {_stripe("spent")} = {stripes}.{_stripe("spent")} + %(amount)s '
        f'FROM "pick" WHERE {stripes}.{_stripe("id")} = "pick".{_stripe("id")} RETURNING {stripes}.{_stripe("slot")}), '
        f'"bonus" AS (INSERT INTO {rawsql.table(CampaignBonus)} ({bonus_columns}) '
        f'SELECT %(campaign)s, %(user)s, %(purchase)s, %(amount)s, ARRAY["taken".{_stripe("slot")}], '
        f'ARRAY[%(amount)s]::{amounts_type}, %(now)s FROM "taken" RETURNING 1) '
        f'SELECT "taken".{_stripe("slot")} FROM "taken"'
    )


def campaign_budget_take(
    *,
    campaign_id: uuid.UUID,
    user_id: uuid.UUID,
    purchase_id: uuid.UUID,
    amount: Decimal,
    limited: bool,
    wait: bool = True,
) -> Decimal:
    """Take up to `amount` of the campaign's budget for a purchase and record the bonus; return
    what was taken (less than `amount` only when the budget has less left; 0.00 records nothing).

    First one statement on one stripe that holds the whole amount, any unlocked one (`SKIP
    LOCKED`): concurrent purchases spread over the stripes. Short of that, the fast path's locks
    are released (savepoint) and the stripes with money left are locked in slot order — waiting for
    the purchases holding them, so what is left is read exactly — and paid from in that order.
    `wait=False` (a second campaign tried in the same transaction) skips locked stripes instead."""
    if not connection.in_atomic_block:
        raise RuntimeError("campaign_budget_take runs inside the caller's transaction.")
    savepoint = transaction.savepoint() if limited else None
    with connection.cursor() as cursor:
        cursor.execute(
            _fast_take_sql(),
            {
                "campaign": campaign_id,
                "user": user_id,
                "purchase": purchase_id,
                "amount": amount,
                "shift": random.randrange(BUDGET_STRIPES),
                "now": timezone.now(),
            },
        )
        if cursor.fetchone() is not None:
            return amount
    if savepoint is not None:
        transaction.savepoint_rollback(savepoint)
    return _slow_take(
        campaign_id=campaign_id, user_id=user_id, purchase_id=purchase_id, amount=amount, limited=limited, wait=wait
    )


def _slow_take(
    *, campaign_id: uuid.UUID, user_id: uuid.UUID, purchase_id: uuid.UUID, amount: Decimal, limited: bool, wait: bool
) -> Decimal:
    stripes = (
        CampaignBudgetStripe.objects.select_for_update(skip_locked=not wait)
        .filter(Q(limit__isnull=True) | Q(spent__lt=F("limit")), campaign_id=campaign_id)
        .order_by("slot")
    )
    takes = _stripe_takes(stripes if limited else stripes[:1], amount)
    taken = sum((take for _, take in takes), ZERO)
    if not taken:
        return ZERO
    for stripe, take in takes:
        CampaignBudgetStripe.objects.filter(pk=stripe.pk).update(spent=F("spent") + take)
    CampaignBonus.objects.create(
        campaign_id=campaign_id,
        user_id=user_id,
        purchase_id=purchase_id,
        amount=taken,
        slots=[stripe.slot for stripe, _ in takes],
        amounts=[take for _, take in takes],
    )
    return taken


def _stripe_takes(
    stripes: Iterable[CampaignBudgetStripe], amount: Decimal
) -> list[tuple[CampaignBudgetStripe, Decimal]]:
    """Up to `amount` from the stripes in their order, each paying what it has left."""
    takes: list[tuple[CampaignBudgetStripe, Decimal]] = []
    wanted = amount
    for stripe in stripes:
        take = wanted if stripe.limit is None else min(wanted, stripe.limit - stripe.spent)
        if take > ZERO:
            takes.append((stripe, take))
            wanted -= take
        if not wanted:
            break
    return takes


def campaign_budget_give_back(*, purchase_id: uuid.UUID, forget: bool = False) -> Decimal:
    """A purchase was reversed: its bonus goes back to the stripes that paid it and the use back to
    the user (the bonus is marked reversed). Inside the caller's transaction, after the wallet;
    returns what went back (0.00 without a bonus, or when already given back). `forget`: the
    purchase is not booked yet and takes another campaign's bonus instead (the record goes)."""
    if not connection.in_atomic_block:
        raise RuntimeError("campaign_budget_give_back runs inside the caller's transaction.")
    bonus = CampaignBonus.objects.select_for_update().filter(purchase_id=purchase_id, reversed_at__isnull=True).first()
    if bonus is None:
        return ZERO
    back = dict(zip(bonus.slots, bonus.amounts, strict=True))
    stripes = CampaignBudgetStripe.objects.select_for_update().filter(campaign_id=bonus.campaign_id, slot__in=back)
    for stripe in stripes.order_by("slot"):
        CampaignBudgetStripe.objects.filter(pk=stripe.pk).update(spent=F("spent") - back[stripe.slot])
    if forget:
        bonus.delete()
    else:
        bonus.reversed_at = timezone.now()
        bonus.save(update_fields=["reversed_at"])
    return bonus.amount


class CampaignBudgetBook:
    """The campaign budgets of a batch of purchases: the bonuses of the purchases it may reverse and
    the stripes of every campaign involved are locked at once (bonuses, then stripes in (campaign,
    slot) order, after the wallets: the lock order of ingestion and reversal), taken from and given
    back to in memory in the batch's order, and written by `save` in three statements.

    With the stripes locked, what a campaign has left is read exactly: a bonus is paid whole or
    with what is left, from the stripes in slot order, as `campaign_budget_take`'s slow path."""

    def __init__(
        self, *, campaigns: Sequence[Campaign], user_ids: Iterable[uuid.UUID], purchase_ids: Iterable[uuid.UUID]
    ):
        _require_transaction()
        self.now = timezone.now()
        self.bonuses = {
            b.purchase_id: b
            for b in CampaignBonus.objects.select_for_update()
            .filter(purchase_id__in=list(purchase_ids), reversed_at__isnull=True)
            .order_by("id")
        }
        self.budgets = {c.id: c.budget for c in campaigns}
        campaign_ids = sorted(set(self.budgets) | {b.campaign_id for b in self.bonuses.values()})
        self.stripes: dict[uuid.UUID, list[CampaignBudgetStripe]] = {cid: [] for cid in campaign_ids}
        for stripe in (
            CampaignBudgetStripe.objects.select_for_update()
            .filter(campaign_id__in=campaign_ids)
            .order_by("campaign_id", "slot")
        ):
            self.stripes[stripe.campaign_id].append(stripe)
        uses = (
            CampaignBonus.objects.filter(
                campaign_id__in=list(self.budgets), user_id__in=list(user_ids), reversed_at__isnull=True
            )
            .order_by()
            .values_list("campaign_id", "user_id")
            .annotate(n=Count("*"))
        )
        self.uses: dict[tuple[uuid.UUID, uuid.UUID], int] = {(c, u): n for c, u, n in uses}
        self.new: dict[uuid.UUID, CampaignBonus] = {}
        self.reversed: list[CampaignBonus] = []
        self.touched: set[int] = set()

    def budget_left(self, campaign_id: uuid.UUID) -> Decimal | None:
        budget = self.budgets[campaign_id]
        return None if budget is None else budget - sum((s.spent for s in self.stripes[campaign_id]), ZERO)

    def user_uses(self, campaign_id: uuid.UUID, user_id: uuid.UUID) -> int:
        return self.uses.get((campaign_id, user_id), 0)

    def take(self, *, campaign_id: uuid.UUID, user_id: uuid.UUID, purchase_id: uuid.UUID, amount: Decimal) -> Decimal:
        """Take up to `amount` for the purchase; return what was taken."""
        limited = self.budgets[campaign_id] is not None
        stripes = self.stripes[campaign_id]
        takes = _stripe_takes(stripes if limited else stripes[:1], amount)
        taken = sum((take for _, take in takes), ZERO)
        if not taken:
            return ZERO
        for stripe, take in takes:
            stripe.spent += take
            self.touched.add(stripe.pk)
        self.new[purchase_id] = CampaignBonus(
            campaign_id=campaign_id,
            user_id=user_id,
            purchase_id=purchase_id,
            amount=taken,
            slots=[stripe.slot for stripe, _ in takes],
            amounts=[take for _, take in takes],
            created_at=self.now,
        )
        self.uses[(campaign_id, user_id)] = self.user_uses(campaign_id, user_id) + 1
        return taken

    def give_back(self, *, purchase_id: uuid.UUID) -> Decimal:
        """The purchase was reversed: its bonus goes back to the stripes that paid it, its use to the user."""
        bonus = self.new.get(purchase_id) or self.bonuses.pop(purchase_id, None)
        if bonus is None or bonus.reversed_at is not None:
            return ZERO
        back = dict(zip(bonus.slots, bonus.amounts, strict=True))
        for stripe in self.stripes[bonus.campaign_id]:
            if stripe.slot in back:
                stripe.spent -= back[stripe.slot]
                self.touched.add(stripe.pk)
        bonus.reversed_at = self.now
        if bonus.pk is not None:
            self.reversed.append(bonus)
        key = (bonus.campaign_id, bonus.user_id)
        if key in self.uses:
            self.uses[key] -= 1
        return bonus.amount

    def save(self) -> None:
        touched = [s for stripes in self.stripes.values() for s in stripes if s.pk in self.touched]
        if touched:
            CampaignBudgetStripe.objects.bulk_update(touched, ["spent"])
        if self.new:
            CampaignBonus.objects.bulk_create(self.new.values())
        if self.reversed:
            CampaignBonus.objects.filter(pk__in=[b.pk for b in self.reversed]).update(reversed_at=self.now)


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("Campaign budgets change inside the caller's transaction.")
