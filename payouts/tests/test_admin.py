from decimal import Decimal

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.urls import reverse

from payouts.models import Payout, PayoutStatus
from payouts.tests.conftest import IBAN, IBAN_MASKED
from payouts.tests.helpers import available, payout_entries
from wallets.models import EntryType
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:payouts_payout_changelist")


@pytest.fixture
def staff(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_list_shows_destinations_masked(staff, user, make_payout):
    fund_wallet(user, Decimal("50.00"))
    make_payout(user)
    make_payout(user, method="paypal", destination="john@example.com")
    html = staff.get(CHANGELIST).content.decode()
    assert IBAN_MASKED in html and "j***@example.com" in html
    assert IBAN not in html and "john@example.com" not in html


def test_list_query_count_is_fixed(staff, user, make_payout, django_assert_max_num_queries):
    fund_wallet(user, Decimal("500.00"))
    for _ in range(3):
        make_payout(user, "10.00")
    with django_assert_max_num_queries(12) as few:
        staff.get(CHANGELIST)
    for _ in range(20):
        make_payout(user, "10.00")
    with django_assert_max_num_queries(len(few.captured_queries)):
        staff.get(CHANGELIST)


def test_complete_action_uses_the_service(staff, user, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    response = staff.post(CHANGELIST, {"action": "complete_payouts", "_selected_action": [str(payout.id)]})
    assert response.status_code == 302
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.COMPLETED and payout.processed_by is not None
    assert LogEntry.objects.filter(object_id=str(payout.id)).exists()


def test_fail_action_asks_for_a_reason_then_refunds(staff, user, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    selection = {"action": "fail_payouts", "_selected_action": [str(payout.id)]}
    form = staff.post(CHANGELIST, selection)
    assert form.status_code == 200 and b'name="reason"' in form.content and IBAN_MASKED.encode() in form.content
    assert Payout.objects.get().status == PayoutStatus.REQUESTED
    done = staff.post(CHANGELIST, {**selection, "apply": "1", "reason": "Account closed"})
    assert done.status_code == 302
    payout.refresh_from_db()
    assert (payout.status, payout.failure_reason) == (PayoutStatus.FAILED, "Account closed")
    assert available(user) == Decimal("50.00")
    assert payout_entries(payout.id) == [EntryType.PAYOUT_REQUESTED, EntryType.PAYOUT_FAILED]


def test_fail_action_reports_refusals(staff, user, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    staff.post(CHANGELIST, {"action": "complete_payouts", "_selected_action": [str(payout.id)]})
    response = staff.post(
        CHANGELIST,
        {"action": "fail_payouts", "_selected_action": [str(payout.id)], "apply": "1", "reason": "late"},
        follow=True,
    )
    assert "cannot become failed" in response.content.decode()
    assert Payout.objects.get().status == PayoutStatus.COMPLETED


def test_detail_page_shows_the_full_destination_to_staff(staff, user, make_payout):
    fund_wallet(user, Decimal("50.00"))
    payout = make_payout(user)
    response = staff.get(reverse("admin:payouts_payout_change", args=[payout.id]))
    assert response.status_code == 200 and IBAN in response.content.decode()
