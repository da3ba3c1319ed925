"""The breakdown engine (purchases.cashback.cashback_breakdown) with campaigns: pure, no database."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from campaigns.rules import CampaignTerms, campaign_bonus
from purchases.cashback import CashbackTerms, TierTerms, cashback_breakdown

T0 = datetime(2025, 1, 1, tzinfo=UTC)
BRONZE = TierTerms(None, "Bronze")
GOLD = TierTerms(None, "Gold", D("10.00"), D("1.50"))
TEN_PERCENT = CashbackTerms("percent", D("10.00"))


def campaign(kind: str, value: str, *, age: int = 0, **limits: str | None) -> CampaignTerms:
    values = {name: None if v is None else D(v) for name, v in limits.items()}
    return CampaignTerms(uuid.uuid4(), T0 - timedelta(days=age), kind, D(value), **values)


def breakdown(amount: str, *campaigns: CampaignTerms, tier: TierTerms = BRONZE, offer=TEN_PERCENT, earned="0.00"):
    return cashback_breakdown(
        offer=offer, tier=tier, campaigns=campaigns, amount=D(amount), earned_this_month=D(earned)
    )


@pytest.mark.parametrize(
    ("kind", "value", "amount", "base", "expected"),
    [
        ("bonus_percent", "5.00", "150.00", "15.00", "7.50"),
        ("bonus_percent", "2.50", "10.10", "1.01", "0.25"),  # 0.2525 -> ROUND_HALF_EVEN
        ("bonus_percent", "5.00", "0.50", "0.05", "0.02"),  # 0.025 -> 0.02
        ("bonus_fixed", "3.00", "150.00", "15.00", "3.00"),
        ("multiplier", "2.00", "150.00", "15.00", "15.00"),  # base x (2 - 1)
        ("multiplier", "1.50", "33.33", "3.33", "1.66"),  # 1.665 -> 1.66
    ],
)
def test_every_kind(kind, value, amount, base, expected):
    assert campaign_bonus(campaign(kind, value), amount=D(amount), base=D(base)) == D(expected)


def test_caps_max_bonus_then_budget_left_and_minimum_amount():
    assert campaign_bonus(campaign("bonus_fixed", "9.00", max_bonus_per_purchase="4.00"), amount=D(50), base=D(5)) == D(
        "4.00"
    )
    assert campaign_bonus(campaign("bonus_fixed", "9.00", budget_left="2.35"), amount=D(50), base=D(5)) == D("2.35")
    assert campaign_bonus(campaign("bonus_fixed", "9.00", budget_left="0.00"), amount=D(50), base=D(5)) == D("0.00")
    below = campaign("bonus_fixed", "9.00", min_purchase_amount="50.01")
    assert campaign_bonus(below, amount=D("50.00"), base=D(5)) == D("0.00")


def test_breakdown_is_base_then_tier_then_campaign():
    result = breakdown("150.00", campaign("bonus_percent", "5.00"), tier=GOLD)
    assert (result.base, result.tier_bonus, result.campaign_bonus) == (D("15.00"), D("1.50"), D("7.50"))
    assert result.cashback_amount == D("24.00")


def test_tier_bonus_rounds_half_even():
    tier = TierTerms(None, "Odd", D("5.00"))
    assert breakdown("3.30", tier=tier).tier_bonus == D("0.02")  # 0.33 x 5 % = 0.0165 -> 0.02
    assert breakdown("2.50", tier=tier).tier_bonus == D("0.01")  # 0.25 x 5 % = 0.0125 -> 0.01


def test_monthly_cap_limits_the_base_only():
    capped = CashbackTerms("percent", D("10.00"), monthly_cap_per_user=D("20.00"))
    result = breakdown("100.00", campaign("multiplier", "2.00"), tier=GOLD, offer=capped, earned="15.00")
    assert (result.base, result.tier_bonus, result.campaign_bonus) == (D("5.00"), D("0.50"), D("5.00"))


def test_largest_bonus_applies():
    small, large = campaign("bonus_fixed", "2.00"), campaign("bonus_percent", "5.00")
    assert breakdown("100.00", small, large).campaign_id == large.id


def test_largest_after_max_bonus_and_budget():
    capped = campaign("bonus_percent", "20.00", max_bonus_per_purchase="1.00")
    short = campaign("bonus_fixed", "10.00", budget_left="1.50")
    plain = campaign("bonus_fixed", "1.20")
    result = breakdown("100.00", capped, short, plain)
    assert (result.campaign_id, result.campaign_bonus) == (short.id, D("1.50"))


def test_ties_go_to_the_oldest():
    newer, older = campaign("bonus_fixed", "2.00", age=1), campaign("bonus_fixed", "2.00", age=5)
    assert breakdown("100.00", newer, older).campaign_id == older.id
    assert breakdown("100.00", older, newer).campaign_id == older.id


def test_a_campaign_at_zero_does_not_apply():
    result = breakdown("100.00", campaign("bonus_fixed", "5.00", budget_left="0.00"))
    assert (result.campaign, result.campaign_bonus) == (None, D("0.00"))


def test_the_amount_caps_the_total_campaign_bonus_first_then_tier_bonus():
    high = CashbackTerms("percent", D("20.00"))
    result = breakdown("10.00", campaign("bonus_fixed", "9.50"), tier=GOLD, offer=high)
    assert (result.base, result.tier_bonus, result.campaign_bonus) == (D("2.00"), D("0.20"), D("7.80"))
    everything = CashbackTerms("fixed", D("9.90"))
    result = breakdown("10.00", campaign("bonus_fixed", "5.00"), tier=GOLD, offer=everything)
    assert (result.base, result.tier_bonus, result.campaign_bonus) == (D("9.90"), D("0.10"), D("0.00"))
    assert result.campaign is None  # gave way entirely: it does not apply
    assert result.cashback_amount == D("10.00")


def test_terms_record_explains_the_breakdown():
    chosen = campaign("multiplier", "3.00", max_bonus_per_purchase="50.00")
    record = breakdown("150.00", chosen, tier=GOLD).terms_record()
    assert record["offer"]["cashback_value"] == "10.00"
    assert record["tier"] == {
        "id": None,
        "name": "Gold",
        "cashback_boost_percent": "10.00",
        "points_multiplier": "1.50",
    }
    assert record["campaign"]["id"] == str(chosen.id) and record["campaign"]["value"] == "3.00"
