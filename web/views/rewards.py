"""Rewards: the tier and the way to the next one, points with what expires soon, redeeming points
into cashback (the API's service, rate limit and idempotency)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_http_methods

from clicknback.ratelimit import enforce_rate_limit
from loyalty.selectors import loyalty_status, points_account_for, points_entries_of, points_expiring_soon
from loyalty.services import redemption_create
from web.forms import RedeemForm
from web.presenters import money
from web.views.base import form_page, member_required, submit_once

HISTORY_LENGTH = 20


@require_http_methods(["GET", "POST"])
@member_required
def rewards(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = RedeemForm(request.POST or None)

    def before() -> None:  # the API's per-user limit, in the same counter
        enforce_rate_limit(request, group="rewards-redeem", key=str(user.pk), rate=settings.REDEEM_RATE_LIMIT)

    def submit(data: dict[str, Any]) -> HttpResponse:
        def create() -> dict[str, str]:
            redemption = redemption_create(user=user, points=data["points"])
            return {"points": str(redemption.points), "amount": money(redemption.amount, redemption.currency)}

        done, repeated = submit_once(request, route="web:rewards", data=data, create=create)
        text = f"{done['points']} points became {done['amount']} of available cashback."
        messages.success(request, f"{text} (That form was already sent: it counted once.)" if repeated else text)
        return redirect("web:rewards")

    status = loyalty_status(user_id=user.pk)
    account = points_account_for(user_id=user.pk)
    context = {
        "status": status,
        "progress": _progress(status),
        "account": account,
        "expiring": points_expiring_soon(account=account),
        "history": list(points_entries_of(user_id=user.pk)[:HISTORY_LENGTH]),
        "points_per_unit": settings.POINTS_PER_CURRENCY_UNIT,
        "min_points": settings.MIN_REDEMPTION_POINTS,
    }
    return form_page(request, "web/rewards.html", form, submit=submit, before=before, context=context)


def _progress(status) -> dict[str, Any] | None:
    """How far the qualifying spend is from the current tier's floor to the next tier's, in percent."""
    if status.next_tier is None:
        return None
    floor, goal = status.tier.min_spend, status.next_tier.min_spend
    share = (status.qualifying_spend - floor) / (goal - floor) if goal > floor else Decimal(1)
    return {"percent": int(min(max(share, 0), 1) * 100), "needed": goal - status.qualifying_spend}
