"""Demo merchants for a newcomer (idempotent: an existing name is left as it is)."""

from __future__ import annotations

from typing import TextIO

from clicknback.actors import Actor
from clicknback.errors import MerchantNameTaken
from merchants.services import merchant_create

# name, website, confirmation_days
DEMO_MERCHANTS = (
    ("Acme Shoes", "https://acme-shoes.example.com", 30),
    ("Bookworm", "https://bookworm.example.com", 14),
    ("Gadget Hub", "https://gadget-hub.example.com", 45),
    ("Green Grocer", "https://green-grocer.example.com", 7),
)


def seed(out: TextIO) -> None:
    actor = Actor.job("seed_demo")
    created = 0
    for name, website, confirmation_days in DEMO_MERCHANTS:
        try:
            merchant_create(name=name, website=website, confirmation_days=confirmation_days, actor=actor)
            created += 1
        except MerchantNameTaken:
            continue
    out.write(f"Merchants: {len(DEMO_MERCHANTS)} demo merchants ({created} new)\n")
