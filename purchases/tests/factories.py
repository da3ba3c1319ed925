"""Offers for purchase tests: the catalogue's factories, with a window wide enough for any
purchase date a test uses."""

from datetime import timedelta

import factory

from merchants.tests.factories import MerchantFactory
from offers.selectors import utc_today
from offers.tests.factories import OfferFactory as CatalogueOfferFactory

__all__ = ["MerchantFactory", "OfferFactory"]


class OfferFactory(CatalogueOfferFactory):
    """An active 10 % offer without limits, valid for a year either side of today."""

    starts_on = factory.LazyFunction(lambda: utc_today() - timedelta(days=365))
    ends_on = factory.LazyFunction(lambda: utc_today() + timedelta(days=365))
