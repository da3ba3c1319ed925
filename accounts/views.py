"""Accounts and partners over HTTP: parse, call one service or selector, render."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import serializers as s
from accounts.permissions import PartnerPermissions
from accounts.selectors import partner_list
from accounts.services import (
    partner_create,
    password_change,
    password_reset_confirm,
    password_reset_request,
    token_refresh,
    token_revoke,
    user_login,
    user_register,
)
from clicknback.actors import Actor
from clicknback.openapi import errors
from clicknback.pagination import PaginatedListMixin
from clicknback.ratelimit import client_ip, enforce_rate_limit


class PublicAPIView(APIView):
    """No bearer token is read: a stale Authorization header must not stop a login or a refresh."""

    authentication_classes: list = []
    permission_classes = [AllowAny]


def _token_pair_response(pair) -> Response:
    """Tokens are credentials: no cache on the way may keep a copy."""
    return Response(s.TokenPairOutputSerializer(pair).data, headers={"Cache-Control": "no-store"})


class RegisterView(PublicAPIView):
    @extend_schema(
        tags=["accounts"],
        operation_id="auth_register",
        request=s.RegisterInputSerializer,
        responses={201: s.AccountOutputSerializer, **errors(429, e409="EMAIL_ALREADY_REGISTERED")},
        description="Rate limited per client IP (`REGISTER_RATE_LIMIT`): `429` with `Retry-After`.",
    )
    def post(self, request: Request) -> Response:
        enforce_rate_limit(request, group="register-ip", key=client_ip(request), rate=settings.REGISTER_RATE_LIMIT)
        data = s.RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = user_register(**data.validated_data)
        return Response(s.AccountOutputSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginView(PublicAPIView):
    @extend_schema(
        tags=["accounts"],
        operation_id="auth_login",
        request=s.LoginInputSerializer,
        responses={
            200: s.TokenPairOutputSerializer,
            **errors(429, e401="INVALID_CREDENTIALS (unknown email, wrong password or inactive account)"),
        },
        description="Rate limited per client IP and per email (`LOGIN_RATE_LIMIT`): `429` with `Retry-After`.",
    )
    def post(self, request: Request) -> Response:
        rate = settings.LOGIN_RATE_LIMIT
        enforce_rate_limit(request, group="login-ip", key=client_ip(request), rate=rate)
        data = s.LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"].lower()
        enforce_rate_limit(request, group="login-email", key=email, rate=rate)
        return _token_pair_response(user_login(email=email, password=data.validated_data["password"]))


class RefreshView(PublicAPIView):
    @extend_schema(
        tags=["accounts"],
        operation_id="auth_refresh",
        request=s.RefreshInputSerializer,
        responses={
            200: s.TokenPairOutputSerializer,
            **errors(e401="TOKEN_INVALID (bad, expired, revoked or not a refresh token; account inactive)"),
        },
        description="Rotation: the refresh token sent is revoked; use the one returned next time.",
    )
    def post(self, request: Request) -> Response:
        data = s.RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return _token_pair_response(token_refresh(**data.validated_data))


class LogoutView(PublicAPIView):
    @extend_schema(
        tags=["accounts"],
        operation_id="auth_logout",
        request=s.RefreshInputSerializer,
        responses={
            204: OpenApiResponse(description="The refresh token is revoked."),
            **errors(e401="TOKEN_INVALID"),
        },
    )
    def post(self, request: Request) -> Response:
        data = s.RefreshInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        token_revoke(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        tags=["accounts"],
        operation_id="auth_password_change",
        request=s.PasswordChangeInputSerializer,
        responses={
            204: OpenApiResponse(
                description="Changed. Every refresh token of the account is revoked and every access token "
                "issued before (this request's included) answers `401 TOKEN_INVALID`: log in again."
            ),
            **errors(429),
        },
        description="`400` on `old_password` when it is wrong, on `new_password` when it is weak. Attempts are "
        "rate limited per account (`LOGIN_RATE_LIMIT`): `429` with `Retry-After`.",
    )
    def post(self, request: Request) -> Response:
        enforce_rate_limit(
            request, group="password-change-user", key=str(request.user.pk), rate=settings.LOGIN_RATE_LIMIT
        )
        data = s.PasswordChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_change(user=request.user, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(PublicAPIView):
    @extend_schema(
        tags=["accounts"],
        operation_id="auth_password_reset",
        request=s.PasswordResetInputSerializer,
        responses={
            202: OpenApiResponse(
                description="Accepted, whether or not the email has an account: if it has an active one, an "
                "email with a one-time link (`uid` and `token`) is on its way."
            ),
            **errors(429),
        },
        description="Rate limited per client IP and per email (`PASSWORD_RESET_RATE_LIMIT`): `429` with `Retry-After`.",
    )
    def post(self, request: Request) -> Response:
        rate = settings.PASSWORD_RESET_RATE_LIMIT
        enforce_rate_limit(request, group="password-reset-ip", key=client_ip(request), rate=rate)
        data = s.PasswordResetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        email = data.validated_data["email"].lower()
        enforce_rate_limit(request, group="password-reset-email", key=email, rate=rate)
        password_reset_request(email=email)
        return Response(status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(PublicAPIView):
    @extend_schema(
        tags=["accounts"],
        operation_id="auth_password_reset_confirm",
        request=s.PasswordResetConfirmInputSerializer,
        responses={
            204: OpenApiResponse(
                description="The password is set; every token issued before is revoked. The link is used up."
            ),
            **errors(),
        },
        description="`400 VALIDATION_ERROR` on `token` for a bad, expired or used link, on `new_password` for a "
        "weak password.",
    )
    def post(self, request: Request) -> Response:
        data = s.PasswordResetConfirmInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        password_reset_confirm(**data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(tags=["accounts"], operation_id="me", responses={200: s.AccountOutputSerializer, **errors()})
    def get(self, request: Request) -> Response:
        return Response(s.AccountOutputSerializer(request.user).data)


class PartnerListCreateView(PaginatedListMixin, APIView):
    permission_classes = [PartnerPermissions]

    @extend_schema(
        tags=["partners"],
        operation_id="partners_list",
        responses={200: s.PartnerOutputSerializer(many=True), **errors(403)},
    )
    def get(self, request: Request) -> Response:
        return self.paginated(request, partner_list(), s.PartnerOutputSerializer)

    @extend_schema(
        tags=["partners"],
        operation_id="partners_create",
        request=s.PartnerCreateInputSerializer,
        responses={201: s.PartnerCreatedOutputSerializer, **errors(403)},
        description="The response is the only time the secret is shown.",
    )
    def post(self, request: Request) -> Response:
        data = s.PartnerCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        partner = partner_create(name=data.validated_data["name"], actor=Actor.for_user(request.user))
        return Response(s.PartnerCreatedOutputSerializer(partner).data, status=status.HTTP_201_CREATED)
