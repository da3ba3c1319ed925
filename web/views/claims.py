"""Claims: file a missing-cashback claim (from a shop page or from "my clicks"), follow its status."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_http_methods

from claims.selectors import claim_get, claim_list
from claims.services import claim_file
from clicknback.actors import Actor
from clicks.selectors import click_list
from merchants.selectors import merchant_list
from web.forms import ClaimForm
from web.views.base import form_page, member_required, or_404, page

ROWS_PAGE = 20


@require_GET
@member_required
def claims(request: HttpRequest) -> HttpResponse:
    rows = claim_list(user=request.user).select_related("merchant")
    return page(request, "web/claims.html", {"claims": Paginator(rows, ROWS_PAGE).get_page(request.GET.get("page"))})


@require_GET
@member_required
def claim_detail(request: HttpRequest, claim_id: uuid.UUID) -> HttpResponse:
    return page(request, "web/claim_detail.html", {"claim": or_404(claim_get, user=request.user, claim_id=claim_id)})


@require_http_methods(["GET", "POST"])
@member_required
def claim_new(request: HttpRequest) -> HttpResponse:
    """`?merchant=` (a shop page's link) or `?click=&merchant=&date=` ("my clicks") fill the form in."""
    user = request.user
    merchants = [(str(merchant.id), merchant.name) for merchant in merchant_list(user=user)]
    initial = {"merchant_id": request.GET.get("merchant", ""), "click_id": request.GET.get("click", "")}
    initial["purchased_at"] = request.GET.get("date", "")
    form = ClaimForm(request.POST or None, initial=initial, merchants=merchants)

    def submit(data: dict[str, Any]) -> HttpResponse:
        claim = claim_file(user=user, **data, actor=Actor.for_user(user))
        messages.success(request, "Your claim is filed. Our support team looks at it and tells you the decision.")
        return redirect("web:claim", claim_id=claim.id)

    return form_page(request, "web/claim_new.html", form, submit=submit)


@require_GET
@member_required
def my_clicks(request: HttpRequest) -> HttpResponse:
    rows = click_list(user=request.user).select_related("merchant")
    return page(request, "web/clicks.html", {"clicks": Paginator(rows, ROWS_PAGE).get_page(request.GET.get("page"))})
