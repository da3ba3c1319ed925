"""confirm_due_purchases: confirms what is due, skips what is not, in batches."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from clicknback.actors import Actor
from purchases.models import Purchase, PurchaseEvent
from purchases.services import purchases_confirm_due
from wallets.models import Wallet, WalletEntry
from wallets.selectors import ledger_discrepancies

pytestmark = pytest.mark.django_db


def run_job(*args: str) -> str:
    out = StringIO()
    call_command("confirm_due_purchases", *args, stdout=out)
    return out.getvalue()


@pytest.mark.usefixtures("no_review_delay")
def test_confirms_due_purchases_only(ingest, merchant, user):
    merchant.confirmation_days = 14
    merchant.save()
    now = datetime.now(UTC)
    due = ingest("100.00", purchased_at=now - timedelta(days=14, minutes=1))
    not_due = ingest("100.00", purchased_at=now - timedelta(days=13, hours=23))
    flagged = ingest("5000.00", purchased_at=now - timedelta(days=30))
    assert run_job() == "Confirmed 1 purchase.\n"
    statuses = dict(Purchase.objects.values_list("id", "status"))
    assert statuses == {due.id: "confirmed", not_due.id: "pending", flagged.id: "pending"}
    wallet = Wallet.objects.get(user=user)
    assert (wallet.pending, wallet.available) == (Decimal("510.00"), Decimal("10.00"))
    event = PurchaseEvent.objects.get(purchase=due, action="confirmed")
    assert (event.actor_kind, event.actor_label) == ("job", "confirm_due_purchases")
    assert run_job() == "Confirmed 0 purchases.\n"
    assert ledger_discrepancies() == []


@pytest.mark.usefixtures("no_review_delay")
def test_zero_day_merchant_is_due_at_once_and_zero_cashback_moves_nothing(ingest, offer, merchant):
    merchant.confirmation_days = 0
    merchant.save()
    offer.min_purchase_amount = Decimal("50.00")
    offer.save()
    earning, nothing = ingest("100.00"), ingest("10.00")
    assert run_job() == "Confirmed 2 purchases.\n"
    assert set(Purchase.objects.values_list("status", flat=True)) == {"confirmed"}
    assert WalletEntry.objects.filter(purchase_id=nothing.id).count() == 0
    assert WalletEntry.objects.filter(purchase_id=earning.id).count() == 2
    assert ledger_discrepancies() == []


@pytest.mark.usefixtures("no_review_delay")
def test_small_batches_confirm_everything(ingest, merchant):
    merchant.confirmation_days = 0
    merchant.save()
    users = [UserFactory() for _ in range(3)]
    for i in range(7):
        ingest("20.00", user_id=users[i % 3].id)
    assert run_job("--batch-size", "2") == "Confirmed 7 purchases.\n"
    assert ledger_discrepancies() == []
    for user in users:
        entries = list(
            WalletEntry.objects.filter(wallet__user=user).order_by("sequence").values_list("sequence", flat=True)
        )
        assert entries == list(range(1, len(entries) + 1))


@pytest.mark.usefixtures("no_review_delay")
@pytest.mark.parametrize("count", [2, 9])
def test_batch_query_count_is_fixed(ingest, merchant, count):
    merchant.confirmation_days = 0
    merchant.save()
    for i in range(count):
        ingest("20.00", user_id=UserFactory().id) if i % 2 else ingest("20.00")
    with CaptureQueriesContext(connection) as queries:
        assert purchases_confirm_due(actor=Actor.job("test"), batch_size=100) == count
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    # lock purchases, lock wallets, update purchases, audit rows, wallet balances, ledger entries,
    # the batch's cashback.approved events; loyalty: one statement for the batch (loyalty rows,
    # points accounts, lots, points entries, points.earned events); chain: who of them takes
    # cashback as tokens; last, the analytics day figures of the whole batch (one statement)
    assert len(statements) == 7 + 1 + 1 + 1, "\n".join(statements)


def test_a_backdated_report_waits_min_pending_hours_after_it_was_reported(ingest, merchant):
    """Reported 10 days late at a 7-day merchant: due by its date, but staff get MIN_PENDING_HOURS
    (default 24) from the report to review it."""
    merchant.confirmation_days = 7
    merchant.save()
    reported_at = datetime.now(UTC)
    late = ingest("100.00", purchased_at=reported_at - timedelta(days=10))
    job = Actor.job("test")

    assert run_job() == "Confirmed 0 purchases.\n"
    assert purchases_confirm_due(actor=job, now=reported_at + timedelta(hours=23, minutes=59)) == 0
    assert purchases_confirm_due(actor=job, now=late.created_at + timedelta(hours=24)) == 1
    assert Purchase.objects.get().status == "confirmed"


def test_min_pending_hours_is_a_setting(ingest, merchant, settings):
    settings.MIN_PENDING_HOURS = "2"  # as the environment gives it
    merchant.confirmation_days = 0
    merchant.save()
    purchase = ingest("100.00")
    job = Actor.job("test")
    assert purchases_confirm_due(actor=job, now=purchase.created_at + timedelta(hours=1, minutes=59)) == 0
    assert purchases_confirm_due(actor=job, now=purchase.created_at + timedelta(hours=2)) == 1
