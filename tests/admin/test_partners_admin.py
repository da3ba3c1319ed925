"""Partners in the admin: create and rotate show the secret once on its own page; deactivate reports
per row; nothing else ever displays the secret."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.authentication import signature_header
from accounts.models import Partner, PartnerWebhookDay
from accounts.tests.factories import PartnerFactory
from clicknback.admin_format import when
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


def _health(partner, outcome: str, count: int, *, code: str = "", days_ago: int = 0) -> PartnerWebhookDay:
    now = timezone.now() - timedelta(days=days_ago)
    return PartnerWebhookDay.objects.create(
        partner=partner, day=now.date(), outcome=outcome, code=code, count=count, last_at=now
    )


def _cells(html: str, partner: Partner) -> list[str]:
    """The text of the cells of the partner's row in the changelist."""
    row = next(r for r in re.findall(r"<tr>.*?</tr>", html, re.S) if partner.name in r)
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]


def test_partner_list_shows_todays_health_by_outcome(as_superuser):
    quiet, busy = PartnerFactory(name="Quiet network"), PartnerFactory(name="Busy network")
    _health(busy, "created", 40, days_ago=3)  # not today: not in today's counts
    _health(busy, "created", 12)
    _health(busy, "duplicate", 2)
    _health(busy, "rejected", 3, code="USER_NOT_ELIGIBLE")
    last = _health(busy, "rejected", 1, code="VALIDATION_ERROR")
    _health(busy, "signature_failure", 7, code="wrong_signature")  # not a webhook received from it
    html = as_superuser.get(PARTNERS).content.decode()

    assert "webhooks received today (UTC)" in html
    for header in ("Last webhook", "Created", "Duplicates", "Rejected", "Bad signatures"):
        assert f">{header}<" in html
    assert _cells(html, busy)[-5:] == [when(last.last_at), "12", "2", "4", "7"]
    assert _cells(html, quiet)[-5:] == ["—", "0", "0", "0", "0"]


def test_partner_page_shows_the_last_seven_days_with_codes(as_superuser):
    partner = PartnerFactory()
    _health(partner, "created", 5)
    _health(partner, "rejected", 3, code="OFFER_NOT_AVAILABLE")
    _health(partner, "signature_failure", 9, code="stale_timestamp", days_ago=2)
    _health(partner, "created", 99, days_ago=7)  # outside the window
    html = as_superuser.get(f"{PARTNERS}{partner.pk}/change/").content.decode()

    panel = html[html.index('id="partner-health"') :]
    panel = panel[: panel.index("</fieldset>")]
    assert panel.count("<tr>") == 1 + 7  # the header, seven days
    assert "OFFER_NOT_AVAILABLE: 3" in panel and "stale_timestamp: 9" in panel
    assert "99" not in panel


def test_partner_list_query_count_does_not_grow_with_health_rows(as_superuser, django_assert_num_queries):
    _health(PartnerFactory(), "created", 1)
    as_superuser.get(PARTNERS)
    with CaptureQueriesContext(connection) as few:
        as_superuser.get(PARTNERS)
    for partner in PartnerFactory.create_batch(10):
        for outcome in ("created", "duplicate", "rejected", "signature_failure"):
            _health(partner, outcome, 3)
            _health(partner, outcome, 3, days_ago=1)
    with django_assert_num_queries(len(few.captured_queries)):
        as_superuser.get(PARTNERS)
