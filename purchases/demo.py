"""Demo purchases for user@example.com, one in every state, made through the same steps as the
services so the ledger balances. Idempotent: purchases are keyed by their external ids.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TextIO

from django.conf import settings
from django.utils import timezone

from accounts.demo import DEMO_ADMIN, DEMO_PARTNER_NAME, DEMO_USER
from accounts.models import Partner, User
from clicknback.actors import Actor
from loyalty.models import PointsLot
from merchants.models import Merchant
from merchants.services import merchant_create
from offers.demo import STARTS_DAYS_AGO
from offers.selectors import offer_valid_on
from offers.services import offer_create
from purchases.models import Purchase
from purchases.services import purchase_confirm, purchase_ingest, purchase_reverse

DEMO_MERCHANT = "ClickNBack Demo Outdoor"
# (external id, amount, days ago, what happens after creation)
DEMO_PURCHASES = [
    ("demo-order-1001", Decimal("120.00"), 2, []),
    ("demo-order-1002", Decimal("80.00"), 25, ["confirm"]),
    ("demo-order-1003", Decimal("45.00"), 10, ["reverse"]),
    ("demo-order-1004", Decimal("60.00"), 40, ["confirm", "reverse"]),
    ("demo-order-1005", Decimal("1500.00"), 1, ["partner_confirm"]),  # flagged, awaiting staff review
    ("demo-order-1006", Decimal("30.00"), 20, []),  # due: confirmed MIN_PENDING_HOURS after seeding
    # With the confirmed ones above, 680.00 of qualifying spend: the demo user is Silver, with points
    # in several lots (tiers and points come the real way, from confirmations).
    ("demo-rewards-2001", Decimal("250.00"), 3, ["confirm"]),
    ("demo-rewards-2002", Decimal("200.00"), 8, ["confirm"]),
    ("demo-rewards-2003", Decimal("150.00"), 15, ["confirm"]),
    # Its cashback, confirmed, is what the demo payouts (payouts/demo.py, chain/demo.py's token
    # payout) draw on: real money earned, so the dashboard's totals agree with the purchase list.
    # Still Silver (1,680.00 of spend).
    ("demo-order-1007", Decimal("1000.00"), 50, ["confirm"]),
]
# Its lot of points expires within the week (set by hand: a lot otherwise lives POINTS_TTL_DAYS).
EXPIRING_SOON, EXPIRING_IN_DAYS = "demo-rewards-2003", 5


def seed(out: TextIO) -> None:
    user = User.objects.get(email__iexact=DEMO_USER[0])
    admin = User.objects.get(email__iexact=DEMO_ADMIN[0])
    partner = Partner.objects.get(name=DEMO_PARTNER_NAME)
    known = set(
        Purchase.objects.filter(partner=partner, external_id__in=[p[0] for p in DEMO_PURCHASES]).values_list(
            "external_id", flat=True
        )
    )
    missing = [p for p in DEMO_PURCHASES if p[0] not in known]
    if missing:
        _book(missing, user=user, admin=admin, partner=partner, out=out)
    _age_a_lot(partner, out=out)


def _book(missing: list, *, user: User, admin: User, partner: Partner, out: TextIO) -> None:
    merchant = _demo_merchant(admin)
    partner_actor, admin_actor = Actor.for_partner(partner), Actor.for_user(admin)
    for external_id, amount, days_ago, steps in missing:
        purchase = purchase_ingest(
            partner=partner,
            external_id=external_id,
            user_id=user.id,
            merchant_id=merchant.id,
            amount=amount,
            currency=settings.PLATFORM_CURRENCY,
            purchased_at=timezone.now() - timedelta(days=days_ago),
            actor=partner_actor,
        )
        for step in steps:
            if step == "partner_confirm":
                purchase_confirm(purchase_id=purchase.id, actor=partner_actor)
            elif step == "confirm":
                purchase_confirm(purchase_id=purchase.id, actor=admin_actor)
            else:
                purchase_reverse(purchase_id=purchase.id, reason="Goods returned.", actor=admin_actor)
    out.write(f"Purchases: {len(missing)} demo purchase(s) for {user.email} at {merchant.name}\n")


def _age_a_lot(partner: Partner, *, out: TextIO) -> None:
    """One lot of the demo user's points expires within a week (idempotent: left alone once it does)."""
    soon = timezone.now().date() + timedelta(days=EXPIRING_IN_DAYS)
    expiring = Purchase.objects.filter(partner=partner, external_id=EXPIRING_SOON).values("id")
    if PointsLot.objects.filter(purchase_id__in=expiring, expires_on__gt=soon).update(expires_on=soon):
        out.write(f"Rewards: a lot of points expiring on {soon}\n")


def _demo_merchant(admin: User) -> Merchant:
    """The demo merchant, with a 5 % offer covering the demo purchases' dates."""
    actor = Actor.for_user(admin)
    merchant = Merchant.objects.filter(name__iexact=DEMO_MERCHANT).first() or merchant_create(
        name=DEMO_MERCHANT, website="https://outdoor.example.com", confirmation_days=14, actor=actor
    )
    today = timezone.now().date()
    if offer_valid_on(merchant_id=merchant.id, on_date=today) is None:
        offer_create(
            merchant_id=merchant.id,
            cashback_type="percent",
            cashback_value=Decimal("5.00"),
            starts_on=today - timedelta(days=STARTS_DAYS_AGO),
            ends_on=today + timedelta(days=365),
            monthly_cap_per_user=Decimal("150.00"),
            actor=actor,
        )
    return merchant
