"""Sign up, sign in, sign out, password change and reset: the API's services and rate limits, with
Django's session instead of tokens."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.services import (
    password_change,
    password_reset_confirm,
    password_reset_request,
    user_authenticate,
    user_register,
)
from clicknback.ratelimit import client_ip, enforce_rate_limit
from web.forms import PasswordChangeForm, PasswordResetConfirmForm, PasswordResetForm, SignInForm, SignUpForm
from web.views.base import form_page, member_required, page

BACKEND = "django.contrib.auth.backends.ModelBackend"
HOME = "web:shops"


def _next_or_home(request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect(HOME)


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    def before() -> None:
        enforce_rate_limit(request, group="register-ip", key=client_ip(request), rate=settings.REGISTER_RATE_LIMIT)

    def submit(data: dict[str, Any]) -> HttpResponse:
        login(request, user_register(**data), backend=BACKEND)
        messages.success(request, "Welcome to ClickNBack. Pick a shop and activate cashback before you buy.")
        return redirect(HOME)

    return form_page(request, "web/signup.html", SignUpForm(request.POST or None), submit=submit, before=before)


@require_http_methods(["GET", "POST"])
def signin(request: HttpRequest) -> HttpResponse:
    rate = settings.LOGIN_RATE_LIMIT

    def before() -> None:
        enforce_rate_limit(request, group="login-ip", key=client_ip(request), rate=rate)

    def submit(data: dict[str, Any]) -> HttpResponse:
        email = data["email"].lower()
        enforce_rate_limit(request, group="login-email", key=email, rate=rate)
        login(request, user_authenticate(email=email, password=data["password"]), backend=BACKEND)
        return _next_or_home(request)

    context = {"next": request.POST.get("next") or request.GET.get("next", "")}
    form = SignInForm(request.POST or None)
    return form_page(request, "web/signin.html", form, submit=submit, before=before, context=context)


@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect(HOME)


@require_http_methods(["GET", "POST"])
@member_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    def before() -> None:
        rate = settings.LOGIN_RATE_LIMIT
        enforce_rate_limit(request, group="password-change-user", key=str(request.user.pk), rate=rate)

    def submit(data: dict[str, Any]) -> HttpResponse:
        password_change(user=request.user, **data)
        update_session_auth_hash(request, request.user)  # this session stays signed in; the others end
        messages.success(request, "Your password is changed.")
        return redirect("web:account")

    form = PasswordChangeForm(request.POST or None)
    return form_page(request, "web/password_change.html", form, submit=submit, before=before)


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    rate = settings.PASSWORD_RESET_RATE_LIMIT

    def before() -> None:
        enforce_rate_limit(request, group="password-reset-ip", key=client_ip(request), rate=rate)

    def submit(data: dict[str, Any]) -> HttpResponse:
        email = data["email"].lower()
        enforce_rate_limit(request, group="password-reset-email", key=email, rate=rate)
        password_reset_request(email=email)
        return page(request, "web/password_reset_sent.html")

    form = PasswordResetForm(request.POST or None)
    return form_page(request, "web/password_reset.html", form, submit=submit, before=before)


@require_http_methods(["GET", "POST"])
def password_reset_confirm_view(request: HttpRequest) -> HttpResponse:
    """The emailed link (`PASSWORD_RESET_URL`) lands here with `uid` and `token`."""

    def submit(data: dict[str, Any]) -> HttpResponse:
        password_reset_confirm(**data)
        messages.success(request, "Your new password is set. Sign in with it.")
        return redirect("web:signin")

    form = PasswordResetConfirmForm(request.POST or None, initial=request.GET.dict())
    return form_page(request, "web/password_reset_confirm.html", form, submit=submit)


@member_required
def account(request: HttpRequest) -> HttpResponse:
    return page(request, "web/account.html")
