"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from collections.abc import Callable

import redis
from django.conf import settings
from django.db import connection
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_redis() -> None:
    """The shared cache (rate limits) answers; a short timeout so a hung Redis fails the probe fast."""
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()


# Name -> check; a check raises when its service is unusable. Other services register here.
READINESS_CHECKS: dict[str, Callable[[], None]] = {"database": check_database}
if settings.REDIS_URL:
    READINESS_CHECKS["redis"] = check_redis


class LiveView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["operations"],
        responses={200: inline_serializer("Live", {"status": serializers.CharField()})},
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "ok"})


class ReadyView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["operations"],
        responses={
            (200, "application/json"): inline_serializer(
                "Ready", {"status": serializers.CharField(), "checks": serializers.DictField()}
            ),
            (503, "application/json"): inline_serializer(
                "NotReady", {"status": serializers.CharField(), "checks": serializers.DictField()}
            ),
        },
    )
    def get(self, request: Request) -> Response:
        checks: dict[str, str] = {}
        for name, check in READINESS_CHECKS.items():
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:
                checks[name] = f"error: {exc.__class__.__name__}"
        ready = all(result == "ok" for result in checks.values())
        # Not a check: which store counts the rate limits (see clicknback.ratelimit).
        checks["rate_limit_store"] = settings.RATE_LIMIT_STORE
        return Response({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)
