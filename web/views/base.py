"""What every page of the member site shares: who may see it and what the header shows."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from rest_framework.exceptions import ValidationError

from clicknback.errors import DomainError, NotFound, RateLimited
from clicknback.idempotency import REPLAYED_HEADER, fingerprint_of, run_once, valid_key
from notifications.selectors import notification_list
from web.forms import ApiForm

SIGN_IN = "web:signin"


def is_member(request: HttpRequest) -> bool:
    """The `user` role signed in: staff sign in to the back-office, not here (as the API's IsRegularUser)."""
    return request.user.is_authenticated and not request.user.is_staff


def page(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HttpResponse:
    """Render a page of the site, with the header's unread count for a member."""
    context = dict(context or {})
    if is_member(request):
        context["unread_count"] = notification_list(user=request.user, filters={"unread": "true"}).count()
    return render(request, template, context, status=status)


def member_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Anonymous visitors go to sign in (and come back); staff get the site's 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect(f"{reverse(SIGN_IN)}?{urlencode({'next': request.get_full_path()})}")
        if request.user.is_staff:
            return page(request, "web/403.html", {"reason": "staff"}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


def or_404(selector: Callable[..., Any], **kwargs: Any) -> Any:
    """A `*_get` selector's row, or the site's 404 page for its NotFound (another member's row too)."""
    try:
        return selector(**kwargs)
    except NotFound as exc:
        raise Http404 from exc


def form_page(
    request: HttpRequest,
    template: str,
    form: ApiForm,
    *,
    submit: Callable[[dict[str, Any]], HttpResponse],
    before: Callable[[], None] | None = None,
    context: dict[str, Any] | None = None,
) -> HttpResponse:
    """One form's page: GET shows it; POST runs `before` (rate limits, counted before any
    validation, as the API counts them), then `submit` with the valid data. The form comes back
    with each error beside its field: 400, or 429 with Retry-After when a rate limit refused."""
    context = {"form": form, **(context or {})}
    if request.method != "POST":
        return page(request, template, context)
    try:
        if before is not None:
            before()
        if form.is_valid():
            return submit(form.validated)
    except (DomainError, ValidationError) as error:
        form.add_domain_error(error)
        response = page(request, template, context, status=400)
        if isinstance(error, RateLimited):
            response.status_code = 429
            response["Retry-After"] = str(error.retry_after)
        return response
    return page(request, template, context, status=400)


RELOAD = "This form expired or was changed. Reload the page and send it again."


def submit_once(
    request: HttpRequest, *, route: str, data: dict[str, Any], create: Callable[[], dict[str, str]]
) -> tuple[dict[str, str], bool]:
    """Run `create` (a service step that joins this transaction; it returns a summary to show) at
    most once per the form's `idempotency_key`, through the API's own machinery
    (`clicknback.idempotency.run_once`): the key row, the work and the summary commit together.
    Returns the summary and whether it is a repeat's (the first submit's, replayed)."""
    key = request.POST.get("idempotency_key", "")
    if not valid_key(key):
        raise DomainError(RELOAD)

    def run() -> HttpResponse:
        return HttpResponse(json.dumps(create()), status=201, content_type="application/json")

    fingerprint = fingerprint_of(route={"method": "POST", "route": route, "args": {}}, data=data)
    answer = run_once(user=request.user, key=key, fingerprint=fingerprint, run=run)
    return json.loads(answer.content), answer.has_header(REPLAYED_HEADER)
