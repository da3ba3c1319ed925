"""The purchase state machine: which transitions exist and what each one does to the wallet.

    pending ──confirm──> confirmed ──reverse──> reversed
       └──────────────reverse──────────────────────┘

One table says which moves are allowed; a second says which wallet bucket each move touches, so a
reversal can never take money from the wrong bucket. `plan_transition` is the one decision
function; `purchase_transition` applies it to one locked purchase, and the confirmation job
applies the same plans to a batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from campaigns.services import campaign_budget_give_back
from chain.tokens import token_payouts_on_confirmation
from clicknback.actors import Actor
from clicknback.errors import InvalidStateTransition
from clicknback.rollups import rollup_add, rollups_flush
from events import outbox
from events.outbox import EventSpec
from loyalty.services import Confirmation, Reversal, loyalty_on_confirmed, loyalty_on_reversed, points_for
from purchases.models import CashbackStatus, Purchase, PurchaseAction, PurchaseEvent, PurchaseStatus
from wallets.models import EntryType, Wallet
from wallets.services import Posting, wallet_lock, wallet_post

P, C, R = PurchaseStatus.PENDING, PurchaseStatus.CONFIRMED, PurchaseStatus.REVERSED

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    P: frozenset({C, R}),
    C: frozenset({R}),
    R: frozenset(),
}

# (from, to) -> (ledger entry type, pending sign, available sign), applied to the cashback amount.
WALLET_MOVES: dict[tuple[str, str], tuple[EntryType, int, int]] = {
    (P, C): (EntryType.CASHBACK_CONFIRMED, -1, +1),
    (P, R): (EntryType.CASHBACK_REVERSED, -1, 0),
    # Confirmed cashback is taken back from `available`, which may go below zero (a debt).
    (C, R): (EntryType.CASHBACK_REVERSED, 0, -1),
}

CASHBACK_STATUS_FOR = {P: CashbackStatus.PENDING, C: CashbackStatus.AVAILABLE, R: CashbackStatus.REVERSED}
ACTION_FOR = {C: PurchaseAction.CONFIRMED, R: PurchaseAction.REVERSED}


@dataclass(frozen=True)
class TransitionPlan:
    from_status: str
    to_status: str
    entry_type: EntryType
    pending_delta: Decimal
    available_delta: Decimal

    @property
    def moves_money(self) -> bool:
        return bool(self.pending_delta or self.available_delta)


def plan_transition(purchase: Purchase, to_status: str) -> TransitionPlan | None:
    """What moving `purchase` to `to_status` means; None if it is already there (a no-op).

    Raises `InvalidStateTransition` (409, details.current_status) for a move the table forbids.
    """
    current = purchase.status
    if current == to_status:
        return None
    if to_status not in ALLOWED_TRANSITIONS[current]:
        raise InvalidStateTransition(f"A {current} purchase cannot become {to_status}.", current_status=current)
    entry_type, pending_sign, available_sign = WALLET_MOVES[(current, to_status)]
    cashback = purchase.cashback_amount
    return TransitionPlan(current, to_status, entry_type, pending_sign * cashback, available_sign * cashback)


def apply_plan_fields(purchase: Purchase, plan: TransitionPlan, *, now: datetime, reason: str = "") -> list[str]:
    """Set the purchase's fields for the plan in memory; return the names of the changed fields."""
    purchase.status = plan.to_status
    purchase.cashback_status = CASHBACK_STATUS_FOR[plan.to_status]
    fields = ["status", "cashback_status"]
    if plan.to_status == C:
        purchase.confirmed_at = now
        purchase.flagged = False  # only staff confirm a flagged purchase, and that clears the flag
        fields += ["confirmed_at", "flagged"]
    else:
        purchase.reversed_at = now
        purchase.reversal_reason = reason
        fields += ["reversed_at", "reversal_reason"]
    return fields


def audit_event(
    purchase: Purchase, *, action: str, from_status: str, actor: Actor, reason: str = "", now: datetime | None = None
) -> PurchaseEvent:
    """An unsaved audit row for a change of `purchase` (saved by the caller, alone or in bulk)."""
    return PurchaseEvent(
        purchase=purchase,
        action=action,
        from_status=from_status,
        to_status=purchase.status,
        **actor.audit_fields(),
        reason=reason[:500],
        created_at=now or timezone.now(),
    )


def posting_for(plan: TransitionPlan, *, purchase: Purchase, wallet: Wallet) -> Posting:
    return Posting(
        wallet=wallet,
        entry_type=plan.entry_type,
        pending=plan.pending_delta,
        available=plan.available_delta,
        purchase_id=purchase.id,
    )


