"""The site's own 404 and 500 pages; the API (and the admin) keep the JSON envelope."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_an_unknown_site_path_is_the_friendly_404(site):
    response = site.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert b"We could not find that page" in response.content


@pytest.mark.parametrize("path", ["/api/v1/no-such-thing", "/api/nothing", "/api", "/admin/no/such/page/"])
def test_api_and_admin_404s_keep_the_envelope(admin_user, path):
    client = Client()
    client.force_login(admin_user)
    response = client.get(path)
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "NOT_FOUND", "message": "Not found.", "details": {}}}


def test_an_unknown_api_id_keeps_the_envelope(user_client):
    response = user_client.get("/api/v1/payouts/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404 and response.json()["error"]["code"] == "NOT_FOUND"


@pytest.mark.urls("web.tests.crash_urls")
def test_a_crash_is_the_sites_500_page_on_the_site_and_the_envelope_on_the_api():
    client = Client(raise_request_exception=False)
    page = client.get("/boom/")
    assert page.status_code == 500 and page["Content-Type"].startswith("text/html")
    assert b"Something went wrong on our side" in page.content
    api = client.get("/api/v1/boom")
    assert api.status_code == 500 and api.json()["error"]["code"] == "INTERNAL_ERROR"


def test_the_admin_keeps_djangos_own_csrf_page(admin_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)
    response = client.post("/admin/merchants/merchant/add/", {"name": "X"})
    assert response.status_code == 403 and b"CSRF verification failed" in response.content


def test_the_navigation_marks_the_page_being_shown(member):
    html = member.get("/cashback/").content.decode()
    assert '<a href="/cashback/" aria-current="page">My cashback</a>' in html
    assert '<a href="/withdraw/">Withdraw</a>' in html
