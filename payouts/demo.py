"""Demo payouts for user@example.com: one requested, one completed, one failed (refunded), drawn on the
cashback of the demo purchases (purchases/demo.py runs first and confirms enough of it)."""

from __future__ import annotations

from decimal import Decimal
from typing import TextIO

from accounts.demo import DEMO_ADMIN, DEMO_USER
from accounts.models import User
from clicknback.actors import Actor
from payouts.models import Payout, PayoutMethod, PayoutStatus
from payouts.services import payout_complete, payout_fail, payout_request

DEMO_PAYOUTS = [
    # (final status, amount, method, destination)
    (PayoutStatus.COMPLETED, Decimal("40.00"), PayoutMethod.BANK_TRANSFER, "DE89370400440532013000"),
    (PayoutStatus.FAILED, Decimal("15.00"), PayoutMethod.PAYPAL, "user@example.com"),
    (PayoutStatus.REQUESTED, Decimal("25.00"), PayoutMethod.BANK_TRANSFER, "GB82WEST12345698765432"),
]


def seed(out: TextIO) -> None:
    """Idempotent: each demo payout is known by its destination, whatever staff did with it since."""
    user = User.objects.get(email__iexact=DEMO_USER[0])
    admin = User.objects.get(email__iexact=DEMO_ADMIN[0])
    made = set(Payout.objects.filter(user=user).values_list("destination", flat=True))
    missing = [p for p in DEMO_PAYOUTS if p[3] not in made]
    if not missing:
        return
    actor = Actor.for_user(admin)
    for status, amount, method, destination in missing:
        payout_id = payout_request(user=user, amount=amount, method=method, destination=destination).id
        if status == PayoutStatus.FAILED:
            payout_fail(payout_id=payout_id, reason="The PayPal account is closed.", actor=actor)
        elif status == PayoutStatus.COMPLETED:
            payout_complete(payout_id=payout_id, actor=actor)
    out.write(f"Payouts: {len(missing)} demo payout(s) for {user.email}\n")
