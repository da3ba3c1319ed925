"""Demo rewards for user@example.com: Silver, with points in several lots and one lot expiring
within a week. Tiers and points come the real way, from confirmed purchases (the purchases' demo
runs first: it makes the merchant and is idempotent); only the soon-expiring date is set by hand,
since a lot otherwise lives POINTS_TTL_DAYS from its confirmation. Idempotent: purchases are keyed
by their external ids, and a lot already expiring this week is left alone.
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
from purchases import demo as purchases_demo
from purchases.models import Purchase
from purchases.services import purchase_confirm, purchase_ingest

# (external id, amount, days ago): with the purchases' demo, 680.00 of qualifying spend (Silver).
DEMO_REWARDED_PURCHASES = [
    ("demo-rewards-2001", Decimal("250.00"), 3),
    ("demo-rewards-2002", Decimal("200.00"), 8),
    ("demo-rewards-2003", Decimal("150.00"), 15),
]
EXPIRING_SOON = "demo-rewards-2003"  # its lot expires in five days
EXPIRING_IN_DAYS = 5


def seed(out: TextIO) -> None:
    purchases_demo.seed(out)
    user = User.objects.get(email__iexact=DEMO_USER[0])
    admin = User.objects.get(email__iexact=DEMO_ADMIN[0])
    partner = Partner.objects.get(name=DEMO_PARTNER_NAME)
    merchant = Merchant.objects.get(name__iexact=purchases_demo.DEMO_MERCHANT)
    known = set(
        Purchase.objects.filter(partner=partner, external_id__in=[p[0] for p in DEMO_REWARDED_PURCHASES]).values_list(
            "external_id", flat=True
        )
    )
    missing = [p for p in DEMO_REWARDED_PURCHASES if p[0] not in known]
    for external_id, amount, days_ago in missing:
        purchase = purchase_ingest(
            partner=partner,
            external_id=external_id,
            user_id=user.id,
            merchant_id=merchant.id,
            amount=amount,
            currency=settings.PLATFORM_CURRENCY,
            purchased_at=timezone.now() - timedelta(days=days_ago),
            actor=Actor.for_partner(partner),
        )
        purchase_confirm(purchase_id=purchase.id, actor=Actor.for_user(admin))
    soon = timezone.now().date() + timedelta(days=EXPIRING_IN_DAYS)
    expiring = Purchase.objects.filter(partner=partner, external_id=EXPIRING_SOON).values("id")
    aged = PointsLot.objects.filter(purchase_id__in=expiring, expires_on__gt=soon).update(expires_on=soon)
    if missing or aged:
        out.write(f"Rewards: {len(missing)} rewarded purchase(s) for {user.email}, a lot expiring on {soon}\n")
