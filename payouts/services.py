"""Every write to payouts. Money entry points are `transaction.atomic(durable=True)`.

Lock order: the payout row first (complete/fail), the wallet row last. The balance is checked
only after the wallet row is locked, so concurrent requests can never overdraw it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from clicknback.actors import Actor
from clicknback.errors import (
    BelowMinimumPayout,
    IdempotencyKeyReused,
    InsufficientBalance,
    NotFound,
)
from clicknback.events import record_event
from clicknback.integrity import violated_constraint
from clicknback.money import decimal_setting, format_money
from payouts.models import IdempotencyKey, Payout, PayoutStatus
from payouts.serializers import payout_json
from payouts.state_machine import audit_event, payout_transition
from wallets.models import EntryType
from wallets.services import wallet_lock, wallet_post

IDEMPOTENCY_KEY_CONSTRAINT = "payout_idempotency_key_unique"


@dataclass(frozen=True)
class PayoutRequestResult:
    """The response to give: the first one, replayed byte for byte when `replayed`."""

    payout_id: uuid.UUID
    status_code: int
    body: str
    replayed: bool


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    """sha256 of method, path (trailing slash ignored) and the body as canonical JSON."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method.upper()}\n{path.rstrip('/')}\n{canonical}".encode()).hexdigest()


def payout_request(
    *,
    user: User,
    amount: Decimal,
    method: str,
    destination: str,
    idempotency_key: str | None = None,
    fingerprint: str | None = None,
) -> PayoutRequestResult:
    """Move `amount` from available to paid and record the payout, at most once per idempotency key.

    With a key, the key row is inserted first in the same transaction: a concurrent request with
    the same key waits on the unique index, fails once this commits, and replays the stored
    response. A refused request (below minimum, insufficient balance) rolls back with its key row,
    so the key stays free for a corrected retry; only success is remembered.
    """
    if idempotency_key is None:
        with transaction.atomic(durable=True):
            payout = _payout_create(user=user, amount=amount, method=method, destination=destination)
            return PayoutRequestResult(payout.id, 201, payout_json(payout), replayed=False)

    if fingerprint is None:
        body = {"amount": format_money(amount), "method": method, "destination": destination}
        fingerprint = request_fingerprint(method="POST", path="/payouts", body=body)
    # Two rounds at most: if our insert loses the race, the winner has committed and is replayed.
    for _ in range(2):
        stored = _live_key(user=user, key=idempotency_key)
        if stored is not None:
            return _replay(stored, fingerprint=fingerprint)
        try:
            with transaction.atomic(durable=True):
                IdempotencyKey.objects.filter(user=user, key=idempotency_key, created_at__lt=_key_cutoff()).delete()
                record = IdempotencyKey.objects.create(user=user, key=idempotency_key, fingerprint=fingerprint)
                payout = _payout_create(user=user, amount=amount, method=method, destination=destination)
                record.payout = payout
                record.response_status = 201
                record.response_body = payout_json(payout)
                record.save(update_fields=["payout", "response_status", "response_body"])
                return PayoutRequestResult(payout.id, record.response_status, record.response_body, replayed=False)
        except IntegrityError as exc:
            if violated_constraint(exc) != IDEMPOTENCY_KEY_CONSTRAINT:
                raise
    raise RuntimeError("The idempotency key row vanished between conflict and replay.")


def payout_complete(*, payout_id: uuid.UUID, actor: Actor) -> tuple[Payout, bool]:
    """`requested` -> `completed`: the money stays paid. Repeating it changes nothing."""
    with transaction.atomic(durable=True):
        return _payout_process(payout_id=payout_id, target=PayoutStatus.COMPLETED, actor=actor)


def payout_fail(*, payout_id: uuid.UUID, reason: str, actor: Actor) -> tuple[Payout, bool]:
    """`requested` -> `failed`: the amount goes back to available, exactly once."""
    with transaction.atomic(durable=True):
        return _payout_process(payout_id=payout_id, target=PayoutStatus.FAILED, actor=actor, reason=reason)


def idempotency_keys_purge(*, now: datetime | None = None) -> int:
    """Delete keys older than IDEMPOTENCY_KEY_TTL (they are already ignored); returns how many."""
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=_key_cutoff(now)).delete()
    return deleted


# --- steps that join the caller's transaction (the demo seed runs them inside its own) ---------


def _payout_create(*, user: User, amount: Decimal, method: str, destination: str) -> Payout:
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
    audit_event(payout, from_status="", actor=Actor.for_user(user), now=payout.created_at).save()
    record_event(
        "payout.requested",
        payout_id=payout.id,
        user_id=user.id,
        amount=format_money(amount),
        currency=payout.currency,
        method=method,
        destination=payout.masked_destination,
        actor=Actor.for_user(user),
    )
    return payout


def _payout_process(*, payout_id: uuid.UUID, target: str, actor: Actor, reason: str = "") -> tuple[Payout, bool]:
    payout = Payout.objects.select_for_update().filter(pk=payout_id).first()
    if payout is None:
        raise NotFound("Payout not found.")
    return payout, payout_transition(payout=payout, to_status=target, actor=actor, reason=reason)


def _live_key(*, user: User, key: str) -> IdempotencyKey | None:
    return IdempotencyKey.objects.filter(user=user, key=key, created_at__gte=_key_cutoff()).first()


def _replay(stored: IdempotencyKey, *, fingerprint: str) -> PayoutRequestResult:
    if stored.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return PayoutRequestResult(stored.payout_id, stored.response_status, stored.response_body, replayed=True)


def _key_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - settings.IDEMPOTENCY_KEY_TTL
