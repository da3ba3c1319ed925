"""The cashback calculation of the contract, as a pure function: no database, no clock.

Order of the rules (api-v1.md, "Cashback calculation"):
1. percent: amount * value / 100 rounded to cents (ROUND_HALF_EVEN); fixed: value.
2. Below `min_purchase_amount` -> 0.00; never above `max_cashback_per_purchase` nor the amount.
3. Never above `monthly_cap_per_user` minus what the user already earned from the offer this
   month, never below 0.00.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clicknback.money import ZERO, to_cents

PERCENT = "percent"
FIXED = "fixed"


@dataclass(frozen=True)
class CashbackTerms:
    """The parts of an offer the calculation needs (an `Offer` row converts with `from_offer`)."""

    cashback_type: str
    cashback_value: Decimal
    min_purchase_amount: Decimal | None = None
    max_cashback_per_purchase: Decimal | None = None
    monthly_cap_per_user: Decimal | None = None

    @classmethod
    def from_offer(cls, offer: Any) -> CashbackTerms:
        return cls(
            cashback_type=offer.cashback_type,
            cashback_value=offer.cashback_value,
            min_purchase_amount=offer.min_purchase_amount,
            max_cashback_per_purchase=offer.max_cashback_per_purchase,
            monthly_cap_per_user=offer.monthly_cap_per_user,
        )


def cashback_for(*, terms: CashbackTerms, amount: Decimal, earned_this_month: Decimal = ZERO) -> Decimal:
    """The cashback a purchase of `amount` earns under `terms`, in cents, never negative."""
    if terms.min_purchase_amount is not None and amount < terms.min_purchase_amount:
        return ZERO
    if terms.cashback_type == PERCENT:
        cashback = to_cents(amount * terms.cashback_value / 100)
    elif terms.cashback_type == FIXED:
        cashback = to_cents(terms.cashback_value)
    else:
        raise ValueError(f"Unknown cashback type {terms.cashback_type!r}.")
    limits = [amount]
    if terms.max_cashback_per_purchase is not None:
        limits.append(terms.max_cashback_per_purchase)
    if terms.monthly_cap_per_user is not None:
        limits.append(terms.monthly_cap_per_user - earned_this_month)
    return max(ZERO, min(cashback, *limits))
