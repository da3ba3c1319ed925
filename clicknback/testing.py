"""Helpers for tests across apps."""

from __future__ import annotations

from typing import Any

from rest_framework.test import APIClient


def bearer_client(user: Any) -> APIClient:
    """An API client carrying a real access token for `user`, as login would issue it."""
    from accounts.tokens import ClickNBackRefreshToken

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ClickNBackRefreshToken.for_user(user).access_token}")
    return client


def error_code(response: Any) -> str:
    """The contract code of an error response, after checking the envelope's shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    return body["error"]["code"]
