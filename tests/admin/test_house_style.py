"""The back-office's house style: its name, what it hides, its words, its figures."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.sessions.models import Session
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from tests.admin.conftest import changelist


def test_the_site_is_named_and_view_site_opens_the_api_docs(as_superuser):
    html = as_superuser.get("/admin/").content.decode()
    assert "ClickNBack back-office" in html and "Django site admin" not in html
    assert 'href="/api/docs"' in html


def test_framework_tables_staff_never_need_are_not_in_the_admin():
    for model in (OutstandingToken, BlacklistedToken, Session):
        assert not admin.site.is_registered(model)


def test_plural_names_read_right(as_superuser):
    assert "Wallet entries" in as_superuser.get("/admin/").content.decode()


def test_an_empty_queue_says_there_is_nothing_to_review(as_superuser):
    for queue in ("backoffice_flaggedpurchase", "backoffice_requestedpayout"):
        html = as_superuser.get(changelist(queue)).content.decode()
        assert "Nothing to review." in html and "0 fraud review queue" not in html and "0 payout queue" not in html


def test_lists_show_money_in_the_house_style(as_support, ingest, make_payout, user):
    ingest("1500.00")
    make_payout(user, "1234.50")
    assert "€1,500.00" in as_support.get(changelist("backoffice_flaggedpurchase")).content.decode()
    assert "€1,234.50" in as_support.get(changelist("payouts_payout")).content.decode()


def test_percent_offers_and_fixed_ones_look_different(as_superuser, merchant):
    html = as_superuser.get(changelist("offers_offer")).content.decode()
    assert "10.00 %" in html
