"""`seed_demo`'s member signs in to a site full of history."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_USER
from web.tests.conftest import SiteClient

pytestmark = pytest.mark.django_db


def test_the_demo_member_signs_in_to_a_site_full_of_history():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "http://127.0.0.1:8000/signin/" in out.getvalue()
    site = SiteClient()
    email, password = DEMO_USER
    assert site.post("/signin/", {"email": email, "password": password})["Location"] == "/"
    shops = site.get("/")
    assert shops.context["categories"] == ["Books", "Electronics", "Fashion", "Groceries"]
    assert any(row["offer"] for row in shops.context["rows"])
    cashback = site.get("/cashback/")
    assert cashback.context["history"] and list(cashback.context["purchases"])
    assert list(site.get("/claims/").context["claims"])
    assert list(site.get("/withdraw/").context["payouts"])
    for path in ("/rewards/", "/notifications/", "/clicks/", "/account/"):
        assert site.get(path).status_code == 200, path
    call_command("seed_demo", stdout=StringIO())  # still idempotent
