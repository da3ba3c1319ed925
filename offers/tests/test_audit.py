"""Every change to an offer writes one audit row, amounts as strings and dates in ISO; a refused
change (bad terms, an overlap) leaves none."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from rest_framework.exceptions import ValidationError

from clicknback.actors import Actor
from clicknback.errors import OfferOverlap
from clicknback.models import AuditLogEntry
from clicknback.testing import the_audit_row
from merchants.tests.factories import MerchantFactory
from offers.models import OfferStatus
from offers.services import offer_create, offer_update
from offers.tests.factories import OfferFactory

pytestmark = pytest.mark.django_db

JOB = Actor.job("test")


def test_create_records_the_terms():
    merchant = MerchantFactory()
    offer = offer_create(
        merchant_id=merchant.id,
        cashback_type="percent",
        cashback_value=Decimal("5.50"),
        starts_on=date(2030, 1, 1),
        ends_on=date(2030, 1, 31),
        monthly_cap_per_user=Decimal("20.00"),
        actor=JOB,
    )
    row = the_audit_row()
    assert (row.action, row.object_id) == ("offer.created", str(offer.pk))
    assert row.changes == {
        "merchant_id": [None, str(merchant.id)],
        "cashback_type": [None, "percent"],
        "cashback_value": [None, "5.50"],
        "starts_on": [None, "2030-01-01"],
        "ends_on": [None, "2030-01-31"],
        "monthly_cap_per_user": [None, "20.00"],
        "min_purchase_amount": [None, None],
        "max_cashback_per_purchase": [None, None],
        "status": [None, "active"],
    }


def test_update_records_each_changed_limit_and_date():
    offer = OfferFactory(ends_on=date(2030, 1, 31))
    offer_update(offer=offer, ends_on=date(2030, 2, 28), monthly_cap_per_user=Decimal("15"), actor=JOB)
    row = the_audit_row()
    assert (row.action, row.changes) == (
        "offer.updated",
        {"ends_on": ["2030-01-31", "2030-02-28"], "monthly_cap_per_user": [None, "15"]},
    )


@pytest.mark.parametrize(
    ("before", "after", "action"),
    [("active", "inactive", "offer.deactivated"), ("inactive", "active", "offer.activated")],
)
def test_a_status_change_is_recorded_as_what_it_does(before, after, action):
    offer = OfferFactory(status=before)
    offer_update(offer=offer, status=after, actor=JOB)
    row = the_audit_row()
    assert (row.action, row.changes) == (action, {"status": [before, after]})


def test_refused_changes_record_nothing():
    offer = OfferFactory()
    with pytest.raises(ValidationError):
        offer_update(offer=offer, ends_on=offer.starts_on - timedelta(days=1), actor=JOB)
    inactive_twin = OfferFactory(merchant=offer.merchant, status=OfferStatus.INACTIVE)
    with pytest.raises(OfferOverlap):
        offer_update(offer=inactive_twin, status=OfferStatus.ACTIVE, actor=JOB)
    assert not AuditLogEntry.objects.exists()
