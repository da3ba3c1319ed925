"""The budget under real concurrency: threads, each on its own connection, against PostgreSQL."""

from __future__ import annotations

import itertools
from decimal import Decimal as D

import pytest
from django.db.models import Sum

from accounts.tests.factories import PartnerFactory, UserFactory
from campaigns.models import CampaignBonus, CampaignBudgetStripe
from campaigns.selectors import budget_discrepancies, campaigns_with_spent
from campaigns.tests.factories import make_campaign
from clicknback.actors import Actor
from clicknback.testing import run_at_once
from offers.tests.factories import OfferFactory
from purchases.models import Purchase
from purchases.services import purchase_ingest, purchase_reverse

pytestmark = pytest.mark.django_db(transaction=True)
_ids = itertools.count(1)


def ingestion(partner, user, merchant, amount: str = "100.00"):
    external_id = f"race-{next(_ids)}"
    return lambda: purchase_ingest(
        partner=partner,
        external_id=external_id,
        user_id=user.id,
        merchant_id=merchant.id,
        amount=D(amount),
        currency="EUR",
        actor=Actor.for_partner(partner),
    )


def test_fifty_concurrent_purchases_spend_a_budget_covering_twenty_exactly():
    partner, merchant = PartnerFactory(), OfferFactory().merchant
    # 20 bonuses, in 6 stripes of 100.00: three whole bonuses each, and 10.00 left in each that
    # only a purchase paid from several stripes can use (two of them).
    campaign = make_campaign(kind="bonus_fixed", value="30.00", budget="600.00")
    results = run_at_once([ingestion(partner, UserFactory(), merchant) for _ in range(50)])
    assert all(isinstance(r, Purchase) for r in results), [r for r in results if not isinstance(r, Purchase)]
    bonuses = [r.campaign_bonus for r in results]
    assert sum(bonuses) == D("600.00")
    assert sorted(bonuses, reverse=True)[:21] == [D("30.00")] * 20 + [D("0.00")]  # each take whole, then none
    assert campaigns_with_spent().get(pk=campaign.pk).budget_spent == D("600.00")
    stored = Purchase.objects.filter(campaign=campaign).aggregate(total=Sum("campaign_bonus"))["total"]
    assert stored == D("600.00")
    assert CampaignBonus.objects.filter(campaign=campaign).aggregate(total=Sum("amount"))["total"] == D("600.00")
    assert CampaignBonus.objects.filter(campaign=campaign, slots__len__gt=1).count() >= 2  # the 10.00 left in each
    assert all(s.spent <= s.limit for s in CampaignBudgetStripe.objects.filter(campaign=campaign))
    assert budget_discrepancies() == []


def test_twenty_concurrent_purchases_of_one_user_get_exactly_max_uses_per_user():
    partner, merchant, user = PartnerFactory(), OfferFactory().merchant, UserFactory()
    campaign = make_campaign(kind="bonus_fixed", value="1.00", max_uses_per_user=3, budget="100.00")
    results = run_at_once([ingestion(partner, user, merchant) for _ in range(20)])
    assert all(isinstance(r, Purchase) for r in results), results
    assert sum(r.campaign_bonus == D("1.00") for r in results) == 3
    assert CampaignBonus.objects.filter(campaign=campaign, user=user).count() == 3
    assert budget_discrepancies() == []


def test_concurrent_reversals_and_purchases_keep_budget_spent_equal_to_the_bonuses():
    partner, merchant = PartnerFactory(), OfferFactory().merchant
    campaign = make_campaign(kind="bonus_fixed", value="2.00", budget="20.00")
    booked = [ingestion(partner, UserFactory(), merchant)() for _ in range(6)]
    reversals = [lambda p=p: purchase_reverse(purchase_id=p.id, actor=Actor.job("tests")) for p in booked]
    results = run_at_once(reversals + [ingestion(partner, UserFactory(), merchant) for _ in range(12)])
    assert not [r for r in results if isinstance(r, Exception)], results
    live = Purchase.objects.filter(campaign=campaign).exclude(status="reversed")
    total = live.aggregate(total=Sum("campaign_bonus"))["total"]
    assert campaigns_with_spent().get(pk=campaign.pk).budget_spent == total <= D("20.00")
    assert budget_discrepancies() == []
