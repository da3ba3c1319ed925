"""The payout state machine: which transitions exist and what each one does to the wallet.

    requested ──complete──> completed   (the money stays paid)
        └───────fail──────> failed      (the amount goes back to available)

One table says which moves are allowed; `payout_transition` is the one function that applies a
move to a locked payout, with its ledger entry and its audit row, in the caller's transaction.

A token payout moves only with its mint (`ChainOutcome`): completed when the mint is final on
chain, failed when it reverted or its wait expired with no mint. Nobody completes or fails one by
hand: a hand-made failure could refund a mint that still lands, a completion would have none.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction
from django.utils import timezone

from clicknback.actors import Actor, ActorKind
from clicknback.errors import InvalidStateTransition
from clicknback.money import format_money
from clicknback.rollups import rollup_add, rollups_flush
from events import outbox
from payouts.models import Payout, PayoutEvent, PayoutMethod, PayoutStatus
from wallets.models import EntryType
from wallets.services import wallet_lock, wallet_post

R, C, F = PayoutStatus.REQUESTED, PayoutStatus.COMPLETED, PayoutStatus.FAILED

ALLOWED_TRANSITIONS: dict[str, frozenset[str]] = {
    R: frozenset({C, F}),
    C: frozenset(),
    F: frozenset(),
}


@dataclass(frozen=True)
class ChainOutcome:
    """What the chain said about a token payout's mint: its transaction, and its block once final."""

    tx_hash: str = ""
    block_number: int | None = None


def check_transition(payout: Payout, to_status: str, *, chain: ChainOutcome | None = None) -> bool:
    """Whether moving `payout` to `to_status` changes anything (False: it is already there).

    Raises `InvalidStateTransition` (409, details.current_status) for a move the table forbids,
    and for a token payout moved without its mint's outcome (by hand).
    """
    current = payout.status
    if current == to_status:
        return False
    if to_status not in ALLOWED_TRANSITIONS[current]:
        raise InvalidStateTransition(f"A {current} payout cannot become {to_status}.", current_status=current)
    if (payout.method == PayoutMethod.TOKEN) != (chain is not None):
        if chain is None:
            raise InvalidStateTransition(
                "A token payout is completed or failed by its mint on chain, not by hand.", current_status=current
            )
        raise ValueError("Only a token payout has a chain outcome.")
    if to_status == C and chain is not None and not (chain.tx_hash and chain.block_number):
        raise ValueError("A token payout is completed only with its mint's transaction and block.")
    return True


def audit_event(
    payout: Payout, *, from_status: str, actor: Actor, reason: str = "", now: datetime | None = None
) -> PayoutEvent:
    """An unsaved audit row for the change of `payout` into its current status."""
    return PayoutEvent(
        payout=payout,
        from_status=from_status,
        to_status=payout.status,
        **actor.audit_fields(),
        reason=reason[:500],
        created_at=now or timezone.now(),
    )


def payout_transition(
    *, payout: Payout, to_status: str, actor: Actor, reason: str = "", chain: ChainOutcome | None = None
) -> bool:
    """Move a payout locked by the caller (select_for_update) to `to_status`; False if it was there.

    Runs inside the caller's transaction: saves the payout, locks the wallet (after the payout)
    and gives a failed payout's amount back to available, and writes the audit row. A token
    payout's `chain` outcome is stored with it.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payout_transition runs inside the caller's transaction.")
    if not check_transition(payout, to_status, chain=chain):
        return False
    previous = payout.status
    payout.status = to_status
    payout.processed_at = timezone.now()
    payout.processed_by_id = uuid.UUID(actor.id) if actor.kind in (ActorKind.ADMIN, ActorKind.USER) else None
    fields = ["status", "processed_at", "processed_by"]
    if to_status == F:
        payout.failure_reason = reason.strip()
        fields.append("failure_reason")
    if chain is not None:
        payout.tx_hash, payout.block_number = chain.tx_hash, chain.block_number
        fields += ["tx_hash", "block_number"]
    payout.save(update_fields=fields)
    if to_status == F:
        wallet_post(
            wallet=wallet_lock(user_id=payout.user_id),
            entry_type=EntryType.PAYOUT_FAILED,
            available=payout.amount,
            paid=-payout.amount,
            payout_id=payout.id,
        )
    audit_event(payout, from_status=previous, actor=actor, reason=payout.failure_reason, now=payout.processed_at).save()
    outbox.record(
        f"payout.{to_status}",
        payout.id,
        {
            "payout_id": payout.id,
            "user_id": payout.user_id,
            "amount": format_money(payout.amount),
            "currency": payout.currency,
            "method": payout.method,
            "destination": payout.masked_destination,
            "previous_status": previous,
            "reason": payout.failure_reason or None,
            "actor": actor,
        },
    )
    rollup_payout(payout, status=to_status, when=payout.processed_at)
    rollups_flush()  # last: the day rows are held only until the commit
    return True


def rollup_payout(payout: Payout, *, status: str, when: datetime) -> None:
    """The day's payout figures: a count and an amount per status, on the day of the move."""
    rollup_add(
        day=when.astimezone(UTC).date(),
        user_id=payout.user_id,
        **{f"payouts_{status}": 1, f"payouts_{status}_amount": payout.amount},
    )
