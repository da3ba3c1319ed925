"""The ledger's invariants as plain checks over the database, shared by the stateful test, the
concurrency hammer and the fault tests. Each raises AssertionError naming what broke."""

from __future__ import annotations

from datetime import UTC
from io import StringIO

from django.core.management import call_command
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth

from clicknback.money import ZERO
from purchases.models import Purchase, PurchaseStatus
from wallets.models import Wallet, WalletEntry
from wallets.selectors import ledger_discrepancies


def assert_ledger_consistent() -> None:
    """Every wallet equals the sum of its entries; `pending` and `paid` are never negative."""
    assert ledger_discrepancies() == []
    assert not Wallet.objects.filter(Q(pending__lt=0) | Q(paid__lt=0)).exists()


def assert_verify_ledger_clean() -> None:
    """The operator's own check (`manage.py verify_ledger`) agrees."""
    out = StringIO()
    call_command("verify_ledger", stdout=out)  # raises CommandError on any discrepancy
    assert "Ledger OK" in out.getvalue(), out.getvalue()


def assert_no_purchase_rewarded_twice() -> None:
    """At most one entry per purchase and kind, and each purchase holds exactly what its status says."""
    assert not (
        WalletEntry.objects.filter(purchase_id__isnull=False)
        .values("purchase_id", "type")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .exists()
    )
    held = dict(
        WalletEntry.objects.filter(purchase_id__isnull=False)
        .values("purchase_id")
        .annotate(total=Sum("pending_delta") + Sum("available_delta"))
        .values_list("purchase_id", "total")
    )
    for purchase_id, status, cashback in Purchase.objects.values_list("id", "status", "cashback_amount"):
        expected = ZERO if status == PurchaseStatus.REVERSED else cashback
        assert held.get(purchase_id, ZERO) == expected, (purchase_id, status, cashback, held.get(purchase_id))


def assert_no_monthly_cap_exceeded() -> None:
    totals = (
        Purchase.objects.exclude(status=PurchaseStatus.REVERSED)
        .filter(offer__monthly_cap_per_user__isnull=False)
        .annotate(month=TruncMonth("purchased_at", tzinfo=UTC))
        .values("user_id", "offer_id", "offer__monthly_cap_per_user", "month")
        .annotate(total=Coalesce(Sum("cashback_base"), ZERO))  # the cap limits the base only (tier bonus apart)
    )
    for row in totals:
        assert row["total"] <= row["offer__monthly_cap_per_user"], row


def assert_all_invariants() -> None:
    assert_ledger_consistent()
    assert_no_purchase_rewarded_twice()
    assert_no_monthly_cap_exceeded()
