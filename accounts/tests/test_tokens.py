from datetime import timedelta

import jwt
import pytest
from django.conf import settings
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from accounts.services import token_pair_issue
from accounts.tests.factories import AdminFactory, UserFactory
from clicknback.testing import error_code, run_at_once

pytestmark = pytest.mark.django_db

REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
ME = "/api/v1/me"


def _me(token: str):
    return APIClient().get(ME, HTTP_AUTHORIZATION=f"Bearer {token}")


def _claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


def test_login_returns_a_token_pair(login, user):
    response = login(user)

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access", "refresh", "token_type", "expires_in"}
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds() == 900
    assert _me(body["access"]).json()["email"] == user.email


def test_access_token_claims_include_role(login):
    admin = AdminFactory()
    claims = _claims(login(admin).json()["access"])

    assert {"user_id", "role", "exp", "iat", "jti", "token_type"} <= set(claims)
    assert claims["user_id"] == str(admin.pk)
    assert claims["role"] == "admin"
    assert claims["token_type"] == "access"


def test_login_email_is_case_insensitive(login, user):
    assert login(user.email.upper()).status_code == 200


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "inactive account"])
def test_login_failures_are_all_invalid_credentials(login, user, case):
    if case == "wrong password":
        response = login(user, password="not-the-password-1")
    elif case == "unknown email":
        response = login("nobody@example.com")
    else:
        user.is_active = False
        user.save()
        response = login(user)

    assert response.status_code == 401
    assert error_code(response) == "INVALID_CREDENTIALS"


def test_unknown_email_still_pays_for_a_password_hash(login, monkeypatch):
    """Same work for a known and an unknown email, so timing does not reveal accounts."""
    hashed: list[str] = []
    from accounts.models import User

    real = User.set_password
    monkeypatch.setattr(User, "set_password", lambda self, raw: (hashed.append(raw), real(self, raw)))

    assert login("nobody@example.com", password="guess-123-abc").status_code == 401
    assert hashed == ["guess-123-abc"]


def test_login_ignores_a_stale_bearer_header(login, user):
    assert login(user, HTTP_AUTHORIZATION="Bearer garbage").status_code == 200


def test_refresh_rotates_and_the_old_refresh_token_is_refused(api_client, login, user):
    first = login(user).json()

    response = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert response.status_code == 200
    second = response.json()
    assert set(second) == {"access", "refresh", "token_type", "expires_in"}
    assert second["refresh"] != first["refresh"]
    assert _me(second["access"]).status_code == 200

    again = api_client.post(REFRESH, {"refresh": first["refresh"]}, format="json")
    assert again.status_code == 401
    assert error_code(again) == "TOKEN_INVALID"
    assert api_client.post(REFRESH, {"refresh": second["refresh"]}, format="json").status_code == 200


def test_refresh_carries_the_current_role(api_client, login, user):
    refresh = login(user).json()["refresh"]
    user.is_staff = True
    user.save()

    access = api_client.post(REFRESH, {"refresh": refresh}, format="json").json()["access"]
    assert _claims(access)["role"] == "admin"


def test_refresh_for_an_account_deactivated_since_is_refused(api_client, login, user):
    refresh = login(user).json()["refresh"]
    user.is_active = False
    user.save()

    response = api_client.post(REFRESH, {"refresh": refresh}, format="json")
    assert response.status_code == 401
    assert error_code(response) == "TOKEN_INVALID"


@pytest.mark.parametrize("token", ["garbage", "a.b.c", "access"])
def test_refresh_with_a_bad_or_wrong_type_token_is_refused(api_client, login, user, token):
    if token == "access":
        token = login(user).json()["access"]
    response = api_client.post(REFRESH, {"refresh": token}, format="json")
    assert response.status_code == 401
    assert error_code(response) == "TOKEN_INVALID"


def test_expired_refresh_token_is_refused(api_client, user):
    from accounts.tokens import ClickNBackRefreshToken

    token = ClickNBackRefreshToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    response = api_client.post(REFRESH, {"refresh": str(token)}, format="json")
    assert response.status_code == 401
    assert error_code(response) == "TOKEN_INVALID"


@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_succeed_once():
    refresh = token_pair_issue(user=UserFactory()).refresh
    responses = run_at_once([lambda: APIClient().post(REFRESH, {"refresh": refresh}, format="json")] * 2)
    statuses = [response.status_code for response in responses]

    assert sorted(statuses) == [200, 401]


def test_logout_revokes_the_refresh_token(api_client, login, user):
    refresh = login(user).json()["refresh"]

    response = api_client.post(LOGOUT, {"refresh": refresh}, format="json")
    assert response.status_code == 204
    assert response.content == b""

    refused = api_client.post(REFRESH, {"refresh": refresh}, format="json")
    assert refused.status_code == 401
    assert error_code(refused) == "TOKEN_INVALID"
    assert error_code(api_client.post(LOGOUT, {"refresh": refresh}, format="json")) == "TOKEN_INVALID"


def test_logout_with_a_bad_token_is_401(api_client):
    response = api_client.post(LOGOUT, {"refresh": "nope"}, format="json")
    assert response.status_code == 401
    assert error_code(response) == "TOKEN_INVALID"


def test_me(user_client, user):
    response = user_client.get(ME)
    assert response.status_code == 200
    assert response.json() == {
        "id": str(user.pk),
        "email": user.email,
        "role": "user",
        "created_at": user.created_at.isoformat().replace("+00:00", "Z"),
    }


def test_me_without_a_token_is_not_authenticated(api_client):
    response = api_client.get(ME)
    assert response.status_code == 401
    assert error_code(response) == "NOT_AUTHENTICATED"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_me_for_an_admin(admin_client, admin_user):
    assert admin_client.get(ME).json()["role"] == "admin"


def _access_claims(user) -> dict:
    return dict(AccessToken.for_user(user).payload)


def _forged(claims: dict, key: str, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda user: "not-a-jwt", id="garbage"),
        pytest.param(
            lambda user: _forged(_access_claims(user), "a-wrong-signing-key-of-decent-length"), id="wrong-key"
        ),
        pytest.param(lambda user: _forged(_access_claims(user), None, "none"), id="alg-none"),
        pytest.param(
            lambda user: _forged(
                {**_access_claims(user), "role": "admin"}, settings.SIMPLE_JWT["SIGNING_KEY"], "HS512"
            ),
            id="other-algorithm",
        ),
        pytest.param(lambda user: token_pair_issue(user=user).refresh, id="refresh-as-access"),
        pytest.param(
            lambda user: str(_expired_access(user)),
            id="expired",
        ),
    ],
)
def test_bad_access_tokens_are_token_invalid(user, make_token):
    response = _me(make_token(user))
    assert response.status_code == 401
    assert error_code(response) == "TOKEN_INVALID"
    assert response["WWW-Authenticate"].startswith("Bearer")


def _expired_access(user) -> AccessToken:
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    return token


def test_access_token_of_a_deactivated_account_is_refused(user):
    access = token_pair_issue(user=user).access
    user.is_active = False
    user.save()

    response = _me(access)
    assert response.status_code == 401
    assert error_code(response) == "TOKEN_INVALID"


def test_a_user_calling_an_admin_endpoint_is_403(user_client):
    response = user_client.get("/api/v1/partners")
    assert response.status_code == 403
    assert error_code(response) == "PERMISSION_DENIED"
