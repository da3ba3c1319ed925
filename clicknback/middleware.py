"""Cross-cutting HTTP middleware: request ids, the edges of HTTP (body size and framing, query
strings, methods), and the last-resort error envelope."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from rest_framework.views import APIView

from clicknback.errors import bad_request_json, error_json_response, unexpected_error_json
from clicknback.parsers import body_limit
from clicknback.request_context import bind_request_id
from clicknback.routing import json_error_pages

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


def _payload_too_large(limit: int) -> HttpResponse:
    return error_json_response(413, "PAYLOAD_TOO_LARGE", f"The request body exceeds {limit} bytes.")


class BodySizeLimitMiddleware:
    """Refuse an oversized body by its Content-Length before anything reads it.

    A `Transfer-Encoding: chunked` body has no Content-Length, and Django would read it as empty.
    When the server marks the input as ending where the body ends (`wsgi.input_terminated`, as
    gunicorn does), the body is read here, up to the limit; otherwise it is refused with `411`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request.path)
        if _is_chunked_without_length(request):
            refusal = _read_chunked_body(request, limit)
            if refusal is not None:
                return refusal
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0:
            return bad_request_json("Invalid Content-Length header.")
        if limit is not None and length > limit and not request.path.startswith("/admin/"):
            return _payload_too_large(limit)
        if limit != settings.DATA_UPLOAD_MAX_MEMORY_SIZE and not hasattr(request, "_body"):
            # Read here what Django's `request.body` would refuse above DATA_UPLOAD_MAX_MEMORY_SIZE.
            request._body = request.read()
            request._stream = io.BytesIO(request._body)
        return self.get_response(request)


def _is_chunked_without_length(request: HttpRequest) -> bool:
    chunked = "chunked" in request.headers.get("Transfer-Encoding", "").lower()
    return chunked and not request.META.get("CONTENT_LENGTH")


def _read_chunked_body(request: HttpRequest, limit: int | None) -> HttpResponse | None:
    """Read the whole chunked body (one byte past the limit at most) and hand it to Django as if
    it had come with a Content-Length; a refusal if it cannot be read or is too large."""
    if not request.META.get("wsgi.input_terminated"):
        message = "A chunked request body is not supported here: send a Content-Length."
        return error_json_response(411, "LENGTH_REQUIRED", message)
    body = request.META["wsgi.input"].read(-1 if limit is None else limit + 1)
    if limit is not None and len(body) > limit:
        return _payload_too_large(limit)
    request.META["CONTENT_LENGTH"] = str(len(body))
    request._stream = io.BytesIO(body)  # what Django's request reads from; it was bound to length 0
    return None


class QueryStringMiddleware:
    """A NUL byte in the query string is a 400: no field may hold one, and PostgreSQL refuses it
    in text (a filter value would otherwise reach the database and fail there as a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            return bad_request_json("The query string must not contain NUL characters.")
        return self.get_response(request)


class MethodNotAllowedMiddleware:
    """An API view answers `405` to a method it does not implement before it authenticates: DRF
    would authenticate first (in `APIView.initial`) and tell an anonymous client `401`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        view_class = getattr(view_func, "cls", None)
        if view_class is None or not issubclass(view_class, APIView) or hasattr(view_func, "actions"):
            return None  # not a DRF view, or a ViewSet (whose methods are its actions): the view decides
        allowed = [
            method.upper()
            for method in view_class.http_method_names
            if hasattr(view_class, method) or (method == "head" and hasattr(view_class, "get"))
        ]
        if request.method in allowed:
            return None
        response = error_json_response(405, "METHOD_NOT_ALLOWED", f'Method "{request.method}" not allowed.')
        response["Allow"] = ", ".join(allowed)
        return response


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
        if not json_error_pages(request.path):
            return None  # the member site's own error pages (the URLconf's handlers) answer
        if isinstance(exception, RequestDataTooBig):
            return error_json_response(413, "PAYLOAD_TOO_LARGE", "The request body is too large.")
        if isinstance(exception, SuspiciousOperation):  # e.g. a lookup the admin does not allow
            # Logged where Django's own handler would log it, for whoever watches django.security.
            logging.getLogger(f"django.security.{exception.__class__.__name__}").warning(str(exception))
            return bad_request_json("The request was refused as malformed or not allowed.")
        return unexpected_error_json(exception)


API_PATH_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PATH_PREFIX)


def outside_api(middleware_class: type) -> type:
    """`middleware_class`, bypassed for `/api/` requests.

    Sessions, the session user and messages serve the back-office and the member site only:
    the API authenticates each request by a bearer token or a partner signature and never sets a
    cookie. Skipping them saves their CPU on every API call (docs/performance.md). A subclass, so
    that Django's checks (the admin's) still find the middleware they require.
    """

    def __call__(self: Any, request: HttpRequest) -> HttpResponse:
        if is_api_request(request):
            return self.get_response(request)
        return middleware_class.__call__(self, request)

    def unless_api(hook_name: str) -> Callable[..., Any]:
        def hook(self: Any, request: HttpRequest, *args: Any) -> Any:
            return None if is_api_request(request) else getattr(middleware_class, hook_name)(self, request, *args)

        return hook

    hooks = {
        name: unless_api(name)
        for name in ("process_view", "process_exception", "process_template_response")
        if hasattr(middleware_class, name)
    }
    name = f"Site{middleware_class.__name__}"
    # Synchronous only: under ASGI Django adapts it rather than taking the base's async path.
    return type(name, (middleware_class,), {"__call__": __call__, "async_capable": False, **hooks})
