"""Sign up, sign in, sign out, password change and reset on the site: the API's rules and limits."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core import mail
from django.test import override_settings

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, AdminFactory, UserFactory
from web.tests.conftest import SiteClient, field_errors

pytestmark = pytest.mark.django_db

ARGON2 = ["django.contrib.auth.hashers.Argon2PasswordHasher"]


def signed_in_user(client: SiteClient) -> str | None:
    response = client.get("/account/")
    return response.context["user"].email if response.status_code == 200 else None


@override_settings(PASSWORD_HASHERS=ARGON2)
def test_sign_up_creates_the_account_with_argon2_and_signs_in(site):
    response = site.post("/signup/", {"email": "New@Example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    user = User.objects.get(email="new@example.com")
    assert identify_hasher(user.password).algorithm == "argon2"
    assert signed_in_user(site) == "new@example.com"


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"password": DEFAULT_PASSWORD}, "email", "This field is required."),
        ({"email": "not-an-email", "password": DEFAULT_PASSWORD}, "email", "Enter a valid email address."),
        ({"email": "a@example.com"}, "password", "This field is required."),
        ({"email": "a@example.com", "password": "short"}, "password", "This password is too short."),
        ({"email": "a@example.com", "password": "12345678901"}, "password", "This password is entirely numeric."),
        ({"email": "a@example.com", "password": "password123"}, "password", "This password is too common."),
    ],
)
def test_sign_up_shows_each_error_beside_its_field(site, data, field, message):
    response = site.post("/signup/", data)
    assert response.status_code == 400
    assert any(message in error for error in field_errors(response, field))
    assert not User.objects.exists()
    html = response.content.decode()
    assert f'id="id_{field}_errors"' in html
    assert re.search(f'<input[^>]*aria-invalid="true"[^>]*id="id_{field}"', html)
    assert re.search(f'<input[^>]*aria-describedby="[^"]*id_{field}_errors"', html)


def test_sign_up_with_a_taken_email_says_so_beside_the_email(site, user):
    response = site.post("/signup/", {"email": user.email.upper(), "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert field_errors(response, "email") == ["This email is already registered."]


def test_sign_up_is_rate_limited_per_ip_like_the_api(site, settings):
    settings.REGISTER_RATE_LIMIT = "2/h"
    for n in range(2):
        site.post("/signup/", {"email": f"x{n}@example.com", "password": DEFAULT_PASSWORD})
        site.post("/signout/")
    response = site.post("/signup/", {"email": "x3@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert not User.objects.filter(email="x3@example.com").exists()


def test_sign_in_and_sign_out(site, user):
    response = site.post("/signin/", {"email": user.email.upper(), "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert signed_in_user(site) == user.email
    assert site.post("/signout/").status_code == 302
    assert signed_in_user(site) is None


def test_sign_in_goes_back_to_the_page_asked_for_but_never_off_site(site, user):
    response = site.post("/signin/?next=/account/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/account/"
    site.post("/signout/")
    response = site.post("/signin/?next=https://evil.example/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response["Location"] == "/"


def test_a_member_page_sends_an_anonymous_visitor_to_sign_in(site):
    response = site.get("/account/")
    assert response.status_code == 302 and response["Location"] == "/signin/?next=%2Faccount%2F"


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(site, user):
    response = site.post("/signin/", {"email": user.email, "password": "wrong-password-1"})
    assert response.status_code == 400
    assert response.context["form"].non_field_errors() == ["Invalid email or password."]
    assert signed_in_user(site) is None


def test_sign_in_shows_missing_fields_beside_them(site):
    response = site.post("/signin/", {})
    assert field_errors(response, "email") == ["This field is required."]
    assert field_errors(response, "password") == ["This field is required."]


def test_sign_in_is_rate_limited_per_email_like_the_api(site, user, settings):
    settings.LOGIN_RATE_LIMIT = "3/m"
    for _ in range(3):
        site.post("/signin/", {"email": user.email, "password": "wrong-password-1"})
    response = site.post("/signin/", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 429
    assert signed_in_user(site) is None


def test_staff_cannot_use_the_member_pages(db):
    response = SiteClient(AdminFactory()).get("/account/")
    assert response.status_code == 403
    assert b"back-office" in response.content


def test_every_form_refuses_a_post_without_the_csrf_token(site, user):
    for path, data in [
        ("/signup/", {"email": "c@example.com", "password": DEFAULT_PASSWORD}),
        ("/signin/", {"email": user.email, "password": DEFAULT_PASSWORD}),
        ("/password-reset/", {"email": user.email}),
        ("/reset-password?uid=x&token=y", {"uid": "x", "token": "y", "new_password": "another-horse-7"}),
    ]:
        response = site.post(path, data, csrf=False)
        assert response.status_code == 403 and b"without its security token" in response.content
    assert not User.objects.filter(email="c@example.com").exists()
    assert signed_in_user(site) is None
    member = SiteClient(user)
    assert member.post("/signout/", csrf=False).status_code == 403
    response = member.post(
        "/account/password/", {"old_password": DEFAULT_PASSWORD, "new_password": "another-horse-7"}, csrf=False
    )
    assert response.status_code == 403
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def test_sign_out_needs_a_post(member):
    assert member.get("/signout/").status_code == 405


def test_password_change_keeps_this_session_and_ends_the_others(member, user):
    elsewhere = SiteClient(user)
    response = member.post("/account/password/", {"old_password": DEFAULT_PASSWORD, "new_password": "another-horse-7"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another-horse-7")
    assert signed_in_user(member) == user.email
    assert signed_in_user(elsewhere) is None


def test_password_change_shows_errors_beside_their_fields(member, user):
    response = member.post("/account/password/", {"old_password": "wrong-one-1", "new_password": "another-horse-7"})
    assert field_errors(response, "old_password") == ["The password is incorrect."]
    response = member.post("/account/password/", {"old_password": DEFAULT_PASSWORD, "new_password": "123"})
    assert response.status_code == 400
    assert "This password is too short. It must contain at least 8 characters." in field_errors(
        response, "new_password"
    )
    user.refresh_from_db()
    assert user.check_password(DEFAULT_PASSWORD)


def _reset_link() -> str:
    return re.search(r"(/reset-password\?\S+)", mail.outbox[-1].body).group(1)


def test_password_reset_by_email_link(site, user):
    response = site.post("/password-reset/", {"email": user.email})
    assert response.status_code == 200 and b"Check your email" in response.content
    link = _reset_link()
    form_page = site.get(link)
    assert form_page.status_code == 200
    initial = form_page.context["form"].initial
    response = site.post(link, {"uid": initial["uid"], "token": initial["token"], "new_password": "another-horse-7"})
    assert response.status_code == 302 and response["Location"] == "/signin/"
    user.refresh_from_db()
    assert user.check_password("another-horse-7")
    # The link works once.
    again = site.post(link, {"uid": initial["uid"], "token": initial["token"], "new_password": "third-horse-77"})
    assert again.status_code == 400
    assert again.context["form"].non_field_errors() == ["The reset link is invalid or has already been used."]


def test_password_reset_says_the_same_for_an_unknown_email(site):
    response = site.post("/password-reset/", {"email": "nobody@example.com"})
    assert response.status_code == 200 and b"Check your email" in response.content
    assert mail.outbox == []


def test_password_reset_is_rate_limited_like_the_api(site, user, settings):
    settings.PASSWORD_RESET_RATE_LIMIT = "1/h"
    site.post("/password-reset/", {"email": user.email})
    assert site.post("/password-reset/", {"email": user.email}).status_code == 429
    assert len(mail.outbox) == 1


def test_password_reset_weak_password_is_shown_beside_it(site, user):
    site.post("/password-reset/", {"email": user.email})
    link = _reset_link()
    initial = site.get(link).context["form"].initial
    response = site.post(link, {"uid": initial["uid"], "token": initial["token"], "new_password": "abc"})
    assert response.status_code == 400
    assert any("too short" in message for message in field_errors(response, "new_password"))


def test_another_user_is_untouched_by_a_reset(site, user):
    other = UserFactory()
    site.post("/password-reset/", {"email": user.email})
    other.refresh_from_db()
    assert other.check_password(DEFAULT_PASSWORD)
