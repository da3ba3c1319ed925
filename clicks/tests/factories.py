from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import UserFactory
from clicks.models import Click
from offers.tests.factories import OfferFactory


class ClickFactory(factory.django.DjangoModelFactory):
    """A click of a new user at a new merchant's offer, made now."""

    class Meta:
        model = Click

    user = factory.SubFactory(UserFactory)
    offer = factory.SubFactory(OfferFactory)
    merchant = factory.SelfAttribute("offer.merchant")
    created_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda c: c.created_at + timedelta(days=30))
    client_hash = "0" * 64
