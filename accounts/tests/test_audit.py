"""Partners and staff groups in the audit trail: one row per change, a rotated secret recorded as
rotated (never its value), group membership and permissions as sorted before/after lists."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import transaction

from accounts.services import (
    group_permissions_set,
    partner_create,
    partner_deactivate,
    partner_rename,
    partner_rotate_secret,
    user_groups_set,
)
from accounts.tests.factories import AdminFactory, PartnerFactory, UserFactory
from clicknback.actors import Actor
from clicknback.models import AuditLogEntry
from clicknback.testing import the_audit_row

pytestmark = pytest.mark.django_db


# Any two groups: accounts knows nothing of the back-office's own.
FINANCE, SUPPORT = "auditors-a", "auditors-b"


@pytest.fixture
def actor() -> Actor:
    return Actor.for_user(AdminFactory())


def test_partner_create_records_name_and_key_but_not_the_secret(actor):
    partner = partner_create(name="Awin", actor=actor)
    row = the_audit_row()
    assert (row.action, row.object_id) == ("partner.created", str(partner.pk))
    assert row.changes == {"name": [None, "Awin"], "key": [None, partner.key], "active": [None, True]}
    assert partner.secret not in json.dumps(row.changes)


def test_rotation_is_recorded_without_either_secret(actor):
    partner = PartnerFactory()
    old = partner.secret
    new = partner_rotate_secret(partner=partner, actor=actor)
    row = the_audit_row()
    assert (row.action, row.changes) == ("partner.secret_rotated", {})
    stored = json.dumps([row.changes, row.object_repr, row.actor_label])
    assert old not in stored and new not in stored


def test_deactivation_is_recorded_once(actor):
    partner = PartnerFactory()
    partner_deactivate(partner=partner, actor=actor)
    partner_deactivate(partner=partner, actor=actor)
    row = the_audit_row()
    assert (row.action, row.changes) == ("partner.deactivated", {"active": [True, False]})


def test_a_rolled_back_partner_creation_leaves_no_row(actor):
    with pytest.raises(RuntimeError), transaction.atomic():
        partner_create(name="Awin", actor=actor)
        raise RuntimeError("the caller fails later in the same transaction")
    assert not AuditLogEntry.objects.exists()


def test_rename_is_recorded_only_when_the_name_changes(actor):
    partner = partner_create(name="Awin", actor=actor)
    assert partner_rename(partner=partner, name=" Awin ", actor=actor) is False
    assert partner_rename(partner=partner, name="Awin UK", actor=actor) is True
    renamed = AuditLogEntry.objects.filter(action="partner.renamed").get()
    assert renamed.changes == {"name": ["Awin", "Awin UK"]}
    partner.refresh_from_db()
    assert partner.name == "Awin UK"


def test_group_membership_changes_are_recorded(actor):
    Group.objects.bulk_create([Group(name=FINANCE), Group(name=SUPPORT)])
    user = UserFactory(is_staff=True)
    user_groups_set(user=user, groups=Group.objects.filter(name__in=[SUPPORT, FINANCE]), actor=actor)
    assert the_audit_row().changes == {"groups": [[], [FINANCE, SUPPORT]]}

    assert user_groups_set(user=user, groups=Group.objects.filter(name__in=[FINANCE, SUPPORT]), actor=actor) is False
    user_groups_set(user=user, groups=Group.objects.filter(name=SUPPORT), actor=actor)
    latest = AuditLogEntry.objects.first()
    assert AuditLogEntry.objects.count() == 2
    assert (latest.action, latest.object_id) == ("user.groups_changed", str(user.pk))
    assert latest.changes == {"groups": [[FINANCE, SUPPORT], [SUPPORT]]}
    assert set(user.groups.values_list("name", flat=True)) == {SUPPORT}


def test_group_permission_changes_are_recorded(actor):
    group = Group.objects.create(name="auditors")
    view_merchant = Permission.objects.get(codename="view_merchant")
    group_permissions_set(group=group, permissions=[view_merchant], actor=actor)
    assert group_permissions_set(group=group, permissions=[view_merchant], actor=actor) is False
    row = the_audit_row()
    assert (row.action, row.object_repr) == ("group.permissions_changed", "auditors")
    assert row.changes == {"permissions": [[], ["merchants.view_merchant"]]}
