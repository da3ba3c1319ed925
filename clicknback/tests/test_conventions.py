"""Request ids, trailing slashes and pagination: conventions every endpoint shares."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from clicknback.pagination import LimitOffsetPagination
from clicknback.testing import error_code

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("incoming", ["abc-123", "req.1:2_3", "a" * 128, "0f8fad5b-d9cb-469f-a165-70867728950e"])
def test_a_safe_request_id_is_echoed(api_client, incoming):
    assert api_client.get("/health/live", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"] == incoming


@pytest.mark.parametrize("incoming", ["", "a" * 129, "has space", "<script>", "semi;colon", "ünïcode", "new\\nline"])
def test_an_unsafe_request_id_is_replaced(api_client, incoming):
    echoed = api_client.get("/health/live", HTTP_X_REQUEST_ID=incoming)["X-Request-ID"]
    assert echoed != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", echoed)


def test_request_ids_are_generated_per_request_and_on_errors(api_client):
    first = api_client.get("/health/live")["X-Request-ID"]
    not_found = api_client.get("/api/no-such-path")  # other paths are the member site's (HTML)
    assert not_found["X-Request-ID"] and not_found["X-Request-ID"] != first
    assert error_code(not_found) == "NOT_FOUND"


def _routes(patterns, prefix: str = "") -> list[str]:
    routes: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver) and pattern.namespace == "web":
            continue  # the member site's pages: not API routes
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and isinstance(pattern.pattern, RoutePattern):
            routes.append(prefix + str(pattern.pattern))  # not the regex catch-all: every other /api/ path is a 404
    return routes


def test_every_api_route_exists_with_and_without_a_trailing_slash():
    routes = {route for route in _routes(get_resolver().url_patterns) if not route.startswith("admin")}
    assert "api/v1/auth/login" in routes
    missing = sorted(
        f"{route.rstrip('/')}/ or {route.rstrip('/')}"
        for route in routes
        if route.rstrip("/") not in routes or route.rstrip("/") + "/" not in routes
    )
    assert missing == []


def test_the_back_office_address_without_its_slash_leads_to_the_admin(client):
    response = client.get("/admin")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/health/live"),
        ("get", "/health/ready"),
        ("get", "/api/schema"),
        ("get", "/api/docs"),
        ("get", "/api/v1/me"),
        ("get", "/api/v1/partners"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/register"),
        ("post", "/api/v1/auth/refresh"),
        ("post", "/api/v1/auth/logout"),
    ],
)
def test_both_spellings_answer_the_same_without_redirect(admin_client, method, path):
    bare = getattr(admin_client, method)(path, {}, format="json") if method == "post" else admin_client.get(path)
    slashed = (
        getattr(admin_client, method)(path + "/", {}, format="json")
        if method == "post"
        else admin_client.get(path + "/")
    )
    assert bare.status_code == slashed.status_code
    assert bare.status_code not in (301, 302, 307, 308, 404)


def _paginate(query: str) -> list[int]:
    request = Request(APIRequestFactory().get(f"/items{query}"))
    return LimitOffsetPagination().paginate_queryset(list(range(250)), request)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", list(range(20))),
        ("?limit=5&offset=10", list(range(10, 15))),
        ("?limit=1000", list(range(100))),
        ("?limit=100&offset=200", list(range(200, 250))),
        ("?limit=abc", list(range(20))),
        ("?limit=-3", list(range(20))),
        ("?offset=-5", list(range(20))),
    ],
)
def test_pagination_defaults_to_20_and_clamps_to_100(query, expected):
    assert _paginate(query) == expected
