"""`seed_demo` (run by every `make run`): ninety days of activity with shape, money that comes from
real purchases only, and a second run that changes nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from accounts.demo import DEMO_PARTNER_NAME
from accounts.models import PartnerWebhookDay, WebhookOutcome
from analytics.selectors import click_figures
from backoffice.demo import EXTERNAL_ID_PREFIX, HISTORY_DAYS
from clicks.models import Click
from payouts.models import Payout, PayoutStatus
from purchases.models import Purchase, PurchaseStatus
from wallets.models import EntryType, Wallet, WalletEntry

pytestmark = pytest.mark.django_db

PROJECT_APPS = ("accounts", "merchants", "offers", "wallets", "loyalty", "purchases", "payouts", "clicks", "claims")
ZERO = Decimal("0.00")


def seed() -> None:
    call_command("seed_demo", stdout=io.StringIO())


def snapshot() -> dict:
    """Every table's row count in the apps the demo touches, and every wallet's balances."""
    counts = {
        model._meta.label: model._default_manager.count()
        for app in PROJECT_APPS
        for model in apps.get_app_config(app).get_models()
    }
    wallets = list(Wallet.objects.order_by("user_id").values_list("user_id", "pending", "available", "paid"))
    return {"counts": counts, "wallets": wallets}


def test_a_second_run_changes_nothing():
    seed()
    first = snapshot()
    assert first["counts"]["purchases.Purchase"] > 200 and first["counts"]["payouts.Payout"] > 20
    seed()
    assert snapshot() == first


def test_purchases_payouts_and_their_outcomes_spread_over_ninety_days():
    seed()
    since = timezone.now() - timedelta(days=HISTORY_DAYS + 1)
    purchase_days = Purchase.objects.filter(created_at__gte=since).annotate(day=TruncDate("created_at"))
    assert purchase_days.values("day").distinct().count() >= 80
    assert set(purchase_days.values_list("status", flat=True)) == set(PurchaseStatus.values)
    first_day = min(purchase_days.values_list("day", flat=True))
    assert (timezone.now().date() - first_day).days >= HISTORY_DAYS - 1
    ledger_days = WalletEntry.objects.annotate(day=TruncDate("created_at")).values("day").distinct().count()
    assert ledger_days >= 80
    payouts = Payout.objects.annotate(day=TruncDate("created_at"), done=TruncDate("processed_at"))
    assert payouts.values("day").distinct().count() >= 20
    assert payouts.values("done").distinct().count() >= 15
    assert set(payouts.values_list("status", flat=True)) == set(PayoutStatus.values)
    # The demo partner's health has a history too: its reports, day by day, a few retried or refused.
    health = PartnerWebhookDay.objects.filter(partner__name=DEMO_PARTNER_NAME)
    assert health.filter(outcome=WebhookOutcome.CREATED).values("day").distinct().count() >= 80
    assert {WebhookOutcome.DUPLICATE, WebhookOutcome.REJECTED} <= set(health.values_list("outcome", flat=True))
    history = Purchase.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).count()
    assert health.filter(outcome=WebhookOutcome.CREATED).aggregate(n=Sum("count"))["n"] == history
    # The queues have work: flagged purchases awaiting review, payouts awaiting staff.
    assert Purchase.objects.filter(flagged=True, status=PurchaseStatus.PENDING).exists()
    assert Payout.objects.filter(status=PayoutStatus.REQUESTED).count() >= 2


def test_the_demo_clicks_and_purchase_by_click_are_in_the_analytics():
    seed()
    today = timezone.now().date()
    rows = click_figures(first=today - timedelta(days=365), last=today)
    assert sum(r.clicks for r in rows) == Click.objects.count() >= 3
    assert sum(r.click_purchases for r in rows) == Purchase.objects.filter(click__isnull=False).count() >= 1


def test_every_demo_balance_is_its_purchases_cashback_less_its_payouts():
    """The dashboard's totals agree with the purchase list: no money without a purchase."""
    seed()
    assert not WalletEntry.objects.filter(type=EntryType.ADJUSTMENT).exists()
    call_command("verify_ledger", stdout=io.StringIO())  # raises on any discrepancy

    cashback = Purchase.objects.values("user_id").annotate(
        pending=Sum("cashback_amount", filter=Q(status=PurchaseStatus.PENDING), default=ZERO),
        confirmed=Sum("cashback_amount", filter=Q(status=PurchaseStatus.CONFIRMED), default=ZERO),
    )
    paid_out = dict(
        Payout.objects.exclude(status=PayoutStatus.FAILED)
        .values("user_id")
        .annotate(total=Sum("amount"))
        .values_list("user_id", "total")
    )
    by_user = {row["user_id"]: row for row in cashback}
    wallets = Wallet.objects.all()
    assert wallets.count() >= 9  # the demo user and the shoppers
    for wallet in wallets:
        earned = by_user.get(wallet.user_id, {"pending": ZERO, "confirmed": ZERO})
        payouts = paid_out.get(wallet.user_id, ZERO)
        assert (wallet.pending, wallet.available, wallet.paid) == (
            earned["pending"],
            earned["confirmed"] - payouts,
            payouts,
        ), wallet.user_id
