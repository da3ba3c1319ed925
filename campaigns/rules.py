"""A campaign's bonus on one purchase, as pure functions (no database, no clock): the cashback
engine (`purchases.cashback.cashback_breakdown`) chooses among the candidates with them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from clicknback.money import ZERO, to_cents
from clicknback.representation import optional

BONUS_PERCENT = "bonus_percent"
BONUS_FIXED = "bonus_fixed"
MULTIPLIER = "multiplier"


@dataclass(frozen=True)
class CampaignTerms:
    """A campaign that may apply to a purchase (running, covering the merchant, the user enrolled
    if required and under `max_uses_per_user`), with what is left of its budget then."""

    id: uuid.UUID
    created_at: datetime
    kind: str
    value: Decimal
    min_purchase_amount: Decimal | None = None
    max_bonus_per_purchase: Decimal | None = None
    budget_left: Decimal | None = None  # None: no budget

    @classmethod
    def from_campaign(cls, campaign: Any, *, budget_left: Decimal | None) -> CampaignTerms:
        return cls(
            id=campaign.id,
            created_at=campaign.created_at,
            kind=campaign.kind,
            value=campaign.value,
            min_purchase_amount=campaign.min_purchase_amount,
            max_bonus_per_purchase=campaign.max_bonus_per_purchase,
            budget_left=budget_left,
        )

    def with_budget_left(self, budget_left: Decimal) -> CampaignTerms:
        return replace(self, budget_left=budget_left)

    def as_record(self) -> dict[str, str | None]:
        """The terms as stored with a purchase (JSON)."""
        return {
            "id": str(self.id),
            "kind": self.kind,
            "value": str(self.value),
            "max_bonus_per_purchase": optional(str, self.max_bonus_per_purchase),
            "min_purchase_amount": optional(str, self.min_purchase_amount),
        }


def campaign_bonus(terms: CampaignTerms, *, amount: Decimal, base: Decimal) -> Decimal:
    """The bonus after `max_bonus_per_purchase` and what is left of the budget (ROUND_HALF_EVEN);
    0.00 below `min_purchase_amount`. The purchase-amount cap is the engine's (it comes last)."""
    if terms.min_purchase_amount is not None and amount < terms.min_purchase_amount:
        return ZERO
    if terms.kind == BONUS_PERCENT:
        bonus = to_cents(amount * terms.value / 100)
    elif terms.kind == BONUS_FIXED:
        bonus = to_cents(terms.value)
    elif terms.kind == MULTIPLIER:
        bonus = to_cents(base * (terms.value - 1))
    else:
        raise ValueError(f"Unknown campaign kind {terms.kind!r}.")
    if terms.max_bonus_per_purchase is not None:
        bonus = min(bonus, terms.max_bonus_per_purchase)
    if terms.budget_left is not None:
        bonus = min(bonus, terms.budget_left)
    return max(ZERO, bonus)


def best_campaign(
    candidates: list[CampaignTerms] | tuple[CampaignTerms, ...], *, amount: Decimal, base: Decimal
) -> tuple[CampaignTerms | None, Decimal]:
    """The candidate with the largest bonus (ties: the oldest), and that bonus; (None, 0.00) when
    none gives more than 0.00."""
    best: CampaignTerms | None = None
    best_bonus = ZERO
    for terms in sorted(candidates, key=lambda t: (t.created_at, str(t.id))):
        bonus = campaign_bonus(terms, amount=amount, base=base)
        if bonus > best_bonus:
            best, best_bonus = terms, bonus
    return best, best_bonus
