from datetime import timedelta
from decimal import Decimal

import factory

from merchants.tests.factories import MerchantFactory
from offers.models import CashbackType, Offer, OfferStatus
from offers.selectors import utc_today


class OfferFactory(factory.django.DjangoModelFactory):
    """An active 10 % offer without limits, valid for a year either side of today (wide enough for
    any purchase date a test uses)."""

    class Meta:
        model = Offer

    merchant = factory.SubFactory(MerchantFactory)
    cashback_type = CashbackType.PERCENT
    cashback_value = Decimal("10.00")
    starts_on = factory.LazyFunction(lambda: utc_today() - timedelta(days=365))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=730))
    status = OfferStatus.ACTIVE
