"""Real threads against PostgreSQL: duplicates, the monthly cap, racing transitions, racing jobs."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from accounts.tests.factories import UserFactory
from clicknback.actors import Actor
from clicknback.errors import DomainError
from clicknback.testing import run_at_once
from purchases.management.commands.confirm_due_purchases import Command as ConfirmJob
from purchases.models import Purchase, PurchaseEvent
from purchases.services import purchase_confirm, purchase_reverse
from purchases.tests.conftest import WEBHOOK
from wallets.models import Wallet, WalletEntry
from wallets.selectors import ledger_discrepancies

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_twenty_deliveries_of_one_purchase_reward_once(signed_post, created_payload, user):
    payload = created_payload(external_id="same-order")
    responses = run_at_once([lambda: signed_post(WEBHOOK, payload)] * 20)
    assert Counter(r.status_code for r in responses) == {201: 1, 409: 19}
    purchase = Purchase.objects.get()
    duplicates = [r.json() for r in responses if r.status_code == 409]
    assert {d["error"]["code"] for d in duplicates} == {"DUPLICATE_PURCHASE"}
    assert {d["error"]["details"]["purchase_id"] for d in duplicates} == {str(purchase.id)}
    assert WalletEntry.objects.count() == 1
    assert Wallet.objects.get(user=user).pending == Decimal("15.00")
    assert ledger_discrepancies() == []


def test_twenty_purchases_at_once_never_exceed_the_monthly_cap(ingest, offer, user, settings):
    settings.FRAUD_VELOCITY_LIMIT = "1000/h"
    offer.monthly_cap_per_user = Decimal("25.00")
    offer.save()
    results = run_at_once([lambda: ingest("100.00")] * 20)
    assert all(isinstance(r, Purchase) for r in results), results
    assert Purchase.objects.count() == 20
    amounts = sorted(Purchase.objects.values_list("cashback_amount", flat=True), reverse=True)
    assert sum(amounts) == Decimal("25.00")
    assert amounts[:3] == [Decimal("10.00"), Decimal("10.00"), Decimal("5.00")]
    assert Wallet.objects.get(user=user).pending == Decimal("25.00")
    assert ledger_discrepancies() == []


@pytest.mark.parametrize("attempt", range(3))
def test_confirm_and_reverse_at_once_end_consistent(ingest, admin_user, user, attempt):
    actor = Actor.for_user(admin_user)
    purchase = ingest("100.00")
    results = run_at_once(
        [
            lambda: purchase_confirm(purchase_id=purchase.id, actor=actor),
            lambda: purchase_reverse(purchase_id=purchase.id, actor=actor),
        ]
    )
    purchase.refresh_from_db()
    assert purchase.status == "reversed"  # reverse wins either way: after confirm, or before it (409)
    confirm_result = results[0]
    wallet = Wallet.objects.get(user=user)
    assert (wallet.pending, wallet.available) == (Decimal("0.00"), Decimal("0.00"))
    types = list(WalletEntry.objects.filter(purchase_id=purchase.id).values_list("type", flat=True))
    if isinstance(confirm_result, DomainError):
        assert confirm_result.code == "INVALID_STATE_TRANSITION"
        assert sorted(types) == ["cashback_pending", "cashback_reversed"]
    else:
        assert sorted(types) == ["cashback_confirmed", "cashback_pending", "cashback_reversed"]
    assert ledger_discrepancies() == []


def test_two_jobs_at_once_confirm_each_purchase_once(ingest, merchant, settings):
    settings.FRAUD_VELOCITY_LIMIT = "1000/h"  # 24 purchases a user in a minute would be flagged
    settings.MIN_PENDING_HOURS = 0
    merchant.confirmation_days = 0
    merchant.save()
    users = [UserFactory() for _ in range(5)]
    for i in range(120):
        ingest("10.00", user_id=users[i % 5].id)
    job_counts = run_at_once([lambda: ConfirmJob().confirm_all(batch_size=7) for _ in range(3)])
    assert all(isinstance(n, int) for n in job_counts), job_counts
    assert sum(job_counts) == 120
    assert Purchase.objects.filter(status="confirmed").count() == 120
    assert WalletEntry.objects.filter(type="cashback_confirmed").count() == 120
    assert PurchaseEvent.objects.filter(action="confirmed").count() == 120
    assert sum(Wallet.objects.values_list("available", flat=True)) == Decimal("120.00")
    assert ledger_discrepancies() == []
