"""The JWTs we issue: simplejwt's, with the caller's `role` as a claim."""

from __future__ import annotations

from typing import Any

from rest_framework_simplejwt.tokens import AccessToken, RefreshToken


class ClickNBackRefreshToken(RefreshToken):
    """A refresh token (recorded as outstanding, so it can be blacklisted) carrying `role`.

    Its access token copies every claim but the token's own type, exp, iat and jti, so
    `role` reaches the access token too: clients can read it without calling `/me`.
    """

    access_token_class = AccessToken

    @classmethod
    def for_user(cls, user: Any) -> ClickNBackRefreshToken:
        token = super().for_user(user)
        token["role"] = str(user.role)
        return token
