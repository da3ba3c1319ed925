"""OpenAPI helpers: the error envelope as a documented response, reused by every view."""

from __future__ import annotations

from drf_spectacular.renderers import (
    OpenApiJsonRenderer,
    OpenApiJsonRenderer2,
    OpenApiYamlRenderer,
    OpenApiYamlRenderer2,
)
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from drf_spectacular.views import SpectacularAPIView
from rest_framework import serializers

ErrorBody = inline_serializer(
    "ErrorEnvelope",
    {
        "error": inline_serializer(
            "Error",
            {
                "code": serializers.CharField(),
                "message": serializers.CharField(),
                "details": serializers.DictField(),
            },
        )
    },
)

_DESCRIPTIONS = {
    400: "VALIDATION_ERROR",
    401: "NOT_AUTHENTICATED or TOKEN_INVALID",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "Conflict",
    413: "PAYLOAD_TOO_LARGE",
    422: "Unprocessable",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}

# What any authenticated endpoint can answer besides its own errors.
COMMON_ERRORS = (400, 401, 405, 413, 500, 503)


def errors(*statuses: int, **described: str) -> dict[int, OpenApiResponse]:
    """`{status: envelope response}` for the statuses given, plus the common ones.

    `described` maps `"e409"`-style keys to a description naming the codes, e.g.
    `errors(404, e409="DUPLICATE_PURCHASE")`.
    """
    result: dict[int, OpenApiResponse] = {}
    for status in (*COMMON_ERRORS, *statuses):
        result[status] = OpenApiResponse(ErrorBody, description=_DESCRIPTIONS.get(status, "Error"))
    for key, description in described.items():
        status = int(key.lstrip("e"))
        result[status] = OpenApiResponse(ErrorBody, description=description)
    return result


def drop_trailing_slash_duplicates(endpoints: list[tuple]) -> list[tuple]:
    """PREPROCESSING_HOOK: `route()` mounts every view twice (with and without the trailing slash);
    the schema documents each operation once, under the path without the slash."""
    return [endpoint for endpoint in endpoints if not endpoint[0].endswith("/")]


class SchemaView(SpectacularAPIView):
    """`GET /api/schema`: the OpenAPI 3 document, JSON unless YAML is asked for by `Accept`
    (`application/vnd.oai.openapi`) or `?format=yaml`; every client and tool parses JSON."""

    renderer_classes = [OpenApiJsonRenderer, OpenApiJsonRenderer2, OpenApiYamlRenderer, OpenApiYamlRenderer2]
