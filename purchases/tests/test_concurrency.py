"""Real threads against PostgreSQL: racing transitions. Duplicate deliveries, the monthly cap and
racing confirmation jobs are tested once, in tests/acceptance/test_concurrency.py."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clicknback.actors import Actor
from clicknback.errors import DomainError
from clicknback.testing import run_at_once
from purchases.services import purchase_confirm, purchase_reverse
from wallets.models import Wallet, WalletEntry
from wallets.selectors import ledger_discrepancies

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


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
