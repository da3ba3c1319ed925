"""Users in the admin: login by email, no editable password hash, emails unique in any case."""

import pytest
from django.test import Client

from accounts.models import User

pytestmark = pytest.mark.django_db


def test_admin_login_uses_the_email(admin_user):
    from accounts.tests.factories import DEFAULT_PASSWORD

    client = Client()
    response = client.post(
        "/admin/login/", {"username": admin_user.email.upper(), "password": DEFAULT_PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_user_list_and_change_page_never_expose_an_editable_hash(staff, user):
    assert user.email in staff.get("/admin/accounts/user/").content.decode()

    page = staff.get(f"/admin/accounts/user/{user.pk}/change/").content.decode()
    assert user.email in page
    assert 'name="password"' not in page  # the hash is a read-only summary, not an input
    assert user.password not in page


def test_admin_creates_a_user_with_a_lowercased_email(staff):
    assert staff.get("/admin/accounts/user/add/").status_code == 200
    response = staff.post(
        "/admin/accounts/user/add/",
        {
            "email": "New.Person@Example.com",
            "usable_password": "true",
            "password1": "violet-harbour-lantern-42",
            "password2": "violet-harbour-lantern-42",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    created = User.objects.get(email="new.person@example.com")
    assert created.check_password("violet-harbour-lantern-42")


def test_admin_add_refuses_an_email_taken_in_another_case(staff, user):
    response = staff.post(
        "/admin/accounts/user/add/",
        {
            "email": user.email.upper(),
            "usable_password": "true",
            "password1": "x-Long-pass-99",
            "password2": "x-Long-pass-99",
        },
    )
    assert response.status_code == 200
    assert User.objects.filter(email__iexact=user.email).count() == 1
