"""Payouts in the admin: the queue, complete/fail per row through the services (compare-and-set),
the shared-destination warning, and that only superusers and finance may process payouts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from clicknback.actors import Actor
from clicknback.admin_format import money
from payouts.models import Payout, PayoutStatus
from payouts.services import payout_complete
from payouts.tests.helpers import payout_entries
from tests.admin.conftest import IBAN, changelist, messages_of
from wallets.models import EntryType, Wallet

pytestmark = pytest.mark.django_db

IBAN_MASKED = "DE89 **** **** 3000"
QUEUE = changelist("backoffice_requestedpayout")
ALL = changelist("payouts_payout")


def label(payout: Payout) -> str:
    return f"Payout of {money(payout.amount, payout.currency)} to {payout.user.email} ({payout.pk})"


def test_queue_lists_requested_payouts_oldest_first_with_the_users_balance(as_finance, user, make_payout):
    first = make_payout(user, "20.00")
    second = make_payout(user, "30.00")
    done = make_payout(user, "15.00")
    payout_complete(payout_id=done.id, actor=Actor.job("test"))
    response = as_finance.get(QUEUE)
    rows = list(response.context["cl"].result_list)
    assert [p.pk for p in rows] == [first.pk, second.pk]
    assert rows[0].user.wallet.paid == Decimal("65.00")
    assert "DE89 **** **** 3000" in response.content.decode()


@pytest.mark.parametrize("page", [QUEUE, ALL])
def test_list_pages_cost_the_same_queries_for_any_number_of_rows(page, as_finance, make_payout):
    make_payout(UserFactory())
    as_finance.get(page)
    with CaptureQueriesContext(connection) as few:
        as_finance.get(page)
    for _ in range(12):
        make_payout(UserFactory())
    with CaptureQueriesContext(connection) as many:
        response = as_finance.get(page)
    assert len(response.context["cl"].result_list) == 13
    assert len(many.captured_queries) == len(few.captured_queries)


def test_complete_then_complete_again_reports_already_done(as_finance, finance, user, make_payout):
    payout = make_payout(user)
    response = as_finance.action(QUEUE, "complete_payouts", [payout])
    assert messages_of(response) == [("success", f"{label(payout)}: completed")]
    payout.refresh_from_db()
    assert (payout.status, payout.processed_by) == (PayoutStatus.COMPLETED, finance)
    assert LogEntry.objects.filter(object_id=str(payout.id)).exists()
    # A double click from the full list (the queue no longer shows it): nothing moves twice.
    again = as_finance.action(ALL, "complete_payouts", [payout])
    assert messages_of(again) == [("info", f"{label(payout)}: already completed")]


def test_fail_asks_for_a_reason_and_refunds(as_finance, user, make_payout):
    payout = make_payout(user, "25.00")
    page = as_finance.action(QUEUE, "fail_payouts", [payout])
    assert page.status_code == 200 and b'name="reason"' in page.content and IBAN_MASKED.encode() in page.content
    assert Payout.objects.get(pk=payout.pk).status == PayoutStatus.REQUESTED
    response = as_finance.action(QUEUE, "fail_payouts", [payout], apply="1", reason="IBAN closed")
    assert messages_of(response) == [("success", f"{label(payout)}: failed, amount returned to available")]
    payout.refresh_from_db()
    assert (payout.status, payout.failure_reason) == (PayoutStatus.FAILED, "IBAN closed")
    assert Wallet.objects.get(user=user).available == Decimal("25.00")
    assert payout_entries(payout.id) == [EntryType.PAYOUT_REQUESTED, EntryType.PAYOUT_FAILED]


def test_failing_a_completed_payout_is_refused_with_a_message(as_finance, user, make_payout):
    payout = make_payout(user)
    payout_complete(payout_id=payout.id, actor=Actor.job("test"))
    response = as_finance.action(ALL, "fail_payouts", [payout], apply="1", reason="too late")
    assert response.status_code == 200
    assert messages_of(response) == [("error", f"{label(payout)}: refused: A completed payout cannot become failed.")]


def test_one_refusal_does_not_stop_the_other_rows(as_finance, user, make_payout):
    refused, fine = make_payout(user), make_payout(user)
    payout_complete(payout_id=refused.id, actor=Actor.job("test"))
    response = as_finance.action(ALL, "fail_payouts", [refused, fine], apply="1", reason="bank said no")
    assert [level for level, _ in messages_of(response)] == ["error", "success"]
    assert Payout.objects.get(pk=fine.pk).status == PayoutStatus.FAILED


def test_a_payout_processed_meanwhile_is_reported_from_the_queue(as_finance, user, make_payout):
    payout = make_payout(user)
    as_finance.get(QUEUE)
    payout_complete(payout_id=payout.id, actor=Actor.job("someone-else"))
    response = as_finance.action(QUEUE, "complete_payouts", [payout])
    assert messages_of(response) == [("warning", f"{Payout.objects.get()}: no longer in this queue, nothing done")]


def test_shared_destination_is_flagged_in_lists_and_on_the_detail_page(as_finance, user, other_user, make_payout):
    mine = make_payout(user)
    make_payout(other_user)  # same IBAN, another user
    alone = make_payout(UserFactory(), destination="FR1420041010050500013M02606")
    html = as_finance.get(QUEUE).content.decode()
    assert html.count("also used by 1 other user(s)") == 2
    rows = {p.pk: p.shared_with for p in as_finance.get(QUEUE).context["cl"].result_list}
    assert rows[alone.pk] == 0 and rows[mine.pk] == 1
    detail = as_finance.get(f"{ALL}{mine.pk}/change/")
    assert ("warning", f"This destination is also used by 1 other user(s): {other_user.email}.") in messages_of(detail)


def test_support_can_see_payouts_but_cannot_process_them(as_support, user, make_payout):
    payout = make_payout(user)
    page = as_support.get(QUEUE)
    assert page.status_code == 200 and b"complete_payouts" not in page.content
    response = as_support.post(QUEUE, {"action": "complete_payouts", "_selected_action": [str(payout.pk)]})
    assert response.status_code == 200
    assert Payout.objects.get(pk=payout.pk).status == PayoutStatus.REQUESTED
    failing = as_support.post(
        ALL, {"action": "fail_payouts", "_selected_action": [str(payout.pk)], "apply": "1", "reason": "x"}
    )
    assert failing.status_code == 200
    assert Payout.objects.get(pk=payout.pk).status == PayoutStatus.REQUESTED


def test_superusers_can_process_payouts(as_superuser, user, make_payout):
    payout = make_payout(user)
    as_superuser.action(QUEUE, "complete_payouts", [payout])
    assert Payout.objects.get(pk=payout.pk).status == PayoutStatus.COMPLETED


def test_nobody_edits_or_deletes_a_payout(as_superuser, user, make_payout):
    payout = make_payout(user)
    detail = as_superuser.get(f"{ALL}{payout.pk}/change/")
    assert detail.status_code == 200 and b'name="_save"' not in detail.content
    assert as_superuser.get(f"{ALL}add/").status_code == 403
    assert as_superuser.get(f"{ALL}{payout.pk}/delete/").status_code == 403


def test_detail_shows_the_payout_history_read_only(as_finance, finance, user, make_payout):
    payout = make_payout(user)
    as_finance.action(QUEUE, "fail_payouts", [payout], apply="1", reason="IBAN closed")
    html = as_finance.get(f"{ALL}{payout.pk}/change/").content.decode()
    assert "History" in html and finance.email in html and "IBAN closed" in html
    assert 'name="events-TOTAL_FORMS"' in html and 'name="events-0-reason"' not in html


def test_lists_mask_destinations_and_the_detail_page_shows_them_whole(as_finance, user, make_payout):
    bank = make_payout(user)
    make_payout(user, method="paypal", destination="john@example.com")
    html = as_finance.get(ALL).content.decode()
    assert IBAN_MASKED in html and "j***@example.com" in html
    assert IBAN not in html and "john@example.com" not in html
    assert IBAN in as_finance.get(f"{ALL}{bank.pk}/change/").content.decode()
