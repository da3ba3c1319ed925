"""The audit trail in the back-office: staff changes made on admin screens (forms and bulk actions)
each write one row naming the staff member; the rows are listed, filtered and searched read-only, and
each audited object's page shows its own."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import urlencode

from accounts.models import Partner, User
from accounts.services import group_permissions_set, partner_create, user_groups_set
from accounts.tests.factories import PartnerFactory, UserFactory
from backoffice.groups import FINANCE, SUPPORT
from clicknback.actors import Actor
from clicknback.models import AuditLogEntry
from clicknback.testing import the_audit_row
from merchants.services import merchant_create, merchant_update
from merchants.tests.factories import MerchantFactory
from offers.models import Offer
from offers.services import offer_update
from offers.tests.factories import OfferFactory
from tests.admin.conftest import changelist

pytestmark = pytest.mark.django_db

AUDIT = changelist("clicknback_auditlogentry")
MERCHANTS = changelist("merchants_merchant")
OFFERS = changelist("offers_offer")
PARTNERS = changelist("accounts_partner")
USERS = changelist("accounts_user")
GROUPS = changelist("auth_group")
NO_INLINE_OFFERS = {"offers-TOTAL_FORMS": "0", "offers-INITIAL_FORMS": "0"}
JOB = Actor.job("test")


def rows() -> list[tuple[str, str, str]]:
    return list(AuditLogEntry.objects.order_by("id").values_list("action", "object_repr", "actor_label"))


def test_bulk_merchant_deactivation_writes_one_row_per_merchant(as_superuser, superuser):
    merchants = [MerchantFactory(name="A"), MerchantFactory(name="B"), MerchantFactory(name="C", status="inactive")]
    as_superuser.action(MERCHANTS, "deactivate", merchants)
    assert rows() == [
        ("merchant.deactivated", "A", superuser.email),
        ("merchant.deactivated", "B", superuser.email),
    ]


def test_merchant_change_form_writes_one_row(as_superuser, superuser):
    merchant = MerchantFactory(name="Old", website="", confirmation_days=30)
    form = {"name": "New", "website": "", "status": "active", "confirmation_days": "30", **NO_INLINE_OFFERS}
    assert as_superuser.post(f"{MERCHANTS}{merchant.pk}/change/", form, follow=False).status_code == 302
    row = the_audit_row()
    assert (row.action, row.actor_user, row.changes) == ("merchant.updated", superuser, {"name": ["Old", "New"]})


def test_bulk_offer_deactivation_writes_one_row(as_superuser):
    offer = OfferFactory()
    as_superuser.action(OFFERS, "deactivate", [offer])
    assert the_audit_row().changes == {"status": ["active", "inactive"]}


def test_partner_creation_and_rotation_in_the_admin_write_rows(as_superuser, superuser):
    as_superuser.post(f"{PARTNERS}add/", {"name": "Awin"}, follow=False)
    partner = Partner.objects.get(name="Awin")
    as_superuser.action(PARTNERS, "rotate_secret", [partner])
    assert rows() == [("partner.created", "Awin", superuser.email), ("partner.secret_rotated", "Awin", superuser.email)]


def test_renaming_a_partner_in_the_admin_writes_one_row(as_superuser, superuser):
    partner = partner_create(name="Awin", actor=JOB)
    assert as_superuser.post(f"{PARTNERS}{partner.pk}/change/", {"name": "Awin UK"}, follow=False).status_code == 302
    row = AuditLogEntry.objects.filter(action="partner.renamed").get()
    assert (row.actor_user, row.changes) == (superuser, {"name": ["Awin", "Awin UK"]})
    partner.refresh_from_db()
    assert partner.name == "Awin UK"


def test_user_form_group_changes_write_one_row(as_superuser, superuser):
    user = UserFactory(is_staff=True, email="clerk@example.com")
    support, finance = Group.objects.get(name=SUPPORT), Group.objects.get(name=FINANCE)
    form = {"email": user.email, "is_active": "on", "is_staff": "on", "groups": [support.pk, finance.pk]}
    response = as_superuser.post(f"{USERS}{user.pk}/change/", form, follow=False)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = the_audit_row()
    assert (row.action, row.object_repr, row.actor_user) == ("user.groups_changed", "clerk@example.com", superuser)
    assert row.changes == {"groups": [[], [FINANCE, SUPPORT]]}
    assert set(user.groups.all()) == {support, finance}


def test_user_form_without_group_changes_writes_no_row(as_superuser):
    user = UserFactory(is_staff=True)
    form = {"email": user.email, "is_active": "on", "is_staff": "on"}
    assert as_superuser.post(f"{USERS}{user.pk}/change/", form, follow=False).status_code == 302
    assert not AuditLogEntry.objects.exists()


def test_group_form_permission_changes_write_one_row(as_superuser):
    group = Group.objects.get(name=FINANCE)
    before = set(group.permissions.all())
    added = Permission.objects.get(codename="change_merchant")
    form = {"name": FINANCE, "permissions": [p.pk for p in (*before, added)]}
    response = as_superuser.post(f"{GROUPS}{group.pk}/change/", form, follow=False)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row = the_audit_row()
    assert row.action == "group.permissions_changed"
    before_names, after_names = row.changes["permissions"]
    assert set(after_names) - set(before_names) == {"merchants.change_merchant"}
    assert added in group.permissions.all()


def _audited_objects() -> dict[str, tuple[str, object]]:
    """One object of each audited kind, each changed once through its service."""
    merchant = merchant_create(name="Acme", actor=JOB)
    offer = OfferFactory(merchant=MerchantFactory(name="Offers Inc"))
    offer_update(offer=offer, monthly_cap_per_user=Decimal("9.00"), actor=JOB)
    partner = partner_create(name="Awin", actor=JOB)
    user = UserFactory(email="clerk@example.com")
    user_groups_set(user=user, groups=Group.objects.filter(name=SUPPORT), actor=JOB)
    group = Group.objects.create(name="auditors")
    group_permissions_set(group=group, permissions=Permission.objects.filter(codename="view_merchant"), actor=JOB)
    return {
        "merchant": (MERCHANTS, merchant, "Merchant created"),
        "offer": (OFFERS, offer, "Offer updated"),
        "partner": (PARTNERS, partner, "Partner created"),
        "user": (USERS, user, "User&#x27;s staff groups changed"),
        "group": (GROUPS, group, "Staff group&#x27;s permissions changed"),
    }


@pytest.mark.parametrize("kind", ["merchant", "offer", "partner", "user", "group"])
def test_each_audited_object_page_shows_its_own_rows(as_superuser, kind):
    objects = _audited_objects()
    page, obj, label = objects[kind]
    html = as_superuser.get(f"{page}{obj.pk}/change/").content.decode()
    assert 'id="audit-trail"' in html and label in html
    others = {other_label for other_kind, (_, _, other_label) in objects.items() if other_kind != kind}
    assert not [other for other in others if other in html]


def test_support_sees_the_panel_and_the_list(as_support):
    _audited_objects()
    offer = Offer.objects.get()
    html = as_support.get(f"{OFFERS}{offer.pk}/change/").content.decode()
    assert "monthly_cap_per_user: — &rarr; 9.00" in html
    assert "Offer updated" in as_support.get(AUDIT).content.decode()


def test_list_filters_by_action_and_object_type_and_searches(as_support):
    _audited_objects()

    def listed(**query: object) -> list[AuditLogEntry]:
        return list(as_support.get(f"{AUDIT}?{urlencode(query)}").context["cl"].result_list)

    assert [row.object_repr for row in listed(action__exact="partner.created")] == ["Awin"]
    user_type = AuditLogEntry.objects.get(action="user.groups_changed").content_type_id
    assert [row.action for row in listed(content_type__id__exact=user_type)] == ["user.groups_changed"]
    assert [row.action for row in listed(q="acme")] == ["merchant.created"]


def test_the_panel_links_to_the_objects_full_trail(as_superuser):
    merchant = MerchantFactory(name="Acme")
    for days in (10, 20):
        merchant_update(merchant=merchant, confirmation_days=days, actor=JOB)
    html = as_superuser.get(f"{MERCHANTS}{merchant.pk}/change/").content.decode()
    link = html.split('id="audit-trail"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
    assert [row.changes for row in as_superuser.get(link).context["cl"].result_list] == [
        {"confirmation_days": [10, 20]},
        {"confirmation_days": [30, 10]},
    ]


def test_entries_cannot_be_added_changed_or_deleted_even_by_a_superuser(as_superuser):
    merchant_create(name="Acme", actor=JOB)
    row = AuditLogEntry.objects.get()
    assert as_superuser.get(f"{AUDIT}add/").status_code == 403
    assert as_superuser.get(f"{AUDIT}{row.pk}/delete/").status_code == 403
    detail = as_superuser.get(f"{AUDIT}{row.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert b"Acme" in detail.content
    assert b'name="action"' not in as_superuser.get(AUDIT).content


def test_the_list_costs_the_same_queries_for_any_number_of_rows(as_support):
    merchant_create(name="First", actor=JOB)
    as_support.get(AUDIT)
    with CaptureQueriesContext(connection) as few:
        as_support.get(AUDIT)
    for n in range(10):
        merchant_create(name=f"Merchant {n}", actor=Actor.for_user(User.objects.get(email="support@example.com")))
        PartnerFactory()
    with CaptureQueriesContext(connection) as many:
        assert as_support.get(AUDIT).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
