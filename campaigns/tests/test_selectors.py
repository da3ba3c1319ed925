"""`campaign_candidates` (hand-written SQL, on every ingestion) against its ORM twin."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.tests.factories import UserFactory
from campaigns.models import CampaignBonus, CampaignBudgetStripe, CampaignEnrollment, CampaignStatus
from campaigns.rules import CampaignTerms
from campaigns.selectors import campaign_candidates, campaigns_with_spent
from campaigns.tests.factories import make_campaign
from merchants.tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def orm_candidates(*, user_id, merchant_id, at) -> list[CampaignTerms]:
    """The same rules as a queryset (the selector's ORM version before it was hand-written)."""
    uses = (
        CampaignBonus.objects.filter(campaign=OuterRef("pk"), user_id=user_id, reversed_at__isnull=True)
        .order_by()
        .values("campaign")
        .annotate(n=Count("*"))
        .values("n")
    )
    enrolled = CampaignEnrollment.objects.filter(campaign=OuterRef("pk"), user_id=user_id, enrolled_at__lte=at)
    rows = (
        campaigns_with_spent()
        .filter(status=CampaignStatus.ACTIVE, starts_at__lte=at, ends_at__gt=at)
        .filter(Q(merchant_ids=[]) | Q(merchant_ids__contains=[merchant_id]))
        .filter(Q(requires_enrollment=False) | Exists(enrolled))
        .alias(uses=Coalesce(Subquery(uses), Value(0)))
        .filter(Q(max_uses_per_user__isnull=True) | Q(uses__lt=F("max_uses_per_user")))
        .order_by("created_at", "id")
    )
    return [
        CampaignTerms.from_campaign(c, budget_left=None if c.budget is None else c.budget - c.budget_spent)
        for c in rows
    ]


def test_candidates_match_their_orm_twin():
    now = timezone.now()
    user, other = UserFactory(), UserFactory()
    merchant, elsewhere = MerchantFactory(), MerchantFactory()
    make_campaign(value="1.00")  # every merchant, no limits
    make_campaign(value="2.00", merchant_ids=[merchant.id], budget="100.00")
    make_campaign(value="3.00", merchant_ids=[elsewhere.id])
    make_campaign(value="4.00", merchant_ids=[elsewhere.id, merchant.id], budget="50.00")
    make_campaign(value="5.00", starts_at=now + timedelta(hours=1))  # not yet
    make_campaign(value="6.00", ends_at=now - timedelta(minutes=1), starts_at=now - timedelta(days=2))  # over
    paused = make_campaign(value="7.00")
    paused.status = CampaignStatus.PAUSED
    paused.save(update_fields=["status"])
    for enrolled_at in (now - timedelta(hours=1), now + timedelta(hours=1)):  # enrolled before, after
        campaign = make_campaign(value="8.00", requires_enrollment=True)
        CampaignEnrollment.objects.create(campaign=campaign, user=user, enrolled_at=enrolled_at)
    make_campaign(value="9.00", requires_enrollment=True)  # nobody enrolled
    capped = make_campaign(value="10.00", max_uses_per_user=2, budget="500.00")
    for number, reversed_at in enumerate((None, now, None)):  # the user's reversed use does not count
        bonus_user = other if number == 2 else user
        CampaignBonus.objects.create(
            campaign=capped, user=bonus_user, purchase_id=UserFactory.build().id, amount=Decimal("1.00"),
            slots=[0], amounts=[Decimal("1.00")], reversed_at=reversed_at,
        )  # fmt: skip
    CampaignBudgetStripe.objects.filter(campaign=capped, slot=0).update(spent=Decimal("12.34"))
    once = make_campaign(value="11.00", max_uses_per_user=1)
    CampaignBonus.objects.create(
        campaign=once, user=user, purchase_id=UserFactory.build().id, amount=Decimal("1.00"),
        slots=[0], amounts=[Decimal("1.00")],
    )  # fmt: skip

    for who in (user, other):
        for where in (merchant, elsewhere, MerchantFactory()):
            for at in (now, now + timedelta(hours=2), now - timedelta(days=3)):
                raw = campaign_candidates(user_id=who.id, merchant_id=where.id, at=at)
                assert raw == orm_candidates(user_id=who.id, merchant_id=where.id, at=at)
    mine = campaign_candidates(user_id=user.id, merchant_id=merchant.id, at=now)
    assert [t.value for t in mine] == [Decimal(v) for v in ("1.00", "2.00", "4.00", "8.00", "10.00")]
    assert mine[-1].budget_left == Decimal("487.66")
