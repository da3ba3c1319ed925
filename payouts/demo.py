"""Demo payouts for user@example.com: one requested, one completed, one failed (refunded)."""

from __future__ import annotations

from decimal import Decimal
from typing import TextIO

from accounts.demo import DEMO_ADMIN, DEMO_USER
from accounts.models import User
from clicknback.actors import Actor
from payouts.models import Payout, PayoutMethod, PayoutStatus
from payouts.services import _payout_create, _payout_process
from wallets.models import EntryType
from wallets.services import wallet_lock, wallet_post

DEMO_PAYOUTS = [
    # (final status, amount, method, destination)
    (PayoutStatus.COMPLETED, Decimal("40.00"), PayoutMethod.BANK_TRANSFER, "DE89370400440532013000"),
    (PayoutStatus.FAILED, Decimal("15.00"), PayoutMethod.PAYPAL, "user@example.com"),
    (PayoutStatus.REQUESTED, Decimal("25.00"), PayoutMethod.BANK_TRANSFER, "GB82WEST12345698765432"),
]


def seed(out: TextIO) -> None:
    """Idempotent: a state the demo user already has a payout in is skipped.

    seed_demo runs each seed inside its own transaction, where the durable service entry points
    cannot be nested, so this runs the same steps they do within that transaction.
    """
    user = User.objects.get(email__iexact=DEMO_USER[0])
    admin = User.objects.get(email__iexact=DEMO_ADMIN[0])
    missing = [p for p in DEMO_PAYOUTS if not Payout.objects.filter(user=user, status=p[0]).exists()]
    if not missing:
        return
    _ensure_available(user, sum((amount for _, amount, _, _ in missing), Decimal("0.00")))
    actor = Actor.for_user(admin)
    for status, amount, method, destination in missing:
        payout = _payout_create(user=user, amount=amount, method=method, destination=destination)
        if status == PayoutStatus.FAILED:
            _payout_process(payout_id=payout.id, target=status, actor=actor, reason="The PayPal account is closed.")
        elif status == PayoutStatus.COMPLETED:
            _payout_process(payout_id=payout.id, target=status, actor=actor)
    out.write(f"Payouts: {len(missing)} demo payout(s) for {user.email}\n")


def _ensure_available(user: User, needed: Decimal) -> None:
    """Credit the shortfall as settled cashback (pending, then confirmed) through the ledger."""
    wallet = wallet_lock(user_id=user.id)
    shortfall = needed - wallet.available
    if shortfall > 0:
        wallet_post(wallet=wallet, entry_type=EntryType.CASHBACK_PENDING, pending=shortfall)
        wallet_post(wallet=wallet, entry_type=EntryType.CASHBACK_CONFIRMED, pending=-shortfall, available=shortfall)
