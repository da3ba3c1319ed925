"""Registration and the back-office login are throttled like the API login."""

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD
from clicknback.testing import error_code

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
ADMIN_LOGIN = "/admin/login/"


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.RATELIMIT_ENABLE = True
    # Hour-long windows: a test never straddles two.
    settings.REGISTER_RATE_LIMIT = "3/h"
    settings.ADMIN_LOGIN_RATE_LIMIT = "3/h"


def _register(api_client, email: str, address: str):
    body = {"email": email, "password": "sturdy-Walrus-4821"}
    return api_client.post(REGISTER, body, format="json", REMOTE_ADDR=address)


def test_registration_is_limited_per_client_ip(api_client):
    for n in range(3):
        assert _register(api_client, f"new{n}@example.com", "203.0.113.7").status_code == 201

    refused = _register(api_client, "late@example.com", "203.0.113.7")

    assert refused.status_code == 429
    assert error_code(refused) == "RATE_LIMITED"
    assert int(refused["Retry-After"]) >= 1
    assert not User.objects.filter(email="late@example.com").exists()
    assert _register(api_client, "late@example.com", "203.0.113.8").status_code == 201


def _admin_login(username: str, password: str, address: str):
    client = Client(REMOTE_ADDR=address)
    response = client.post(ADMIN_LOGIN, {"username": username, "password": password, "next": "/admin/"})
    return client, response


def _assert_throttled(client: Client, response) -> None:
    assert response.status_code == 429
    assert "Too many login attempts" in response.content.decode()
    assert client.get("/admin/").status_code == 302  # still not signed in


def test_admin_login_is_limited_per_client_ip_even_with_the_right_password(admin_user):
    for n in range(3):
        _, wrong = _admin_login(f"guess{n}@example.com", "wrong-password-1", "203.0.113.7")
        assert wrong.status_code == 200

    _assert_throttled(*_admin_login(admin_user.email, DEFAULT_PASSWORD, "203.0.113.7"))
    client, elsewhere = _admin_login(admin_user.email, DEFAULT_PASSWORD, "203.0.113.8")
    assert elsewhere.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_admin_login_is_limited_per_username_across_addresses(admin_user):
    for n in range(3):
        _admin_login(admin_user.email, "wrong-password-1", f"198.51.100.{n}")

    _assert_throttled(*_admin_login(admin_user.email.upper(), DEFAULT_PASSWORD, "198.51.100.99"))
    _, other = _admin_login("someone-else@example.com", "wrong-password-1", "198.51.100.99")
    assert other.status_code == 200


def test_showing_the_admin_login_form_is_not_counted():
    client = Client(REMOTE_ADDR="203.0.113.9")
    assert [client.get(ADMIN_LOGIN).status_code for _ in range(5)] == [200] * 5
