"""Partners in the admin: create and rotate show the secret once on its own page; deactivate reports
per row; nothing else ever displays the secret."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client

from accounts.authentication import signature_header
from accounts.models import Partner
from accounts.tests.factories import PartnerFactory
from tests.admin.conftest import changelist, messages_of

pytestmark = pytest.mark.django_db

PARTNERS = changelist("accounts_partner")


def test_create_shows_the_secret_once_on_an_uncached_page(as_superuser):
    response = as_superuser.post(f"{PARTNERS}add/", {"name": "  Awin  "}, follow=False)
    partner = Partner.objects.get(name="Awin")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    html = response.content.decode()
    assert partner.secret in html and partner.key in html
    for page in (PARTNERS, f"{PARTNERS}{partner.pk}/change/"):
        assert partner.secret not in as_superuser.get(page).content.decode()
    assert partner.key in as_superuser.get(f"{PARTNERS}{partner.pk}/change/").content.decode()
    # Nothing kept it for a later page either (no message, no session).
    assert partner.secret not in as_superuser.get(PARTNERS).content.decode()


def test_rotate_shows_the_new_secret_once_and_the_old_one_stops_working(as_superuser, client: Client):
    partner = PartnerFactory()
    old = partner.secret
    response = as_superuser.action(PARTNERS, "rotate_secret", [partner])
    partner.refresh_from_db()
    assert partner.secret != old and partner.secret in response.content.decode()
    body = b"{}"
    refused = client.post(
        "/api/v1/webhooks/purchases",
        data=body,
        content_type="application/json",
        HTTP_X_PARTNER_KEY=partner.key,
        HTTP_X_SIGNATURE=signature_header(old, body),
    )
    assert refused.status_code == 401


def test_deactivate_reports_each_partner(as_superuser):
    active, inactive = PartnerFactory(name="A active"), PartnerFactory(name="B inactive", active=False)
    response = as_superuser.action(PARTNERS, "deactivate", [active, inactive])
    assert messages_of(response) == [
        ("success", "Partner A active: deactivated"),
        ("info", "Partner B inactive: already inactive"),
    ]
    active.refresh_from_db()
    assert active.active is False


def test_active_is_not_an_editable_checkbox(as_superuser):
    partner = PartnerFactory()
    html = as_superuser.get(f"{PARTNERS}{partner.pk}/change/").content.decode()
    assert 'name="active"' not in html and 'name="name"' in html


def test_support_can_look_but_not_create_rotate_or_deactivate(as_support):
    partner = PartnerFactory()
    page = as_support.get(PARTNERS)
    assert page.status_code == 200 and b"rotate_secret" not in page.content
    assert as_support.get(f"{PARTNERS}add/").status_code == 403
    as_support.post(PARTNERS, {"action": "rotate_secret", "_selected_action": [str(partner.pk)]})
    assert Partner.objects.get(pk=partner.pk).secret == partner.secret


def test_partner_list_query_count_is_fixed(as_superuser, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    PartnerFactory()
    as_superuser.get(PARTNERS)
    with CaptureQueriesContext(connection) as few:
        as_superuser.get(PARTNERS)
    PartnerFactory.create_batch(10)
    with django_assert_num_queries(len(few.captured_queries)):
        as_superuser.get(PARTNERS)


def test_two_admins_creating_partners_at_once_each_see_only_their_own_secret(superuser, rf):
    """One PartnerAdmin serves every request (threads included): the new secret travels with the
    request that created it, never on the shared instance."""
    partner_admin = admin.site._registry[Partner]
    first, second = rf.post(f"{PARTNERS}add/"), rf.post(f"{PARTNERS}add/")
    first.user = second.user = superuser
    awin, cj = Partner(name="Awin"), Partner(name="CJ")

    partner_admin.save_model(first, awin, form=None, change=False)
    partner_admin.save_model(second, cj, form=None, change=False)
    shown_first = partner_admin.response_add(first, awin).context_data["issued"]
    shown_second = partner_admin.response_add(second, cj).context_data["issued"]

    awin.refresh_from_db()
    cj.refresh_from_db()
    assert shown_first == [(awin, awin.secret)]
    assert shown_second == [(cj, cj.secret)]
    assert awin.secret not in vars(partner_admin).values()
