"""The cashback calculation of the contract, as pure functions: no database, no clock.

`cashback_breakdown` is the one engine of ingestion and of the quote (`POST /cashback/calculate`),
so the two cannot disagree: base, tier bonus, campaign bonus (api-v1-rewards.md, "The cashback
breakdown"), the sum never above the purchase amount (the campaign bonus gives way first, then
the tier bonus).

Order of the base's rules (api-v1.md, "Cashback calculation"):
1. percent: amount * value / 100 rounded to cents (ROUND_HALF_EVEN); fixed: value.
2. Below `min_purchase_amount` -> 0.00; never above `max_cashback_per_purchase` nor the amount.
3. Never above `monthly_cap_per_user` minus what the user already earned from the offer this
   month, never below 0.00.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from campaigns.rules import CampaignTerms, best_campaign
from clicknback.money import ZERO, to_cents
from clicknback.representation import optional

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

    def as_record(self) -> dict[str, str | None]:
        return {
            "cashback_type": self.cashback_type,
            "cashback_value": str(self.cashback_value),
            "min_purchase_amount": optional(str, self.min_purchase_amount),
            "max_cashback_per_purchase": optional(str, self.max_cashback_per_purchase),
            "monthly_cap_per_user": optional(str, self.monthly_cap_per_user),
        }


@dataclass(frozen=True)
class TierTerms:
    """The user's tier at ingestion, as far as cashback and points go."""

    id: uuid.UUID | None
    name: str
    cashback_boost_percent: Decimal = ZERO
    points_multiplier: Decimal = Decimal("1.00")

    @classmethod
    def from_tier(cls, tier: Any) -> TierTerms:
        return cls(tier.id, tier.name, tier.cashback_boost_percent, tier.points_multiplier)

    def as_record(self) -> dict[str, str | None]:
        return {
            "id": None if self.id is None else str(self.id),
            "name": self.name,
            "cashback_boost_percent": str(self.cashback_boost_percent),
            "points_multiplier": str(self.points_multiplier),
        }


@dataclass(frozen=True)
class Breakdown:
    """How a purchase's cashback is made up, with the terms that made it."""

    amount: Decimal
    base: Decimal
    tier_bonus: Decimal
    campaign_bonus: Decimal
    offer: CashbackTerms
    tier: TierTerms
    campaign: CampaignTerms | None  # the applying campaign; None when no bonus

    @property
    def cashback_amount(self) -> Decimal:
        return self.base + self.tier_bonus + self.campaign_bonus

    @property
    def campaign_id(self) -> uuid.UUID | None:
        return None if self.campaign is None else self.campaign.id

    def terms_record(self) -> dict[str, Any]:
        """What is stored with the purchase: the breakdown can be explained after any later edit."""
        return {
            "offer": self.offer.as_record(),
            "tier": self.tier.as_record(),
            "campaign": None if self.campaign is None else self.campaign.as_record(),
        }


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


def cashback_breakdown(
    *,
    offer: CashbackTerms,
    tier: TierTerms,
    campaigns: Sequence[CampaignTerms],
    amount: Decimal,
    earned_this_month: Decimal = ZERO,
) -> Breakdown:
    """The breakdown of a purchase of `amount` (api-v1-rewards.md): `base` by every rule of the
    offer (the monthly cap limits `base` only), `tier_bonus` = base x boost / 100, then the best of
    the `campaigns` (largest bonus after its caps and budget; ties: the oldest). The total never
    exceeds `amount`: the campaign bonus gives way first, then the tier bonus. A campaign whose
    bonus ends at 0.00 does not apply."""
    base = cashback_for(terms=offer, amount=amount, earned_this_month=earned_this_month)
    return _with_bonuses(base, offer=offer, tier=tier, campaigns=campaigns, amount=amount)


def breakdown_with_campaigns(breakdown: Breakdown, campaigns: Sequence[CampaignTerms]) -> Breakdown:
    """The same purchase's breakdown decided among other campaigns (their budgets changed):
    base and tier bonus do not depend on campaigns."""
    return _with_bonuses(
        breakdown.base, offer=breakdown.offer, tier=breakdown.tier, campaigns=campaigns, amount=breakdown.amount
    )


def _with_bonuses(
    base: Decimal, *, offer: CashbackTerms, tier: TierTerms, campaigns: Sequence[CampaignTerms], amount: Decimal
) -> Breakdown:
    room = amount - base
    tier_bonus = min(to_cents(base * tier.cashback_boost_percent / 100), room)
    room -= tier_bonus
    chosen, bonus = best_campaign(campaigns, amount=amount, base=base)
    bonus = min(bonus, room)
    if bonus <= ZERO:
        chosen, bonus = None, ZERO
    return Breakdown(amount, base, tier_bonus, bonus, offer, tier, chosen)
