"""Cross-cutting HTTP middleware: request ids, body size limit, and the last-resort error envelope."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from clicknback.errors import error_json_response, unexpected_error_json
from clicknback.request_context import bind_request_id

REQUEST_ID_HEADER = "X-Request-ID"


class RequestIdMiddleware:
    """Echo a safe incoming X-Request-ID or make one; every response carries it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.request_id = bind_request_id(request.headers.get(REQUEST_ID_HEADER))
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request.request_id
        return response


class BodySizeLimitMiddleware:
    """Refuse an oversized body by its Content-Length before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            message = "Invalid Content-Length header."
            return error_json_response(400, "VALIDATION_ERROR", message, {"fields": {"non_field_errors": [message]}})
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and length > limit and not request.path.startswith("/admin/"):
            return error_json_response(413, "PAYLOAD_TOO_LARGE", f"The request body exceeds {limit} bytes.")
        return self.get_response(request)


class ExceptionEnvelopeMiddleware:
    """Exceptions that escape a non-DRF view still answer with the envelope, never a stack trace."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.core.exceptions import PermissionDenied, RequestDataTooBig
        from django.http import Http404

        if isinstance(exception, (Http404, PermissionDenied)):
            return None  # Django's handler404/handler403 render these.
        if isinstance(exception, RequestDataTooBig):
            return error_json_response(413, "PAYLOAD_TOO_LARGE", "The request body is too large.")
        return unexpected_error_json(exception)
