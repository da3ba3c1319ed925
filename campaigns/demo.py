"""Demo campaigns: one running with a budget, one running that requires enrollment, one ended
(idempotent: by name)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, TextIO

from django.utils import timezone

from campaigns.models import Campaign, CampaignStatus
from campaigns.services import campaign_create, campaign_update
from clicknback.actors import Actor
from merchants.models import Merchant


def _demo_campaigns() -> dict[str, dict[str, Any]]:
    now = timezone.now()
    gadget_hub = list(Merchant.objects.filter(name="Gadget Hub").values_list("id", flat=True))
    return {
        "Winter boost": {
            "description": "2 % extra at every merchant while the budget lasts.",
            "kind": "bonus_percent",
            "value": Decimal("2.00"),
            "starts_at": now - timedelta(days=7),
            "ends_at": now + timedelta(days=30),
            "max_bonus_per_purchase": Decimal("10.00"),
            "budget": Decimal("500.00"),
        },
        "Gadget Hub double cashback": {
            "description": "Double cashback at Gadget Hub for members who enroll.",
            "kind": "multiplier",
            "value": Decimal("2.00"),
            "merchant_ids": gadget_hub,
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=14),
            "max_uses_per_user": 3,
            "budget": Decimal("1000.00"),
            "requires_enrollment": True,
        },
        "Autumn welcome bonus": {
            "description": "1.00 on every purchase; over.",
            "kind": "bonus_fixed",
            "value": Decimal("1.00"),
            "starts_at": now - timedelta(days=60),
            "ends_at": now - timedelta(days=30),
            "budget": Decimal("200.00"),
        },
    }


ENDED = "Autumn welcome bonus"


def seed(out: TextIO) -> None:
    actor = Actor.job("seed_demo")
    existing = set(Campaign.objects.values_list("name", flat=True))
    created = 0
    for name, data in _demo_campaigns().items():
        if name in existing:
            continue
        campaign = campaign_create(data={"name": name, **data}, actor=actor)
        if name == ENDED:
            campaign_update(campaign_id=campaign.id, actor=actor, status=CampaignStatus.ENDED)
        created += 1
    out.write(f"Campaigns: one running with a budget, one requiring enrollment, one ended ({created} new)\n")
