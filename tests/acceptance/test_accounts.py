"""Accounts and authentication."""

from __future__ import annotations

import jwt
import pytest
from django.conf import settings
from django.test import override_settings
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.acceptance.conftest import API, code, fields

pytestmark = pytest.mark.django_db

PASSWORD = "sturdy-Walrus-4821"


def register(client: APIClient, email: str = "new@example.com", password: str = PASSWORD):
    return client.post(f"{API}/auth/register", {"email": email, "password": password}, format="json")


def login(client: APIClient, email: str, password: str = PASSWORD):
    return client.post(f"{API}/auth/login", {"email": email, "password": password}, format="json")


def bearer(access: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client


def test_register_answers_201_with_id_email_role_user_created_at(api_client):
    response = register(api_client)
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "role", "created_at"}
    assert body["email"] == "new@example.com" and body["role"] == "user"


def test_a_taken_email_in_any_case_is_409_email_already_registered(api_client):
    register(api_client, "jane@example.com")
    response = register(api_client, "JANE@Example.com")
    assert response.status_code == 409
    assert code(response) == "EMAIL_ALREADY_REGISTERED"


@pytest.mark.parametrize("weak", ["short1", "password123", "12345678901", "jane.doe.example"])
def test_a_weak_password_is_400_on_password(api_client, weak):
    response = api_client.post(
        f"{API}/auth/register", {"email": "jane.doe@example.com", "password": weak}, format="json"
    )
    assert response.status_code == 400
    assert "password" in fields(response)


def test_passwords_are_stored_with_argon2(api_client):
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"]):
        register(api_client, "argon@example.com")
    from accounts.models import User

    assert User.objects.get(email="argon@example.com").password.startswith("argon2")


def test_login_answers_access_refresh_bearer_and_expires_in(api_client):
    register(api_client)
    response = login(api_client, "NEW@example.com")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 15 * 60


def test_access_token_claims_and_lifetimes(api_client):
    register(api_client)
    body = login(api_client, "new@example.com").json()
    key = settings.SIMPLE_JWT["SIGNING_KEY"]
    access = jwt.decode(body["access"], key, algorithms=["HS256"])
    refresh = jwt.decode(body["refresh"], key, algorithms=["HS256"])
    assert {"user_id", "role", "exp", "iat", "jti"} <= set(access)
    assert access["role"] == "user"
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 7 * 24 * 3600


def test_unknown_email_wrong_password_and_inactive_account_are_401_invalid_credentials(api_client):
    register(api_client, "jane@example.com")
    UserFactory(email="gone@example.com", is_active=False)
    for email, password in (
        ("nobody@example.com", PASSWORD),
        ("jane@example.com", "wrong-password-1"),
        ("gone@example.com", DEFAULT_PASSWORD),
    ):
        response = login(api_client, email, password)
        assert response.status_code == 401
        assert code(response) == "INVALID_CREDENTIALS"


