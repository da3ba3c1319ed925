"""The back-office's middleware is bypassed on /api/ and runs everywhere else."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from clicknback.middleware import outside_api


class Recording:
    """A middleware that records each of its hooks it runs."""

    calls: list[str] = []

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        Recording.calls.append("call")
        return self.get_response(request)

    def process_view(self, request, view, args, kwargs):
        Recording.calls.append("process_view")


@pytest.fixture
def site_recording():
    Recording.calls = []
    return outside_api(Recording)(lambda request: HttpResponse("ok"))


@pytest.mark.parametrize(
    ("path", "runs"),
    [("/api/v1/wallet", False), ("/api/schema", False), ("/admin/", True), ("/", True), ("/apiary", True)],
)
def test_runs_outside_api_paths_only(site_recording, path, runs):
    request = RequestFactory().get(path)
    assert site_recording(request).content == b"ok"
    site_recording.process_view(request, None, (), {})
    assert Recording.calls == (["call", "process_view"] if runs else [])


def test_stays_a_subclass_so_django_checks_find_the_middleware_they_need():
    assert issubclass(outside_api(Recording), Recording)


def test_an_api_request_carries_no_session_and_sets_no_cookie(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/api/v1/loyalty/tiers")
    assert response.status_code == 200
    assert not hasattr(response.wsgi_request, "session")
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_the_back_office_still_has_its_session(client, admin_user):
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert response.wsgi_request.user == admin_user
