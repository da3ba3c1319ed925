"""A random mix of everything the daily figures count, spread over days (time-machine)."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
import time_machine

from accounts.tests.factories import UserFactory
from clicknback.actors import Actor
from clicknback.errors import DomainError
from loyalty.services import points_expire, points_redeem
from offers.tests.factories import OfferFactory
from payouts.models import Payout, PayoutMethod, PayoutStatus
from payouts.services import payout_complete, payout_fail, payout_request
from payouts.tests.conftest import IBAN
from purchases.models import Purchase, PurchaseStatus
from purchases.services import purchase_confirm, purchase_reverse, purchases_confirm_due


def day_at(days_ago: int, hour: int = 12) -> datetime:
    today = datetime.now(UTC).date()
    return datetime.combine(today - timedelta(days=days_ago), datetime.min.time(), tzinfo=UTC).replace(hour=hour)


@pytest.fixture
def activity(ingest, merchant, admin_user) -> Callable[..., dict[str, Any]]:
    """`activity(seed)`: users buy at two merchants over six days; purchases are confirmed (one
    by one and by the job), reversed (pending and confirmed), paid out (completed and failed),
    points redeemed and expired. Returns what it made."""

    def run(seed: int = 0, days: int = 6) -> dict[str, Any]:
        rng = random.Random(seed)
        admin = Actor.for_user(admin_user)
        other = OfferFactory().merchant
        users = [UserFactory() for _ in range(3)]
        for days_ago in range(days, 0, -1):
            with time_machine.travel(day_at(days_ago, rng.randrange(0, 23)), tick=True):
                for _ in range(rng.randrange(2, 5)):
                    ingest(
                        f"{rng.randrange(50, 900)}.{rng.randrange(100):02d}",
                        user_id=rng.choice(users).id,
                        merchant_id=rng.choice([merchant.id, other.id]),
                    )
                for purchase in Purchase.objects.filter(status=PurchaseStatus.PENDING).order_by("created_at"):
                    choice = rng.random()
                    if choice < 0.4:
                        purchase_confirm(purchase_id=purchase.id, actor=admin)
                    elif choice < 0.5:
                        purchase_reverse(purchase_id=purchase.id, actor=admin, reason="chargeback")
                confirmed = list(Purchase.objects.filter(status=PurchaseStatus.CONFIRMED))
                if confirmed and rng.random() < 0.4:
                    purchase_reverse(purchase_id=rng.choice(confirmed).id, actor=admin, reason="returned")
                for user in users:
                    with contextlib.suppress(DomainError):  # not enough available yet
                        payout_request(
                            user=user, amount=Decimal("10.00"), method=PayoutMethod.BANK_TRANSFER, destination=IBAN
                        )
                    with contextlib.suppress(DomainError):
                        points_redeem(user=user, points=500)
                for payout in Payout.objects.filter(status=PayoutStatus.REQUESTED).order_by("created_at"):
                    choice = rng.random()
                    if choice < 0.4:
                        payout_complete(payout_id=payout.id, actor=admin)
                    elif choice < 0.7:
                        payout_fail(payout_id=payout.id, reason="bank said no", actor=admin)
                if days_ago == 2:
                    purchases_confirm_due(actor=Actor.job("test"), now=datetime.now(UTC) + timedelta(days=400))
                if days_ago == 1:
                    points_expire(today=date.today() + timedelta(days=400))
        return {"users": users, "merchants": [merchant, other]}

    return run