EVENT_FOR = {C: "cashback.approved", R: "purchase.reversed"}


def transition_event(purchase: Purchase, plan: TransitionPlan, *, actor: Actor) -> EventSpec:
    """The domain event of a transition (`events.outbox`): confirming approves the cashback and
    earns the purchase's points (`points_earned`, as `loyalty.services.loyalty_on_confirmed` books them)."""
    data = {
        "purchase_id": purchase.id,
        "external_id": purchase.external_id,
        "user_id": purchase.user_id,
        "amount": purchase.amount,
        "cashback_amount": purchase.cashback_amount,
        "from_status": plan.from_status,
        "actor": actor,
    }
    if plan.to_status == C:
        data["points_earned"] = points_for(amount=purchase.amount, points_multiplier=purchase.points_multiplier)
    return EVENT_FOR[plan.to_status], purchase.id, data


def loyalty_follow_confirmations(purchases: list[Purchase], *, actor: Actor) -> None:
    """Points and qualifying spend for purchases being confirmed (loyalty's rows are locked before
    the wallets: the lock order of `loyalty.services`)."""
    loyalty_on_confirmed(
        confirmations=[Confirmation(p.user_id, p.id, p.amount, p.purchased_at, p.points_multiplier) for p in purchases],
        actor_label=str(actor),
    )


def loyalty_follow_reversals(purchases: list[Purchase], *, locked: bool = False) -> None:
    """Claw-backs and qualifying spend for confirmed purchases being reversed (`locked`: the caller
    already holds the users' loyalty rows and points accounts, `loyalty_batch_lock`)."""
    loyalty_on_reversed(
        reversals=[Reversal(p.user_id, p.id, p.amount, p.purchased_at) for p in purchases],
        locked=locked,
    )


def loyalty_follow(purchase: Purchase, plan: TransitionPlan, *, actor: Actor) -> None:
    """Loyalty follows one transition: a confirmation earns; reversing a confirmed purchase claws
    back. A reversal before confirmation touches no points."""
    if plan.to_status == C:
        loyalty_follow_confirmations([purchase], actor=actor)
    elif plan.from_status == C:
        loyalty_follow_reversals([purchase])


def purchase_transition(*, purchase: Purchase, to_status: str, actor: Actor, reason: str = "") -> bool:
    """Move a purchase locked by the caller (select_for_update) to `to_status`; False if it was there.

    Runs inside the caller's transaction: locks the wallet (after the purchase), moves the money
    the table says, saves the purchase and its audit row. Zero cashback moves no money and so
    writes no ledger entry (the ledger only records movements).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("purchase_transition runs inside the caller's transaction.")
    plan = plan_transition(purchase, to_status)
    if plan is None:
        return False
    now = timezone.now()
    loyalty_follow(purchase, plan, actor=actor)
    if plan.moves_money:
        wallet_post(
            wallet=wallet_lock(user_id=purchase.user_id),
            entry_type=plan.entry_type,
            pending=plan.pending_delta,
            available=plan.available_delta,
            purchase_id=purchase.id,
        )
    if plan.to_status == R and purchase.campaign_bonus:  # the bonus and the use go back (stripes after the wallet)
        campaign_budget_give_back(purchase_id=purchase.id)
    purchase.save(update_fields=apply_plan_fields(purchase, plan, now=now, reason=reason))
    audit_event(purchase, action=ACTION_FOR[to_status], from_status=plan.from_status, actor=actor, reason=reason).save()
    outbox.record(*transition_event(purchase, plan, actor=actor))
    if to_status == C and plan.moves_money:
        token_payouts_on_confirmation(cashbacks=[(purchase.user_id, plan.available_delta)], actor=actor)
    rollup_transition(purchase, plan, now=now)
    rollups_flush()  # last: the day rows are held only until the commit
    return True


ROLLUP_FIGURE_FOR = {C: "cashback_confirmed", R: "cashback_reversed"}


def rollup_transition(purchase: Purchase, plan: TransitionPlan, *, now: datetime) -> None:
    """The day's figures: the cashback confirmed or reversed, counted on the day it happened."""
    rollup_add(
        day=now.astimezone(UTC).date(),
        user_id=purchase.user_id,
        merchant_id=purchase.merchant_id,
        **{ROLLUP_FIGURE_FOR[plan.to_status]: purchase.cashback_amount},
    )
