"""Withdraw: the payout form (the API's validation, messages and service) and the payouts list.
A double submit pays once: the form carries an idempotency key (`submit_once`)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from chain.selectors import linked_address_of
from clicknback.money import decimal_setting
from payouts.selectors import payout_list
from payouts.services import payout_create
from wallets.selectors import wallet_for_user
from web.forms import WithdrawForm
from web.presenters import money
from web.views.base import form_page, member_required, submit_once

PAYOUTS_PAGE = 20


@require_http_methods(["GET", "POST"])
@member_required
def withdraw(request: HttpRequest) -> HttpResponse:
    user = request.user
    address = linked_address_of(user.pk)
    form = WithdrawForm(request.POST or None, tokens=address is not None)

    def submit(data: dict[str, Any]) -> HttpResponse:
        def create() -> dict[str, str]:
            payout = payout_create(user=user, **data)
            return {"amount": money(payout.amount, payout.currency)}

        done, repeated = submit_once(request, route="web:withdraw", data=data, create=create)
        if repeated:
            messages.info(request, f"Your withdrawal of {done['amount']} was already requested: it is paid once.")
        else:
            messages.success(request, f"Your withdrawal of {done['amount']} is requested.")
        return redirect("web:withdraw")

    context = {
        "wallet": wallet_for_user(user_id=user.pk),
        "chain_address": address,
        "minimum": decimal_setting("MIN_PAYOUT_AMOUNT"),
        "payouts": Paginator(payout_list(user=user), PAYOUTS_PAGE).get_page(request.GET.get("page")),
    }
    return form_page(request, "web/withdraw.html", form, submit=submit, context=context)
