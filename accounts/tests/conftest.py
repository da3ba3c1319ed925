from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD


@pytest.fixture
def login(api_client: APIClient) -> Callable[..., Any]:
    """POST /auth/login for a user (with the factories' password unless told otherwise)."""

    def do_login(user: User | str, password: str = DEFAULT_PASSWORD, **extra: Any):
        email = user if isinstance(user, str) else user.email
        return api_client.post("/api/v1/auth/login", {"email": email, "password": password}, format="json", **extra)

    return do_login


@pytest.fixture
def signed_urls(settings) -> str:
    """Mount `accounts.tests.signed_urls` (a signature-checked echo endpoint at /signed)."""
    settings.ROOT_URLCONF = "accounts.tests.signed_urls"
    return "/signed"
