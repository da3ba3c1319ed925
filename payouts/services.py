"""Every write to payouts. Money entry points are `transaction.atomic(durable=True)`; the one
step that joins its caller's transaction (`payout_create`) says so and checks it.

Lock order: the payout row first (complete/fail), the wallet row last. The balance is checked
only after the wallet row is locked, so concurrent requests can never overdraw it.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import transaction

from accounts.models import User
from clicknback.actors import Actor
from clicknback.errors import BelowMinimumPayout, InsufficientBalance, NotFound
from clicknback.money import decimal_setting, format_money
from clicknback.rollups import rollups_flush
from events import outbox
from payouts.destinations import token_destination
from payouts.models import Payout, PayoutMethod, PayoutStatus
from payouts.state_machine import audit_event, payout_transition, rollup_payout
from wallets.models import EntryType
from wallets.services import wallet_lock, wallet_post


def payout_request(*, user: User, amount: Decimal, method: str, destination: str = "") -> Payout:
    """Move `amount` from available to paid and record the payout, in a transaction of its own.

    `POST /payouts` runs `payout_create` instead, inside the transaction that also stores its
    Idempotency-Key (`clicknback.idempotency`).
    """
    with transaction.atomic(durable=True):
        return payout_create(user=user, amount=amount, method=method, destination=destination)


def payout_complete(*, payout_id: uuid.UUID, actor: Actor) -> tuple[Payout, bool]:
    """`requested` -> `completed`: the money stays paid. Repeating it changes nothing."""
    with transaction.atomic(durable=True):
        return _payout_process(payout_id=payout_id, target=PayoutStatus.COMPLETED, actor=actor)


def payout_fail(*, payout_id: uuid.UUID, reason: str, actor: Actor) -> tuple[Payout, bool]:
    """`requested` -> `failed`: the amount goes back to available, exactly once."""
    with transaction.atomic(durable=True):
        return _payout_process(payout_id=payout_id, target=PayoutStatus.FAILED, actor=actor, reason=reason)


def payout_create(
    *, user: User, amount: Decimal, method: str, destination: str = "", actor: Actor | None = None
) -> Payout:
    """The payout request as a step of the caller's transaction (an idempotent request's, or a
    confirmation's for an automatic token payout, whose `actor` made the confirmation).

    A token payout mints to the address linked now (422 CHAIN_ADDRESS_REQUIRED without one) and
    writes `token.mint.requested` for the mint consumer (chain/tokens.py).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("payout_create runs inside the caller's transaction.")
    actor = actor or Actor.for_user(user)
    if method == PayoutMethod.TOKEN:
        destination = token_destination(user.id)
    minimum = decimal_setting("MIN_PAYOUT_AMOUNT")
    if amount < minimum:
        raise BelowMinimumPayout(
            f"The minimum payout is {format_money(minimum)}.", min_payout_amount=format_money(minimum)
        )
    wallet = wallet_lock(user_id=user.id)
    # Checked only now, under the lock. A negative balance (a debt) covers no amount at all.
    if amount > wallet.available:
        raise InsufficientBalance(available_balance=format_money(wallet.available))
    payout = Payout.objects.create(
        user=user, amount=amount, currency=settings.PLATFORM_CURRENCY, method=method, destination=destination
    )
    wallet_post(
        wallet=wallet, entry_type=EntryType.PAYOUT_REQUESTED, available=-amount, paid=amount, payout_id=payout.id
    )
    audit_event(payout, from_status="", actor=actor, now=payout.created_at).save()
    outbox.record(
        "payout.requested",
        payout.id,
        {
            "payout_id": payout.id,
            "user_id": user.id,
            "amount": format_money(amount),
            "currency": payout.currency,
            "method": method,
            "destination": payout.masked_destination,
            "actor": actor,
        },
    )
    if method == PayoutMethod.TOKEN:
        outbox.record(
            "token.mint.requested",
            payout.id,
            {"payout_id": payout.id, "user_id": user.id, "address": destination, "amount": token_units(amount)},
        )
    rollup_payout(payout, status=PayoutStatus.REQUESTED, when=payout.created_at)
    rollups_flush()  # last: the day rows are held only until the commit (or the caller's, rollups_held)
    return payout


def token_units(amount: Decimal) -> int:
    """Token units of a money amount: the token has 2 decimals, one unit is one cent."""
    return int(amount.scaleb(2).to_integral_exact())


def _payout_process(*, payout_id: uuid.UUID, target: str, actor: Actor, reason: str = "") -> tuple[Payout, bool]:
    payout = Payout.objects.select_for_update().filter(pk=payout_id).first()
    if payout is None:
        raise NotFound("Payout not found.")
    return payout, payout_transition(payout=payout, to_status=target, actor=actor, reason=reason)
