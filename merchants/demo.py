"""Demo merchants for a newcomer (idempotent: an existing name is left as it is, except that one
without a category gets its demo category, which the member site's shop filter shows)."""

from __future__ import annotations

from typing import TextIO

from clicknback.actors import Actor
from clicknback.errors import MerchantNameTaken
from merchants.models import Merchant
from merchants.services import merchant_create, merchant_update

# name, website, confirmation_days, category
DEMO_MERCHANTS = (
    ("Acme Shoes", "https://acme-shoes.example.com", 30, "Fashion"),
    ("Bookworm", "https://bookworm.example.com", 14, "Books"),
    ("Gadget Hub", "https://gadget-hub.example.com", 45, "Electronics"),
    ("Green Grocer", "https://green-grocer.example.com", 7, "Groceries"),
)


def seed(out: TextIO) -> None:
    actor = Actor.job("seed_demo")
    created = 0
    for name, website, confirmation_days, category in DEMO_MERCHANTS:
        try:
            merchant_create(
                name=name, website=website, confirmation_days=confirmation_days, category=category, actor=actor
            )
            created += 1
        except MerchantNameTaken:
            existing = Merchant.objects.get(name__iexact=name)
            if existing.category is None:
                merchant_update(merchant=existing, category=category, actor=actor)
    out.write(f"Merchants: {len(DEMO_MERCHANTS)} demo merchants ({created} new)\n")
