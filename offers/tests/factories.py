from datetime import timedelta
from decimal import Decimal

import factory

from merchants.tests.factories import MerchantFactory
from offers.models import CashbackType, Offer, OfferStatus
from offers.selectors import utc_today


class OfferFactory(factory.django.DjangoModelFactory):
    """An active 10 % offer valid from a month ago to two months ahead."""

    class Meta:
        model = Offer

    merchant = factory.SubFactory(MerchantFactory)
    cashback_type = CashbackType.PERCENT
    cashback_value = Decimal("10.00")
    starts_on = factory.LazyFunction(lambda: utc_today() - timedelta(days=30))
    ends_on = factory.LazyAttribute(lambda o: o.starts_on + timedelta(days=90))
    status = OfferStatus.ACTIVE
