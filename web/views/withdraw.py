"""Withdraw: the payout form (the API's validation, messages and service) and the payouts list.

A double submit pays once: the form carries an idempotency key, and the request runs through the
API's own machinery (`clicknback.idempotency.run_once`): the key row, the payout and the stored
answer commit together, and a repeat gets the first answer back."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from clicknback.errors import DomainError
from clicknback.idempotency import REPLAYED_HEADER, fingerprint_of, run_once, valid_key
from clicknback.money import decimal_setting
from payouts.selectors import payout_list
from payouts.services import payout_create
from wallets.selectors import wallet_for_user
from web.forms import WithdrawForm
from web.presenters import money
from web.views.base import form_page, member_required

PAYOUTS_PAGE = 20
ROUTE = {"method": "POST", "route": "web:withdraw", "args": {}}

RELOAD = "This form expired or was changed. Reload the page and send it again."


@require_http_methods(["GET", "POST"])
@member_required
def withdraw(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = WithdrawForm(request.POST or None, initial={"idempotency_key": uuid.uuid4().hex})

    def submit(data: dict[str, Any]) -> HttpResponse:
        key = request.POST.get("idempotency_key", "")
        if not valid_key(key):
            raise DomainError(RELOAD)

        def run() -> HttpResponse:
            payout = payout_create(user=user, **data)
            body = {"payout_id": str(payout.id), "amount": money(payout.amount, payout.currency)}
            return HttpResponse(json.dumps(body), status=201, content_type="application/json")

        answer = run_once(user=user, key=key, fingerprint=fingerprint_of(route=ROUTE, data=data), run=run)
        body = json.loads(answer.content)
        if answer.has_header(REPLAYED_HEADER):
            messages.info(request, f"Your withdrawal of {body['amount']} was already requested: it is paid once.")
        else:
            messages.success(request, f"Your withdrawal of {body['amount']} is requested.")
        return redirect("web:withdraw")

    context = {
        "wallet": wallet_for_user(user_id=user.pk),
        "minimum": decimal_setting("MIN_PAYOUT_AMOUNT"),
        "payouts": Paginator(payout_list(user=user), PAYOUTS_PAGE).get_page(request.GET.get("page")),
    }
    return form_page(request, "web/withdraw.html", form, submit=submit, context=context)
