from datetime import timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from claims.models import Claim
from offers.tests.factories import OfferFactory


class ClaimFactory(factory.django.DjangoModelFactory):
    """An open claim of a new user for a 100.00 purchase made 10 days ago at a merchant with an offer."""

    class Meta:
        model = Claim

    user = factory.SubFactory(UserFactory)
    merchant = factory.LazyFunction(lambda: OfferFactory().merchant)
    order_reference = factory.Sequence(lambda n: f"ORDER-{n}")
    amount = Decimal("100.00")
    purchased_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=10))
