"""Services and selectors without HTTP: the database holds the no-overlap rule, even for racing writers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import transaction

from clicknback.actors import Actor
from clicknback.errors import OfferOverlap
from clicknback.testing import run_at_once
from merchants.tests.factories import MerchantFactory
from offers.models import OfferStatus
from offers.selectors import offer_valid_on
from offers.services import offer_create, offer_update
from offers.tests.factories import OfferFactory

ACTOR = Actor.job("test")


@pytest.mark.django_db
def test_offer_valid_on_edges_and_gaps(django_assert_num_queries) -> None:
    merchant = MerchantFactory()
    january = OfferFactory(merchant=merchant, starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 10))
    later = OfferFactory(merchant=merchant, starts_on=date(2030, 1, 11), ends_on=date(2030, 1, 20))
    OfferFactory(merchant=merchant, starts_on=date(2030, 2, 1), ends_on=date(2030, 2, 9), status=OfferStatus.INACTIVE)
    OfferFactory(starts_on=date(2030, 1, 25), ends_on=date(2030, 1, 30))  # another merchant
    expectations = {
        date(2029, 12, 31): None,
        date(2030, 1, 1): january,
        date(2030, 1, 10): january,
        date(2030, 1, 11): later,
        date(2030, 1, 20): later,
        date(2030, 1, 21): None,
        date(2030, 1, 26): None,
        date(2030, 2, 5): None,  # only an inactive offer
    }
    for day, expected in expectations.items():
        with django_assert_num_queries(1):
            assert offer_valid_on(merchant_id=merchant.id, on_date=day) == expected, day


@pytest.mark.django_db
def test_overlap_leaves_the_callers_transaction_usable() -> None:
    merchant = MerchantFactory()
    existing = OfferFactory(merchant=merchant, starts_on=date(2030, 1, 1), ends_on=date(2030, 1, 31))
    with transaction.atomic():
        with pytest.raises(OfferOverlap) as caught:
            offer_create(
                merchant_id=merchant.id,
                cashback_type="fixed",
                cashback_value=Decimal("2.00"),
                starts_on=date(2030, 1, 15),
                ends_on=date(2030, 2, 15),
                actor=ACTOR,
            )
        assert caught.value.details == {"offer_id": str(existing.id)}
        # the savepoint rolled back alone: the outer transaction can still write
        offer_update(offer=existing, ends_on=date(2030, 1, 14), actor=ACTOR)
    existing.refresh_from_db()
    assert existing.ends_on == date(2030, 1, 14)


@pytest.mark.django_db
def test_update_refuses_fields_that_are_fixed_at_creation() -> None:
    offer = OfferFactory()
    with pytest.raises(TypeError):
        offer_update(offer=offer, cashback_value=Decimal("1.00"), actor=ACTOR)


@pytest.mark.django_db(transaction=True)
def test_racing_overlapping_writes_end_as_one_offer_and_one_overlap_never_a_deadlock() -> None:
    """Unserialized, two inserts into the exclusion constraint deadlock in about one race of five."""
    for round_number in range(15):
        merchant = MerchantFactory()
        paused = OfferFactory(
            merchant=merchant, status=OfferStatus.INACTIVE, starts_on=date(2030, 1, 20), ends_on=date(2030, 2, 20)
        )

        def create() -> object:
            return offer_create(
                merchant_id=merchant.id,
                cashback_type="fixed",
                cashback_value=Decimal("2.00"),
                starts_on=date(2030, 1, 1),
                ends_on=date(2030, 1, 31),
                actor=ACTOR,
            )

        def reactivate() -> object:
            return offer_update(offer=paused, status=OfferStatus.ACTIVE, actor=ACTOR)

        results = run_at_once([create, reactivate])
        outcomes = sorted(type(result).__name__ for result in results)
        assert outcomes == ["Offer", "OfferOverlap"], (round_number, results)
