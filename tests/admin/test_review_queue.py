"""The fraud review queue: flagged pending purchases, oldest first; clear and reverse through the
purchase services, recording who decided; refusals and races reported as messages."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backoffice.models import FlaggedPurchase
from clicknback.actors import Actor
from purchases.models import PurchaseAction, PurchaseEvent, PurchaseStatus
from purchases.services import purchase_clear_flag, purchase_confirm, purchase_reverse
from tests.admin.conftest import changelist, messages_of
from wallets.models import Wallet

pytestmark = pytest.mark.django_db

QUEUE = changelist("backoffice_flaggedpurchase")


def wallet_of(user) -> Wallet:
    return Wallet.objects.get(user=user)


def test_queue_shows_flagged_pending_purchases_oldest_first_with_reasons_and_totals(as_support, ingest):
    ingest("50.00", external_id="normal-1")
    first = ingest("1500.00", external_id="flagged-old")
    second = ingest("2500.00", external_id="flagged-new")
    gone = ingest("3000.00", external_id="flagged-reversed")
    purchase_reverse(purchase_id=gone.id, reason="test", actor=Actor.job("test"))
    assert first.flagged and second.flagged

    response = as_support.get(QUEUE)
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [p.external_id for p in rows] == ["flagged-old", "flagged-new"]
    html = response.content.decode()
    assert "Amount at or above the review threshold" in html
    # The user's totals: 4 purchases, 1 reversed, cashback of the 3 others.
    assert (rows[0].n_purchases, rows[0].n_reversed) == (4, 1)
    assert rows[0].total_cashback == sum(
        (p.cashback_amount for p in (first, second)), Decimal("5.00")
    )  # 10 % of 50.00 plus the two flagged ones


def test_queue_page_costs_the_same_queries_for_any_number_of_rows(as_support, ingest, django_assert_num_queries):
    ingest("1500.00")
    as_support.get(QUEUE)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        as_support.get(QUEUE)
    for _ in range(15):
        ingest("1500.00")
    with django_assert_num_queries(len(few.captured_queries)):
        response = as_support.get(QUEUE)
    assert len(response.context["cl"].result_list) == 16


def test_detail_shows_reasons_and_the_users_history(as_support, ingest):
    ingest("75.00", external_id="earlier-one")
    flagged = ingest("1500.00")
    response = as_support.get(f"{QUEUE}{flagged.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "earlier-one" in html and "Amount at or above the review threshold" in html
    assert "2 purchases, 0 reversed" in html
    assert 'name="_save"' not in html  # a decision is an action, never an edit


def test_clear_makes_the_purchase_eligible_and_records_who_decided(as_support, support, ingest):
    flagged = ingest("1500.00")
    response = as_support.action(QUEUE, "clear_flags", [flagged])
    assert response.status_code == 200
    assert messages_of(response) == [
        ("success", f"Purchase {flagged.external_id}: flag cleared: it will be confirmed when due")
    ]
    flagged.refresh_from_db()
    assert (flagged.flagged, flagged.status) == (False, PurchaseStatus.PENDING)
    event = PurchaseEvent.objects.get(purchase=flagged, action=PurchaseAction.FLAG_CLEARED)
    assert (event.actor_kind, event.actor_id, event.actor_label) == ("admin", str(support.pk), support.email)
    assert not FlaggedPurchase.objects.filter(flagged=True).exists()


def test_clear_confirms_at_once_when_the_partner_had_settled(as_support, ingest, partner, user):
    flagged = ingest("1500.00")
    purchase_confirm(purchase_id=flagged.id, actor=Actor.for_partner(partner))  # remembered, not applied
    response = as_support.action(QUEUE, "clear_flags", [flagged])
    assert "confirmed, since the partner had already settled it" in messages_of(response)[0][1]
    flagged.refresh_from_db()
    assert flagged.status == PurchaseStatus.CONFIRMED
    assert wallet_of(user).available == flagged.cashback_amount


def test_reverse_asks_for_a_reason_then_reverses(as_support, support, ingest, user):
    flagged = ingest("1500.00")
    page = as_support.action(QUEUE, "reverse_purchases", [flagged])
    assert page.status_code == 200 and b'name="reason"' in page.content
    flagged.refresh_from_db()
    assert flagged.status == PurchaseStatus.PENDING  # nothing happens before the reason is given

    empty = as_support.action(QUEUE, "reverse_purchases", [flagged], apply="1", reason="   ")
    assert b"This field is required." in empty.content
    done = as_support.action(QUEUE, "reverse_purchases", [flagged], apply="1", reason="Stolen card")
    assert messages_of(done) == [("success", f"Purchase {flagged.external_id}: reversed: its cashback was taken back")]
    flagged.refresh_from_db()
    assert (flagged.status, flagged.reversal_reason) == (PurchaseStatus.REVERSED, "Stolen card")
    assert wallet_of(user).pending == 0
    event = PurchaseEvent.objects.get(purchase=flagged, action=PurchaseAction.REVERSED)
    assert (event.actor_label, event.reason) == (support.email, "Stolen card")


def test_a_purchase_another_staff_member_decided_first_is_reported_not_skipped(as_support, ingest):
    flagged = ingest("1500.00")
    as_support.get(QUEUE)
    purchase_clear_flag(purchase_id=flagged.id, actor=Actor.job("someone-else"))
    response = as_support.action(QUEUE, "clear_flags", [flagged])
    assert messages_of(response) == [("warning", f"{flagged}: no longer in this queue, nothing done")]


def test_finance_cannot_review_fraud(as_finance, ingest):
    flagged = ingest("1500.00")
    page = as_finance.get(QUEUE)
    assert page.status_code == 200  # finance may look
    assert b"clear_flags" not in page.content
    response = as_finance.post(QUEUE, {"action": "clear_flags", "_selected_action": [str(flagged.pk)]})
    assert response.status_code == 200
    flagged.refresh_from_db()
    assert flagged.flagged


def test_a_user_without_permissions_cannot_see_the_queue(ingest, db):
    from tests.admin.conftest import AdminClient, staff_member

    response = AdminClient(staff_member()).get(QUEUE)
    assert response.status_code == 403
