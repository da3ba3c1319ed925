"""Changing and resetting a password: every token issued before stops working."""

import re

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework.test import APIClient

from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from clicknback.testing import error_code

pytestmark = pytest.mark.django_db

CHANGE = "/api/v1/auth/password/change"
RESET = "/api/v1/auth/password/reset"
CONFIRM = "/api/v1/auth/password/reset/confirm"
REFRESH = "/api/v1/auth/refresh"
ME = "/api/v1/me"
NEW_PASSWORD = "a-Brand-new-passphrase-7"


def _bearer(access: str, scheme: str = "Bearer") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {access}")
    return client


def _fields(response) -> dict[str, list[str]]:
    assert response.status_code == 400, response.json()
    assert error_code(response) == "VALIDATION_ERROR"
    return response.json()["error"]["details"]["fields"]


def _assert_token_invalid(response) -> None:
    assert response.status_code == 401
    assert error_code(response) == "TOKEN_INVALID"


def _reset_link_parts(message) -> tuple[str, str]:
    match = re.search(r"uid=([A-Za-z0-9_-]+)&token=([A-Za-z0-9-]+)", message.body)
    assert match, message.body
    return match.group(1), match.group(2)


def _uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


# --- change -----------------------------------------------------------------------------------


def test_change_revokes_every_refresh_token_and_earlier_access_tokens(login, api_client, user):
    phone, laptop = login(user).json(), login(user).json()

    response = _bearer(phone["access"]).post(
        CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )

    assert response.status_code == 204
    for pair in (phone, laptop):
        _assert_token_invalid(_bearer(pair["access"]).get(ME))
        _assert_token_invalid(api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json"))
    assert login(user).status_code == 401
    fresh = login(user, password=NEW_PASSWORD)
    assert fresh.status_code == 200
    assert _bearer(fresh.json()["access"]).get(ME).status_code == 200


def test_change_issued_in_the_same_second_as_the_new_login_keeps_only_the_new_tokens(login, user):
    """Revocation does not compare seconds: a token from just before the change is refused even
    when a token from just after it has the same `iat`."""
    before = login(user).json()["access"]
    _bearer(before).post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    after = login(user, password=NEW_PASSWORD).json()["access"]

    _assert_token_invalid(_bearer(before).get(ME))
    assert _bearer(after).get(ME).status_code == 200


def test_change_with_a_wrong_old_password_is_400_on_old_password(login, user):
    access = login(user).json()["access"]

    response = _bearer(access).post(CHANGE, {"old_password": "not-it-123", "new_password": NEW_PASSWORD}, format="json")

    assert list(_fields(response)) == ["old_password"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)
    assert _bearer(access).get(ME).status_code == 200


@pytest.mark.parametrize("weak", ["short1!", "password123", "8473629105738"])
def test_change_to_a_weak_password_is_400_on_new_password(user_client, user, weak):
    response = user_client.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": weak}, format="json")

    assert list(_fields(response)) == ["new_password"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_change_to_a_password_like_the_email_is_400(user_client, user):
    response = user_client.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": user.email}, format="json")
    assert list(_fields(response)) == ["new_password"]


def test_change_needs_a_bearer_token(api_client):
    response = api_client.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json")
    assert response.status_code == 401
    assert error_code(response) == "NOT_AUTHENTICATED"


def test_an_admin_can_change_their_password(admin_client, admin_user):
    response = admin_client.post(
        CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json"
    )
    assert response.status_code == 204
    admin_user.refresh_from_db()
    assert admin_user.check_password(NEW_PASSWORD)


def test_change_attempts_are_rate_limited_per_account(settings, user_client):
    settings.LOGIN_RATE_LIMIT = "2/h"
    wrong = {"old_password": "not-it-123", "new_password": NEW_PASSWORD}
    assert [user_client.post(CHANGE, wrong, format="json").status_code for _ in range(2)] == [400, 400]

    response = user_client.post(CHANGE, {"old_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD}, format="json")

    assert response.status_code == 429
    assert error_code(response) == "RATE_LIMITED"


# --- reset ------------------------------------------------------------------------------------


def test_reset_mails_a_one_time_link_that_sets_the_password_and_revokes_tokens(login, api_client, user):
    pair = login(user).json()

    response = api_client.post(RESET, {"email": user.email.upper()}, format="json")

    assert response.status_code == 202
    [message] = mail.outbox
    assert message.to == [user.email]
    uid, token = _reset_link_parts(message)
    confirm = {"uid": uid, "token": token, "new_password": NEW_PASSWORD}
    assert api_client.post(CONFIRM, confirm, format="json").status_code == 204
    assert login(user, password=NEW_PASSWORD).status_code == 200
    _assert_token_invalid(_bearer(pair["access"]).get(ME))
    _assert_token_invalid(api_client.post(REFRESH, {"refresh": pair["refresh"]}, format="json"))

    used = api_client.post(CONFIRM, {**confirm, "new_password": "yet-Another-phrase-8"}, format="json")
    assert list(_fields(used)) == ["token"]
    assert login(user, password=NEW_PASSWORD).status_code == 200


@pytest.mark.parametrize("email", ["nobody@example.com", "inactive@example.com"])
def test_reset_for_an_unknown_or_inactive_account_is_202_and_sends_nothing(api_client, email):
    UserFactory(email="inactive@example.com", is_active=False)

    response = api_client.post(RESET, {"email": email}, format="json")

    assert response.status_code == 202
    assert mail.outbox == []


def test_reset_with_a_malformed_email_is_400(api_client):
    assert list(_fields(api_client.post(RESET, {"email": "not-an-email"}, format="json"))) == ["email"]


@pytest.mark.parametrize(
    "make_link",
    [
        pytest.param(lambda user: {"uid": _uid(user), "token": "bad-token"}, id="bad-token"),
        pytest.param(lambda user: {"uid": "not-base64!", "token": "x"}, id="bad-uid"),
        pytest.param(lambda user: {"uid": _uid(UserFactory.build()), "token": "x"}, id="unknown-user"),
        pytest.param(
            lambda user: {"uid": _uid(user), "token": default_token_generator.make_token(UserFactory())},
            id="another-users-token",
        ),
    ],
)
def test_confirm_with_a_bad_link_is_400_on_token(api_client, user, make_link):
    response = api_client.post(CONFIRM, {**make_link(user), "new_password": NEW_PASSWORD}, format="json")

    assert list(_fields(response)) == ["token"]
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_confirm_with_a_weak_password_is_400_on_new_password_and_the_link_still_works(api_client, user):
    link = {"uid": _uid(user), "token": default_token_generator.make_token(user)}

    assert list(_fields(api_client.post(CONFIRM, {**link, "new_password": "short1!"}, format="json"))) == [
        "new_password"
    ]
    assert api_client.post(CONFIRM, {**link, "new_password": NEW_PASSWORD}, format="json").status_code == 204


def test_reset_is_rate_limited_per_address_and_per_email(settings, api_client, user):
    settings.PASSWORD_RESET_RATE_LIMIT = "2/h"
    for n in range(2):
        api_client.post(RESET, {"email": f"someone{n}@example.com"}, format="json", REMOTE_ADDR="203.0.113.5")
    by_address = api_client.post(RESET, {"email": user.email}, format="json", REMOTE_ADDR="203.0.113.5")
    assert by_address.status_code == 429
    assert error_code(by_address) == "RATE_LIMITED"

    for n in range(2):
        api_client.post(RESET, {"email": "victim@example.com"}, format="json", REMOTE_ADDR=f"198.51.100.{n}")
    by_email = api_client.post(RESET, {"email": "VICTIM@example.com"}, format="json", REMOTE_ADDR="198.51.100.9")
    assert by_email.status_code == 429
    assert api_client.post(RESET, {"email": user.email}, format="json", REMOTE_ADDR="198.51.100.9").status_code == 202


# --- token responses and the Authorization header ---------------------------------------------


def test_token_responses_are_not_cached(login, api_client, user):
    response = login(user)
    assert response["Cache-Control"] == "no-store"
    refreshed = api_client.post(REFRESH, {"refresh": response.json()["refresh"]}, format="json")
    assert refreshed.status_code == 200
    assert refreshed["Cache-Control"] == "no-store"


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "Bearer"])
def test_the_bearer_scheme_is_case_insensitive(login, user, scheme):
    access = login(user).json()["access"]
    assert _bearer(access, scheme).get(ME).status_code == 200
