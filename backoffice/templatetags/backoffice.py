"""`{% backoffice_dashboard as dashboard %}`: the dashboard numbers for staff allowed to see them; the
house style's `money` and `when` filters, and `percent` for a rate."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from django import template
from rest_framework.exceptions import ValidationError

from analytics.serializers import date_range
from backoffice.dashboard import Dashboard, dashboard_data
from clicknback.admin_format import NOTHING, money, when

register = template.Library()

# Money totals and queues concern everyone who may look at purchases and payouts; others see only
# the app list.
DASHBOARD_PERMISSIONS = ("purchases.view_purchase", "payouts.view_payout", "wallets.view_wallet")


@register.simple_tag(takes_context=True)
def backoffice_dashboard(context: template.Context) -> Dashboard | None:
    user = context["request"].user
    if not user.has_perms(DASHBOARD_PERMISSIONS):
        return None
    try:
        first, last = date_range(context["request"].GET)
    except ValidationError as exc:
        messages = [str(m) for field in exc.detail.values() for m in field]
        return replace(dashboard_data(), range_error=" ".join(messages))
    return dashboard_data(first=first, last=last)


register.filter("money", money)
register.filter("when", when)


@register.filter
def percent(rate: Decimal | None) -> str:
    """A rate (0.1250) as `12.50 %`; none (no clicks to divide by) is a dash."""
    return NOTHING if rate is None else f"{rate * 100:.2f} %"
