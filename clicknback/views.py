"""Django's own error handlers, answering with the contract's envelope."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from clicknback.errors import envelope, error_json_response
from clicknback.request_context import current_request_id


def not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_json_response(404, "NOT_FOUND", "Not found.")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_json_response(403, "PERMISSION_DENIED", "You do not have permission to do this.")


def bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_json_response(400, "VALIDATION_ERROR", "Bad request.", {"fields": {}})


def server_error(request: HttpRequest) -> JsonResponse:
    body = envelope("INTERNAL_ERROR", "An unexpected error occurred.", {"request_id": current_request_id()})
    return JsonResponse(body, status=500)
