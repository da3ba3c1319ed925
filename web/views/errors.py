"""The URLconf's error handlers: the site's pages on its own paths, the envelope on the API's (and
the admin's, as before): `clicknback.routing.json_error_pages` draws the line."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views import csrf

from clicknback import views as api
from clicknback.routing import json_error_pages
from web.views.base import page


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if json_error_pages(request.path):
        return api.not_found(request, exception)
    return page(request, "web/404.html", status=404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if json_error_pages(request.path):
        return api.permission_denied(request, exception)
    return page(request, "web/403.html", status=403)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if json_error_pages(request.path):
        return api.bad_request(request, exception)
    return page(request, "web/400.html", status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    """Rendered without the request's context: whatever failed (the database too) is not asked again."""
    if json_error_pages(request.path):
        return api.server_error(request)
    return HttpResponse(loader.get_template("web/500.html").render(), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: the site's 403 page on its paths; Django's own page elsewhere (the admin)."""
    if json_error_pages(request.path):
        return csrf.csrf_failure(request, reason)
    return page(request, "web/403.html", {"reason": "csrf"}, status=403)
