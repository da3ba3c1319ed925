"""Purchases in the admin: a fast searchable list, a read-only detail with history and ledger
entries, and confirm / reverse through the same services as the API, reported per row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clicknback.actors import Actor
from clicknback.testing import run_at_once
from purchases.models import PurchaseEvent, PurchaseStatus
from purchases.services import purchase_confirm, purchase_reverse
from tests.admin.conftest import changelist, messages_of
from wallets.models import Wallet
from wallets.selectors import ledger_discrepancies

pytestmark = pytest.mark.django_db

PURCHASES = changelist("purchases_purchase")


def test_list_page_costs_the_same_queries_for_any_number_of_rows(as_support, ingest):
    ingest()
    as_support.get(PURCHASES)
    with CaptureQueriesContext(connection) as few:
        as_support.get(PURCHASES)
    for _ in range(15):
        ingest()
    with CaptureQueriesContext(connection) as many:
        response = as_support.get(PURCHASES)
    assert len(response.context["cl"].result_list) == 16
    assert len(many.captured_queries) == len(few.captured_queries)


def test_search_by_exact_external_id_or_user_email(as_support, ingest, user, other_user):
    mine = ingest(external_id="ORDER-77")
    theirs = ingest(user_id=other_user.id)
    by_id = as_support.get(PURCHASES, data={"q": "ORDER-77"}).context["cl"].result_list
    assert [p.pk for p in by_id] == [mine.pk]
    by_email = as_support.get(PURCHASES, data={"q": other_user.email.upper()}).context["cl"].result_list
    assert [p.pk for p in by_email] == [theirs.pk]


def test_filters_by_status_flag_merchant_and_date(as_support, ingest, merchant):
    normal, flagged = ingest(), ingest("1500.00")
    query = {"flagged__exact": "1", "status__exact": "pending", "merchant__id__exact": str(merchant.pk)}
    rows = as_support.get(PURCHASES, data=query).context["cl"].result_list
    assert [p.pk for p in rows] == [flagged.pk]
    # As the admin's "Today" link sends it: midnight UTC, with its offset.
    midnight = normal.purchased_at.replace(hour=0, minute=0, second=0, microsecond=0)
    today = as_support.get(PURCHASES, data={"purchased_at__gte": midnight.isoformat()})
    assert today.status_code == 200 and len(today.context["cl"].result_list) == 2


def test_detail_shows_cashback_history_and_ledger_entries_read_only(as_support, ingest):
    purchase = ingest("100.00")
    purchase_reverse(purchase_id=purchase.id, reason="Returned", actor=Actor.job("test"))
    response = as_support.get(f"{PURCHASES}{purchase.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200 and 'name="_save"' not in html
    assert "Returned" in html and "Cashback pending" in html and "Cashback reversed" in html
    assert html.count("<tr><td>") >= 2  # two ledger entries: credited, then taken back
    assert "-€10.00" in html


def test_confirm_reports_done_already_done_and_refused(as_support, ingest, user):
    pending, reversed_ = ingest("100.00"), ingest("200.00")
    purchase_reverse(purchase_id=reversed_.id, reason="x", actor=Actor.job("test"))
    response = as_support.action(PURCHASES, "confirm_purchases", [pending, reversed_])
    assert messages_of(response) == [
        ("success", f"Purchase {pending.external_id}: confirmed: its cashback is now available"),
        ("error", f"Purchase {reversed_.external_id}: refused: A reversed purchase cannot become confirmed."),
    ]
    again = as_support.action(PURCHASES, "confirm_purchases", [pending])
    assert messages_of(again) == [("info", f"Purchase {pending.external_id}: already confirmed")]
    assert Wallet.objects.get(user=user).available == Decimal("10.00")


def test_reverse_with_a_reason_reports_each_row(as_support, ingest, user):
    first, second = ingest("100.00"), ingest("300.00")
    purchase_reverse(purchase_id=second.id, reason="earlier", actor=Actor.job("test"))
    page = as_support.action(PURCHASES, "reverse_purchases", [first, second])
    assert b'name="reason"' in page.content
    response = as_support.action(PURCHASES, "reverse_purchases", [first, second], apply="1", reason="Chargeback")
    assert messages_of(response) == [
        ("success", f"Purchase {first.external_id}: reversed: its cashback was taken back"),
        ("info", f"Purchase {second.external_id}: already reversed"),
    ]
    first.refresh_from_db()
    assert (first.status, first.reversal_reason) == (PurchaseStatus.REVERSED, "Chargeback")


def test_finance_cannot_confirm_or_reverse(as_finance, ingest):
    purchase = ingest()
    page = as_finance.get(PURCHASES)
    assert page.status_code == 200 and b"confirm_purchases" not in page.content
    as_finance.post(PURCHASES, {"action": "confirm_purchases", "_selected_action": [str(purchase.pk)]})
    purchase.refresh_from_db()
    assert purchase.status == PurchaseStatus.PENDING


@pytest.mark.django_db(transaction=True)
def test_a_purchase_confirmed_by_someone_else_just_before_the_lock_is_reported_already_done(as_support, ingest):
    """The report comes from the locked row the service read, not from the list page's stale copy."""
    purchase = ingest("100.00")
    raced: list[bool] = []

    def someone_else_confirms_first(execute, sql, params, many, context):
        if "FOR UPDATE" in sql and not raced:
            raced.append(True)  # on another connection, committed before our lock is taken
            run_at_once([lambda: purchase_confirm(purchase_id=purchase.id, actor=Actor.job("test"))])
        return execute(sql, params, many, context)

    with connection.execute_wrapper(someone_else_confirms_first):
        response = as_support.action(PURCHASES, "confirm_purchases", [purchase])
    assert raced and messages_of(response) == [("info", f"Purchase {purchase.external_id}: already confirmed")]


def test_nobody_adds_a_purchase_in_the_admin(as_superuser, ingest):
    purchase = ingest()
    assert as_superuser.get(f"{PURCHASES}{purchase.pk}/change/").status_code == 200
    assert as_superuser.get(f"{PURCHASES}add/").status_code == 403


@pytest.mark.parametrize(
    ("action", "status", "flagged"),
    [
        ("confirm_purchases", "confirmed", False),
        ("reverse_purchases", "reversed", True),
        ("clear_flags", "pending", False),
    ],
)
def test_each_action_goes_through_the_services(as_superuser, superuser, ingest, action, status, flagged):
    purchase = ingest("2000.00")
    # Reversing asks for a reason on an intermediate page; the other actions ignore these fields.
    response = as_superuser.action(PURCHASES, action, [purchase], apply="1", reason="Chargeback")
    assert response.status_code == 200
    purchase.refresh_from_db()
    assert (purchase.status, purchase.flagged) == (status, flagged)
    assert PurchaseEvent.objects.filter(purchase=purchase, actor_id=str(superuser.id)).exists()
    assert ledger_discrepancies() == []
