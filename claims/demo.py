"""Demo clicks and claims for user@example.com at the demo merchant (seeded by `purchases.demo`,
which runs first): clicks, a purchase reported by click, and one claim open with a verified click,
one approved, one rejected. Made through the services; idempotent (keyed by the open claim's order)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import TextIO

from django.conf import settings
from django.utils import timezone

from accounts.demo import DEMO_ADMIN, DEMO_PARTNER_NAME, DEMO_USER
from accounts.models import Partner, User
from claims.models import Claim
from claims.services import claim_approve, claim_file, claim_reject
from clicknback.actors import Actor
from clicks.services import click_create
from merchants.models import Merchant
from merchants.services import merchant_update
from purchases.demo import DEMO_MERCHANT
from purchases.services import purchase_ingest

DEMO_TRACKING_URL = "https://outdoor.example.com/go?cnb={click_id}"
DEMO_ADDRESS, DEMO_AGENT = "198.51.100.7", "Mozilla/5.0 (demo)"
OPEN_ORDER, APPROVED_ORDER, REJECTED_ORDER = "DEMO-CLAIM-1", "DEMO-CLAIM-2", "DEMO-CLAIM-3"


def seed(out: TextIO) -> None:
    if Claim.objects.filter(order_reference=OPEN_ORDER).exists():
        return
    user = User.objects.get(email__iexact=DEMO_USER[0])
    admin_actor, user_actor = Actor.for_user(User.objects.get(email__iexact=DEMO_ADMIN[0])), Actor.for_user(user)
    partner = Partner.objects.get(name=DEMO_PARTNER_NAME)
    merchant = Merchant.objects.get(name__iexact=DEMO_MERCHANT)
    if not merchant.tracking_url:
        merchant = merchant_update(merchant=merchant, tracking_url=DEMO_TRACKING_URL, actor=admin_actor)
    now = timezone.now()

    def click(days_ago: int):
        made, _ = click_create(
            user=user,
            merchant_id=merchant.id,
            address=DEMO_ADDRESS,
            user_agent=DEMO_AGENT,
            now=now - timedelta(days=days_ago),
        )
        return made

    attributed = click(3)
    purchase_ingest(
        partner=partner,
        external_id="demo-click-order-2001",
        click_id=attributed.id,
        merchant_id=merchant.id,
        amount=Decimal("64.00"),
        currency=settings.PLATFORM_CURRENCY,
        purchased_at=attributed.created_at + timedelta(minutes=20),
        order_reference="DEMO-CLICK-2001",
        actor=Actor.for_partner(partner),
    )
    click(0)  # just activated, nothing bought yet
    evidence = click(12)
    claims = {}
    for order, days_ago, click_id in (
        (OPEN_ORDER, 12, evidence.id),
        (APPROVED_ORDER, 15, ""),
        (REJECTED_ORDER, 30, ""),
    ):
        claims[order] = claim_file(
            user=user,
            merchant_id=merchant.id,
            order_reference=order,
            amount=Decimal("42.00"),
            purchased_at=now - timedelta(days=days_ago) + timedelta(hours=1),
            click_id=click_id,
            note="The order confirmation email is attached to my support ticket.",
            actor=user_actor,
        )
    claim_approve(claim_id=claims[APPROVED_ORDER].id, actor=admin_actor)
    claim_reject(claim_id=claims[REJECTED_ORDER].id, reason="No matching order at the merchant.", actor=admin_actor)
    out.write(f"Claims: 3 clicks, a purchase by click and 3 claims for {user.email} at {merchant.name}\n")
