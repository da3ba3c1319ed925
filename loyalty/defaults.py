"""The contract's four tiers, created by a migration (and again after a test database flush)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.apps import apps as global_apps

# (name, min_spend, cashback_boost_percent, points_multiplier, upgrade_bonus_points)
DEFAULT_TIERS = [
    ("Bronze", "0.00", "0.00", "1.00", 0),
    ("Silver", "500.00", "5.00", "1.25", 250),
    ("Gold", "2000.00", "10.00", "1.50", 1000),
    ("Platinum", "5000.00", "20.00", "2.00", 2500),
]


def default_tiers_ensure(*, apps: Any = global_apps, using: str = "default", **kwargs: Any) -> None:
    """Create the four tiers when there is no tier at all: staff edits are never overwritten."""
    Tier = apps.get_model("loyalty", "Tier")
    if Tier.objects.using(using).exists():
        return
    Tier.objects.using(using).bulk_create(
        [
            Tier(
                name=name,
                min_spend=Decimal(min_spend),
                cashback_boost_percent=Decimal(boost),
                points_multiplier=Decimal(multiplier),
                upgrade_bonus_points=bonus,
                position=position,
            )
            for position, (name, min_spend, boost, multiplier, bonus) in enumerate(DEFAULT_TIERS)
        ]
    )
