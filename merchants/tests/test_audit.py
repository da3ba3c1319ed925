"""Every change to a merchant writes one audit row with the changed fields' before and after, in the
change's transaction: a refused or rolled-back change leaves none."""

from __future__ import annotations

import pytest
from django.db import transaction

from accounts.tests.factories import AdminFactory
from clicknback.actors import Actor
from clicknback.errors import MerchantNameTaken
from clicknback.models import AuditLogEntry
from clicknback.testing import the_audit_row
from merchants.services import merchant_create, merchant_update
from merchants.tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor() -> Actor:
    return Actor.for_user(AdminFactory(email="staff@example.com"))


def test_create_records_the_initial_values(actor):
    merchant = merchant_create(name=" Acme ", website="https://acme.example", confirmation_days=14, actor=actor)
    row = the_audit_row()
    assert (row.action, row.object_id, row.object_repr) == ("merchant.created", str(merchant.pk), "Acme")
    assert (row.actor_kind, row.actor_label) == ("admin", "staff@example.com")
    assert row.changes == {
        "name": [None, "Acme"],
        "website": [None, "https://acme.example"],
        "status": [None, "active"],
        "confirmation_days": [None, 14],
    }


def test_update_records_only_the_fields_that_changed(actor):
    merchant = MerchantFactory(name="Old", confirmation_days=30)
    merchant_update(merchant=merchant, name="New", confirmation_days=30, actor=actor)
    row = the_audit_row()
    assert (row.action, row.changes) == ("merchant.updated", {"name": ["Old", "New"]})


def test_an_update_that_changes_nothing_records_nothing(actor):
    merchant = MerchantFactory(name="Same")
    merchant_update(merchant=merchant, name="Same", actor=actor)
    assert not AuditLogEntry.objects.exists()


@pytest.mark.parametrize(
    ("before", "after", "action"),
    [("active", "inactive", "merchant.deactivated"), ("inactive", "active", "merchant.activated")],
)
def test_a_status_change_is_recorded_as_what_it_does(actor, before, after, action):
    merchant = MerchantFactory(status=before)
    merchant_update(merchant=merchant, status=after, actor=actor)
    row = the_audit_row()
    assert (row.action, row.changes) == (action, {"status": [before, after]})


def test_a_refused_change_records_nothing(actor):
    MerchantFactory(name="Taken")
    merchant = MerchantFactory(name="Free")
    with pytest.raises(MerchantNameTaken):
        merchant_update(merchant=merchant, name="TAKEN", actor=actor)
    assert not AuditLogEntry.objects.exists()


def test_a_rolled_back_change_takes_its_row_with_it(actor):
    with pytest.raises(RuntimeError), transaction.atomic():
        merchant_create(name="Acme", actor=actor)
        raise RuntimeError("the caller fails later in the same transaction")
    assert not AuditLogEntry.objects.exists()
