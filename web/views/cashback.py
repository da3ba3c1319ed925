"""My cashback: balances, the ledger in words, purchases and a chart of cashback per month."""

from __future__ import annotations

from datetime import UTC, date

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from clicknback.charts import Series, bar_chart
from clicknback.money import ZERO
from payouts.selectors import payouts_visible_to
from purchases.models import PurchaseStatus
from purchases.selectors import cashback_by_month, purchase_list, purchases_visible_to
from wallets.selectors import wallet_entries_of, wallet_for_user
from web.presenters import ledger_lines, pending_until
from web.views.base import member_required, page

HISTORY_PAGE = 20
PURCHASES_PAGE = 20
CHART_MONTHS = 12
CHART_COLORS = {PurchaseStatus.CONFIRMED: "#0b5d3b", PurchaseStatus.PENDING: "#e0a100"}


@require_GET
@member_required
def cashback(request: HttpRequest) -> HttpResponse:
    user = request.user
    wallet = wallet_for_user(user_id=user.pk)
    history_page = _page_number(request, "history")
    offset = (history_page - 1) * HISTORY_PAGE
    # The ledger is paged by the wallet's own entry count: no COUNT(*) over the whole history.
    entries = list(wallet_entries_of(wallet=wallet)[offset : offset + HISTORY_PAGE]) if wallet.pk else []
    purchases_by_id = _by_id(purchases_visible_to(user=user), {entry.purchase_id for entry in entries})
    payouts_by_id = _by_id(payouts_visible_to(user=user), {entry.payout_id for entry in entries})
    purchases = Paginator(purchase_list(user=user), PURCHASES_PAGE).get_page(request.GET.get("purchases"))
    context = {
        "wallet": wallet,
        "history": ledger_lines(entries, purchases=purchases_by_id, payouts=payouts_by_id),
        "history_page": history_page,
        "history_older": offset + HISTORY_PAGE < wallet.entry_count,
        "purchases": purchases,
        "pending_until": {p.id: pending_until(p) for p in purchases if p.status == PurchaseStatus.PENDING},
        "chart": _monthly_chart(user),
    }
    return page(request, "web/cashback.html", context)


def _by_id(rows: QuerySet, ids: set) -> dict:
    """The rows of the page's documents, by id (no query when the page names none)."""
    ids.discard(None)
    return {row.id: row for row in rows.filter(id__in=ids)} if ids else {}


def _page_number(request: HttpRequest, name: str) -> int:
    value = request.GET.get(name, "1")
    return max(int(value), 1) if value.isdigit() else 1


def _months(count: int, today: date) -> list[date]:
    """The first days of the last `count` months, oldest first, this month last."""
    index = today.year * 12 + today.month - 1
    return [date((index - back) // 12, (index - back) % 12 + 1, 1) for back in range(count - 1, -1, -1)]


def _monthly_chart(user):
    months = _months(CHART_MONTHS, timezone.now().astimezone(UTC).date())
    totals = cashback_by_month(user=user, since=months[0])
    series = [
        Series(label, CHART_COLORS[status], [totals.get((month, status), ZERO) for month in months])
        for status, label in ((PurchaseStatus.CONFIRMED, "Confirmed"), (PurchaseStatus.PENDING, "Pending"))
    ]
    return bar_chart("Cashback per month", months, series, stacked=True, period="month")
