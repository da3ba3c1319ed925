"""Notifications: the list, mark one or all read. With htmx, marking one swaps only its line."""

from __future__ import annotations

import uuid

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from notifications.selectors import notification_list
from notifications.services import notification_read, notifications_read_all
from web.views.base import member_required, or_404, page

ROWS_PAGE = 20


@require_GET
@member_required
def notifications(request: HttpRequest) -> HttpResponse:
    rows = Paginator(notification_list(user=request.user, filters=request.GET), ROWS_PAGE)
    context = {"notifications": rows.get_page(request.GET.get("page")), "unread_only": "unread" in request.GET}
    return page(request, "web/notifications.html", context)


@require_POST
@member_required
def notification_mark_read(request: HttpRequest, notification_id: uuid.UUID) -> HttpResponse:
    notification = or_404(notification_read, user=request.user, notification_id=notification_id)
    if request.headers.get("HX-Request"):
        return page(request, "web/_notification.html", {"notification": notification})
    return redirect("web:notifications")


@require_POST
@member_required
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    notifications_read_all(user=request.user)
    return redirect("web:notifications")
