"""Demo payouts for user@example.com: one requested, one completed, one failed (refunded)."""

from __future__ import annotations

from decimal import Decimal
from typing import TextIO

from django.db import transaction

from accounts.demo import DEMO_ADMIN, DEMO_USER
from accounts.models import User
from clicknback.actors import Actor
from payouts.models import Payout, PayoutMethod, PayoutStatus
from payouts.services import payout_complete, payout_fail, payout_request
from wallets.models import EntryType
from wallets.services import wallet_lock, wallet_post

DEMO_PAYOUTS = [
    # (final status, amount, method, destination)
    (PayoutStatus.COMPLETED, Decimal("40.00"), PayoutMethod.BANK_TRANSFER, "DE89370400440532013000"),
    (PayoutStatus.FAILED, Decimal("15.00"), PayoutMethod.PAYPAL, "user@example.com"),
    (PayoutStatus.REQUESTED, Decimal("25.00"), PayoutMethod.BANK_TRANSFER, "GB82WEST12345698765432"),
]


def seed(out: TextIO) -> None:
    """Idempotent: a state the demo user already has a payout in is skipped."""
    user = User.objects.get(email__iexact=DEMO_USER[0])
    admin = User.objects.get(email__iexact=DEMO_ADMIN[0])
    missing = [p for p in DEMO_PAYOUTS if not Payout.objects.filter(user=user, status=p[0]).exists()]
    if not missing:
        return
    ensure_available(user, sum((amount for _, amount, _, _ in missing), Decimal("0.00")))
    actor = Actor.for_user(admin)
    for status, amount, method, destination in missing:
        payout_id = payout_request(user=user, amount=amount, method=method, destination=destination).id
        if status == PayoutStatus.FAILED:
            payout_fail(payout_id=payout_id, reason="The PayPal account is closed.", actor=actor)
        elif status == PayoutStatus.COMPLETED:
            payout_complete(payout_id=payout_id, actor=actor)
    out.write(f"Payouts: {len(missing)} demo payout(s) for {user.email}\n")


@transaction.atomic(durable=True)
def ensure_available(user: User, needed: Decimal) -> None:
    """Credit the shortfall as an adjustment: there is no purchase behind it, so it is no cashback."""
    wallet = wallet_lock(user_id=user.id)
    shortfall = needed - wallet.available
    if shortfall > 0:
        wallet_post(wallet=wallet, entry_type=EntryType.ADJUSTMENT, available=shortfall)
