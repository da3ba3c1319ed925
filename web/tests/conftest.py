"""The member site's test clients: CSRF checked as for a browser."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.tests.factories import UserFactory


class SiteClient(Client):
    """The Django test client with CSRF checks on. `post` first GETs a page (as a browser would)
    for the csrftoken cookie and sends it with the form; `csrf=False` leaves the token out."""

    def __init__(self, user: User | None = None) -> None:
        super().__init__(enforce_csrf_checks=True)
        self.user = user
        if user is not None:
            self.force_login(user)

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True, **extra: Any):
        data = dict(data or {})
        if csrf:
            if "csrftoken" not in self.cookies:
                super().get("/signin/")
            data["csrfmiddlewaretoken"] = self.cookies["csrftoken"].value
        return super().post(path, data, **extra)


def field_errors(response, field: str) -> list[str]:
    """The messages shown beside `field` in the page's form."""
    return list(response.context["form"].errors.get(field, []))


@pytest.fixture
def site(db: None) -> SiteClient:
    return SiteClient()


@pytest.fixture
def member(user: User) -> SiteClient:
    """The `user` signed in to the site."""
    return SiteClient(user)


@pytest.fixture
def other_member(db: None) -> SiteClient:
    return SiteClient(UserFactory())
