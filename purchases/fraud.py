"""Fraud flags raised at ingestion: pure rules over numbers the service reads under the wallet lock."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from purchases.models import FlagReason

_RATE = re.compile(r"^\s*(\d+)\s*/\s*([smhd])\s*$")
_UNITS = {"s": timedelta(seconds=1), "m": timedelta(minutes=1), "h": timedelta(hours=1), "d": timedelta(days=1)}


def parse_rate(rate: str) -> tuple[int, timedelta]:
    """`"10/h"` -> (10, one hour). Rates are written N/s, N/m, N/h or N/d."""
    match = _RATE.match(rate)
    if match is None:
        raise ValueError(f"Invalid rate {rate!r}: use N/s, N/m, N/h or N/d.")
    return int(match.group(1)), _UNITS[match.group(2)]


def fraud_flags(*, amount: Decimal, recent_purchases: int, velocity_limit: int, review_amount: Decimal) -> list[str]:
    """Why a new purchase needs staff review, given the user's purchases already in the velocity window."""
    reasons = []
    if recent_purchases + 1 > velocity_limit:
        reasons.append(FlagReason.VELOCITY.value)
    if amount >= review_amount:
        reasons.append(FlagReason.HIGH_AMOUNT.value)
    return reasons
