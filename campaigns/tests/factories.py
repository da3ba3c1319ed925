"""Campaigns made through the service (so they have their stripes), running now unless told."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from campaigns.models import Campaign
from campaigns.services import campaign_create
from clicknback.actors import Actor

_names = itertools.count(1)


def make_campaign(**overrides: Any) -> Campaign:
    """A running `bonus_percent` 5 % campaign over every merchant, no limits."""
    now = timezone.now()
    data = {
        "name": f"Campaign {next(_names)}",
        "kind": "bonus_percent",
        "value": Decimal("5.00"),
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=1),
    }
    for field, value in overrides.items():
        data[field] = Decimal(value) if isinstance(value, str) and field != "name" and field != "kind" else value
    return campaign_create(data=data, actor=Actor.job("tests"))
