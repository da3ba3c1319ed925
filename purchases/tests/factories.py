"""Merchants and offers for purchase tests, created directly (their API belongs to other apps)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory

from merchants.models import Merchant, MerchantStatus
from offers.models import CashbackType, Offer, OfferStatus


def utc_today():
    return datetime.now(UTC).date()


class MerchantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Merchant

    name = factory.Sequence(lambda n: f"Purchase Test Shop {n}")
    status = MerchantStatus.ACTIVE
    confirmation_days = 30


class OfferFactory(factory.django.DjangoModelFactory):
    """An active 10 % offer without limits, valid for a year either side of today."""

    class Meta:
        model = Offer

    merchant = factory.SubFactory(MerchantFactory)
    cashback_type = CashbackType.PERCENT
    cashback_value = Decimal("10.00")
    starts_on = factory.LazyFunction(lambda: utc_today() - timedelta(days=365))
    ends_on = factory.LazyFunction(lambda: utc_today() + timedelta(days=365))
    status = OfferStatus.ACTIVE
