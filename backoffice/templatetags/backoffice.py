"""`{% backoffice_dashboard as dashboard %}`: the dashboard numbers for staff allowed to see them; the
house style's `money` and `when` filters."""

from __future__ import annotations

from django import template

from backoffice.dashboard import Dashboard, dashboard_data
from clicknback.admin_format import money, when

register = template.Library()

# Money totals and queues concern everyone who may look at purchases and payouts; others see only
# the app list.
DASHBOARD_PERMISSIONS = ("purchases.view_purchase", "payouts.view_payout", "wallets.view_wallet")


@register.simple_tag(takes_context=True)
def backoffice_dashboard(context: template.Context) -> Dashboard | None:
    user = context["request"].user
    if not user.has_perms(DASHBOARD_PERMISSIONS):
        return None
    return dashboard_data()


register.filter("money", money)
register.filter("when", when)