def test_refresh_answers_the_same_shape_and_revokes_the_old_refresh_token(api_client):
    register(api_client)
    first = login(api_client, "new@example.com").json()
    response = api_client.post(f"{API}/auth/refresh", {"refresh": first["refresh"]}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer" and body["refresh"] != first["refresh"]
    again = api_client.post(f"{API}/auth/refresh", {"refresh": first["refresh"]}, format="json")
    assert again.status_code == 401 and code(again) == "TOKEN_INVALID"
    assert bearer(body["access"]).get(f"{API}/me").status_code == 200


def test_logout_answers_204_and_revokes_that_refresh_token(api_client):
    register(api_client)
    pair = login(api_client, "new@example.com").json()
    response = api_client.post(f"{API}/auth/logout", {"refresh": pair["refresh"]}, format="json")
    assert response.status_code == 204
    again = api_client.post(f"{API}/auth/refresh", {"refresh": pair["refresh"]}, format="json")
    assert again.status_code == 401 and code(again) == "TOKEN_INVALID"


def test_an_access_token_is_not_a_refresh_token(api_client):
    register(api_client)
    pair = login(api_client, "new@example.com").json()
    response = api_client.post(f"{API}/auth/refresh", {"refresh": pair["access"]}, format="json")
    assert response.status_code == 401 and code(response) == "TOKEN_INVALID"


def test_me_answers_id_email_role_created_at_for_users_and_admins(user_client, admin_client, user):
    body = user_client.get(f"{API}/me").json()
    assert set(body) == {"id", "email", "role", "created_at"}
    assert body["id"] == str(user.id) and body["role"] == "user"
    assert admin_client.get(f"{API}/me").json()["role"] == "admin"


def test_no_token_is_401_not_authenticated(api_client):
    response = api_client.get(f"{API}/me")
    assert response.status_code == 401 and code(response) == "NOT_AUTHENTICATED"


def test_a_bad_or_wrong_type_bearer_token_is_401_token_invalid(api_client):
    register(api_client)
    pair = login(api_client, "new@example.com").json()
    for token in ("garbage", pair["refresh"]):
        response = bearer(token).get(f"{API}/me")
        assert response.status_code == 401 and code(response) == "TOKEN_INVALID"


@override_settings(LOGIN_RATE_LIMIT="3/m")
def test_login_is_rate_limited_with_429_and_retry_after(api_client):
    for _ in range(3):
        login(api_client, "nobody@example.com")
    response = login(api_client, "nobody@example.com")
    assert response.status_code == 429
    assert code(response) == "RATE_LIMITED"
    assert int(response["Retry-After"]) > 0


@override_settings(LOGIN_RATE_LIMIT="2/m")
def test_login_is_limited_per_email_across_addresses_and_per_address_across_emails(api_client):
    for address in ("10.0.0.1", "10.0.0.2"):
        api_client.post(
            f"{API}/auth/login", {"email": "a@example.com", "password": "x"}, format="json", REMOTE_ADDR=address
        )
    response = api_client.post(
        f"{API}/auth/login", {"email": "a@example.com", "password": "x"}, format="json", REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 429
    for email in ("b@example.com", "c@example.com"):
        api_client.post(f"{API}/auth/login", {"email": email, "password": "x"}, format="json", REMOTE_ADDR="10.0.0.9")
    response = api_client.post(
        f"{API}/auth/login", {"email": "d@example.com", "password": "x"}, format="json", REMOTE_ADDR="10.0.0.9"
    )
    assert response.status_code == 429


def test_an_admin_is_made_with_createsuperuser(monkeypatch, api_client):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", PASSWORD)
    call_command("createsuperuser", "--noinput", "--email", "boss@example.com", verbosity=0)
    access = login(api_client, "boss@example.com").json()["access"]
    assert bearer(access).get(f"{API}/me").json()["role"] == "admin"


NEW_PASSWORD = "a-Brand-new-passphrase-7"


def test_password_change_answers_204_and_voids_every_earlier_token(api_client):
    register(api_client)
    pair = login(api_client, "new@example.com").json()
    response = bearer(pair["access"]).post(
        f"{API}/auth/password/change", {"old_password": PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 204
    me = bearer(pair["access"]).get(f"{API}/me")
    assert me.status_code == 401 and code(me) == "TOKEN_INVALID"
    refresh = api_client.post(f"{API}/auth/refresh", {"refresh": pair["refresh"]}, format="json")
    assert refresh.status_code == 401 and code(refresh) == "TOKEN_INVALID"
    assert login(api_client, "new@example.com", NEW_PASSWORD).status_code == 200


def test_password_reset_is_202_always_and_mails_a_one_time_link(api_client):
    import re

    from django.core import mail

    register(api_client)
    assert (
        api_client.post(f"{API}/auth/password/reset", {"email": "nobody@example.com"}, format="json").status_code == 202
    )
    assert mail.outbox == []
    assert api_client.post(f"{API}/auth/password/reset", {"email": "NEW@example.com"}, format="json").status_code == 202
    [message] = mail.outbox
    uid, token = re.search(r"uid=([\w-]+)&token=([\w-]+)", message.body).groups()
    confirm = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}

    assert api_client.post(f"{API}/auth/password/reset/confirm", confirm, format="json").status_code == 204
    assert login(api_client, "new@example.com", NEW_PASSWORD).status_code == 200
    again = api_client.post(f"{API}/auth/password/reset/confirm", confirm, format="json")
    assert again.status_code == 400 and list(fields(again)) == ["token"]


def test_token_responses_carry_cache_control_no_store(api_client):
    register(api_client)
    response = login(api_client, "new@example.com")
    assert response["Cache-Control"] == "no-store"
    refreshed = api_client.post(f"{API}/auth/refresh", {"refresh": response.json()["refresh"]}, format="json")
    assert refreshed["Cache-Control"] == "no-store"


@override_settings(REGISTER_RATE_LIMIT="2/h", PASSWORD_RESET_RATE_LIMIT="2/h", ADMIN_LOGIN_RATE_LIMIT="2/h")
def test_registration_password_reset_and_back_office_login_are_rate_limited(api_client):
    from django.test import Client

    for n in range(2):
        register(api_client, f"r{n}@example.com")
    assert code(register(api_client, "r9@example.com")) == "RATE_LIMITED"
    for _ in range(2):
        api_client.post(f"{API}/auth/password/reset", {"email": "x@example.com"}, format="json")
    assert code(api_client.post(f"{API}/auth/password/reset", {"email": "x@example.com"}, format="json")) == (
        "RATE_LIMITED"
    )
    back_office = Client()
    for _ in range(2):
        back_office.post("/admin/login/", {"username": "boss@example.com", "password": "wrong-1"})
    assert back_office.post("/admin/login/", {"username": "boss@example.com", "password": "x"}).status_code == 429


def test_the_bearer_scheme_is_case_insensitive(api_client):
    register(api_client)
    access = login(api_client, "new@example.com").json()["access"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"bearer {access}")
    assert client.get(f"{API}/me").status_code == 200
