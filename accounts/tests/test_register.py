import pytest
from django.contrib.auth.hashers import identify_hasher
from rest_framework.test import APIClient

from accounts.models import User
from clicknback.testing import error_code, run_at_once

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register"
STRONG = "violet-harbour-lantern-42"


def test_register_creates_a_user_role_account(api_client):
    response = api_client.post(REGISTER, {"email": "Alice@Example.COM", "password": STRONG}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "email", "role", "created_at"}
    assert body["email"] == "alice@example.com"
    assert body["role"] == "user"
    user = User.objects.get(pk=body["id"])
    assert not user.is_staff
    assert user.check_password(STRONG)


def test_duplicate_email_in_another_case_is_409(api_client, user):
    response = api_client.post(REGISTER, {"email": user.email.upper(), "password": STRONG}, format="json")

    assert response.status_code == 409
    assert error_code(response) == "EMAIL_ALREADY_REGISTERED"
    assert User.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_registrations_of_one_email_give_one_account_and_one_409():
    responses = run_at_once(
        [
            lambda email=email: APIClient().post(REGISTER, {"email": email, "password": STRONG}, format="json")
            for email in ("race@example.com", "RACE@example.com")
        ]
    )
    statuses = [response.status_code for response in responses]

    assert sorted(statuses) == [201, 409]
    assert User.objects.filter(email__iexact="race@example.com").count() == 1


@pytest.mark.parametrize(
    "password",
    [
        "short1!",  # under 8 characters
        "password123",  # common
        "8473629105738",  # all digits
        "carol.danvers@example.com",  # the email itself
    ],
)
def test_weak_password_is_400_on_password(api_client, password):
    response = api_client.post(REGISTER, {"email": "carol.danvers@example.com", "password": password}, format="json")

    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"
    assert list(response.json()["error"]["details"]["fields"]) == ["password"]
    assert not User.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [{}, {"email": "not-an-email", "password": STRONG}, {"email": "x@example.com"}, {"email": "", "password": ""}],
)
def test_invalid_input_is_400_with_fields(api_client, payload):
    response = api_client.post(REGISTER, payload, format="json")
    assert response.status_code == 400
    assert error_code(response) == "VALIDATION_ERROR"
    assert response.json()["error"]["details"]["fields"]


def test_passwords_are_stored_with_argon2(api_client, settings):
    from clicknback import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    response = api_client.post(REGISTER, {"email": "dora@example.com", "password": STRONG}, format="json")

    assert response.status_code == 201
    stored = User.objects.get(email="dora@example.com").password
    assert stored.startswith("argon2")
    assert identify_hasher(stored).algorithm == "argon2"
