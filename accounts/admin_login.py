"""The back-office login, throttled like the API login: per client IP and per username."""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpRequest, HttpResponse

from clicknback.errors import RateLimited
from clicknback.ratelimit import client_ip, enforce_rate_limit


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    """Every submitted attempt counts (`ADMIN_LOGIN_RATE_LIMIT`); past the limit the attempt is
    refused before the password is even checked, so the right password does not get in either."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "rate_limited": "Too many login attempts. Try again in %(seconds)s seconds.",
    }
    retry_after: int | None = None

    def clean(self):
        rate = settings.ADMIN_LOGIN_RATE_LIMIT
        username = (self.cleaned_data.get("username") or "").strip().lower()
        try:
            enforce_rate_limit(self.request, group="admin-login-ip", key=client_ip(self.request), rate=rate)
            if username:
                enforce_rate_limit(self.request, group="admin-login-username", key=username, rate=rate)
        except RateLimited as exc:
            self.retry_after = exc.retry_after
            raise ValidationError(
                self.error_messages["rate_limited"], code="rate_limited", params={"seconds": exc.retry_after}
            ) from exc
        return super().clean()


def admin_login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    """`admin.site.login` with the throttled form; a throttled attempt is the form again, with its
    error, answered `429` with `Retry-After`."""
    response = admin.site.login(request, extra_context)
    form = (getattr(response, "context_data", None) or {}).get("form")
    if isinstance(form, ThrottledAdminAuthenticationForm) and form.has_error(NON_FIELD_ERRORS, "rate_limited"):
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response


# Every way into the admin's login view (its own URL included) uses the throttled form.
admin.site.login_form = ThrottledAdminAuthenticationForm
