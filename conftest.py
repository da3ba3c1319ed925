"""Fixtures every app's tests share: clients for each kind of caller."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.authentication import signature_header
from accounts.models import Partner, User
from accounts.tests.factories import AdminFactory, PartnerFactory, UserFactory
from clicknback.testing import bearer_client

# `@pytest.mark.requires_server(...)`: skipped on a bare machine, required in CI.
pytest_plugins = ["tests.required_servers"]


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def user(db: None) -> User:
    return UserFactory()


@pytest.fixture
def other_user(db: None) -> User:
    return UserFactory()


@pytest.fixture
def admin_user(db: None) -> User:
    return AdminFactory()


@pytest.fixture
def user_client(user: User) -> APIClient:
    return bearer_client(user)


@pytest.fixture
def other_client(other_user: User) -> APIClient:
    return bearer_client(other_user)


@pytest.fixture
def admin_client(admin_user: User) -> APIClient:
    """An API client with an admin's bearer token (shadows pytest-django's session admin_client)."""
    return bearer_client(admin_user)


@pytest.fixture
def partner(db: None) -> Partner:
    return PartnerFactory()


@pytest.fixture
def signed_post(partner: Partner) -> Callable[..., Any]:
    """POST a JSON body to a partner endpoint, signed with the partner's secret."""

    def post(path: str, payload: dict[str, Any], *, timestamp: int | None = None, client: APIClient | None = None):
        body = json.dumps(payload).encode()
        return (client or APIClient()).post(
            path,
            data=body,
            content_type="application/json",
            HTTP_X_PARTNER_KEY=partner.key,
            HTTP_X_SIGNATURE=signature_header(partner.secret, body, timestamp),
        )

    return post
