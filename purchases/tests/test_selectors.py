"""The ingestion's hand-written reads give what their ORM twins give, on generated data."""

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db.models import Sum
from django.db.models.functions import Coalesce

from accounts.tests.factories import PartnerFactory, UserFactory
from clicknback.money import ZERO
from clicknback.testing import field_values
from loyalty.models import Tier, UserLoyalty
from merchants.models import MerchantStatus
from merchants.tests.factories import MerchantFactory
from offers.models import OfferStatus
from offers.selectors import offer_valid_on, utc_today
from offers.tests.factories import OfferFactory
from purchases.models import CashbackStatus, Purchase, PurchaseStatus
from purchases.selectors import offer_for_purchase, user_purchase_stats

pytestmark = pytest.mark.django_db


def test_offer_for_purchase_is_offer_valid_on_for_active_users_and_merchants():
    today = utc_today()
    users = [UserFactory(), UserFactory(is_active=False)]
    merchants = [MerchantFactory(), MerchantFactory(status=MerchantStatus.INACTIVE), MerchantFactory()]
    for merchant in merchants[:2]:  # two active offers in a row, an inactive one over both, a gap
        OfferFactory(merchant=merchant, starts_on=today - timedelta(days=20), ends_on=today - timedelta(days=6))
        OfferFactory(merchant=merchant, starts_on=today - timedelta(days=5), ends_on=today + timedelta(days=5))
        OfferFactory(
            merchant=merchant,
            status=OfferStatus.INACTIVE,
            starts_on=today - timedelta(days=30),
            ends_on=today + timedelta(days=30),
        )
    days = [today + timedelta(days=offset) for offset in range(-25, 10, 2)]
    found = 0
    for user, merchant, day in itertools.product(users, merchants, days):
        raw = offer_for_purchase(user_id=user.id, merchant_id=merchant.id, on_date=day)
        eligible = user.is_active and merchant.status == MerchantStatus.ACTIVE
        twin = offer_valid_on(merchant_id=merchant.id, on_date=day) if eligible else None
        assert field_values(raw) == field_values(twin), (user.is_active, merchant.status, day)
        if raw is not None:
            assert field_values(raw.merchant) == field_values(type(merchant).objects.get(pk=merchant.pk))
            found += 1
    assert found > 0


def test_user_purchase_stats_are_the_orm_aggregates():
    user, other = UserFactory(), UserFactory()
    offers = [OfferFactory(), OfferFactory()]
    partner = PartnerFactory()
    start = datetime(2025, 3, 1, tzinfo=UTC)
    now = datetime.now(UTC)
    states = itertools.cycle(  # status, cashback status, confirmed_at, reversed_at (as the model's check wants)
        [
            (PurchaseStatus.PENDING, CashbackStatus.PENDING, None, None),
            (PurchaseStatus.CONFIRMED, CashbackStatus.AVAILABLE, now, None),
            (PurchaseStatus.REVERSED, CashbackStatus.REVERSED, None, now),
        ]
    )
    for index in range(40):  # both users, both offers, every status, across a month's edges
        offer = offers[index % 2]
        status, cashback_status, confirmed_at, reversed_at = next(states)
        Purchase.objects.create(
            external_id=f"stats-{index}",
            partner=partner,
            user=(user, other)[index % 3 == 0],
            merchant=offer.merchant,
            offer=offer,
            amount=Decimal("10.00"),
            currency="EUR",
            cashback_amount=Decimal(index) / 4,
            cashback_base=Decimal(index) / 4,
            status=status,
            cashback_status=cashback_status,
            confirmed_at=confirmed_at,
            reversed_at=reversed_at,
            purchased_at=start + timedelta(days=index - 5, hours=index),
        )
    month = (start, datetime(2025, 4, 1, tzinfo=UTC))
    seen = set()
    for window_end in [start + timedelta(days=day) for day in range(-6, 40, 3)]:
        window = (window_end - timedelta(days=4), window_end)
        stats = user_purchase_stats(user_id=user.id, offer_id=offers[0].id, month=month, window=window)
        mine = Purchase.objects.filter(user=user)
        earned = (
            mine.filter(offer=offers[0], purchased_at__gte=month[0], purchased_at__lt=month[1])
            .exclude(status=PurchaseStatus.REVERSED)
            .aggregate(total=Coalesce(Sum("cashback_base"), ZERO))["total"]
        )
        recent = mine.filter(purchased_at__gt=window[0], purchased_at__lte=window[1]).count()
        assert (stats.earned_from_offer, stats.recent_purchases) == (earned, recent), window_end
        seen.add(recent)
    assert earned > 0 and len(seen) > 2


def test_user_purchase_stats_read_the_users_tier_or_the_entry_tier():
    """The tier ingestion applies comes with the stats: the user's own, the entry tier without one."""
    user = UserFactory()
    tiers = list(Tier.objects.order_by("min_spend"))
    month = (datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 4, 1, tzinfo=UTC))

    def stats_tier() -> Tier:
        return user_purchase_stats(user_id=user.id, offer_id=OfferFactory().id, month=month, window=month).tier

    assert stats_tier() == tiers[0]
    for tier in [*tiers[1:], tiers[0]]:
        UserLoyalty.objects.update_or_create(user=user, defaults={"tier": tier})
        assert field_values(stats_tier()) == field_values(tier)
