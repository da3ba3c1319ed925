"""Real threads against PostgreSQL: a batch racing the single webhook for one external id."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from clicknback.actors import Actor
from clicknback.errors import DuplicatePurchase
from clicknback.testing import run_at_once
from purchases import batch as batch_module
from purchases.batch import purchases_ingest_batch
from purchases.models import Purchase
from purchases.services import purchase_ingest
from wallets.models import Wallet
from wallets.selectors import ledger_discrepancies

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _created(external_id: str, user, merchant, amount: str = "100.00") -> dict:
    return {
        "event": "purchase.created",
        "external_id": external_id,
        "user_id": user.id,
        "merchant_id": merchant.id,
        "amount": Decimal(amount),
        "currency": "EUR",
    }


def _ingest(partner, user, merchant, external_id: str, then=None) -> Purchase:
    return purchase_ingest(
        partner=partner,
        external_id=external_id,
        user_id=user.id,
        merchant_id=merchant.id,
        amount=Decimal("100.00"),
        currency="EUR",
        then=then,
        actor=Actor.for_partner(partner),
    )


def _assert_booked_once(partner, user, external_id: str, purchases: int) -> None:
    assert Purchase.objects.filter(partner=partner, external_id=external_id).count() == 1
    wallet = Wallet.objects.get(user=user)
    assert wallet.pending == Decimal("10.00") * purchases
    assert ledger_discrepancies() == []


@pytest.mark.parametrize("attempt", range(3))
def test_single_webhook_and_batch_at_once_book_one_purchase(partner, user, merchant, attempt):
    external_id = f"race-{attempt}"
    events = [_created(f"batch-only-{attempt}", user, merchant), _created(external_id, user, merchant)]
    single, outcomes = run_at_once(
        [
            lambda: _ingest(partner, user, merchant, external_id),
            lambda: purchases_ingest_batch(partner=partner, events=events, actor=Actor.for_partner(partner)),
        ]
    )
    assert outcomes[0].status == 201
    statuses = (isinstance(single, Purchase), outcomes[1].status)
    assert statuses in {(True, 409), (False, 201)}, (single, outcomes)
    if isinstance(single, DuplicatePurchase):
        assert single.details == {"purchase_id": str(outcomes[1].purchase.id)}
    else:
        assert outcomes[1].error.details == {"purchase_id": str(single.id)}
    _assert_booked_once(partner, user, external_id, purchases=2)


def test_a_purchase_committed_under_the_batch_makes_it_decide_again(partner, user, merchant, monkeypatch):
    """The single webhook holds its new purchase (and the user's wallet) uncommitted while the batch
    reads: the batch's INSERT then meets it, and the batch is decided again: 409 for that event."""
    inserted, release = threading.Event(), threading.Event()
    runs = []
    real_run = batch_module._Batch.run

    def counted_run(self):
        runs.append(1)
        return real_run(self)

    monkeypatch.setattr(batch_module._Batch, "run", counted_run)

    def hold(_purchase: Purchase) -> None:
        inserted.set()
        release.wait(timeout=30)

    def batch():
        inserted.wait(timeout=30)
        threading.Timer(0.5, release.set).start()  # let the batch read and wait on the wallet first
        return purchases_ingest_batch(
            partner=partner, events=[_created("held", user, merchant)], actor=Actor.for_partner(partner)
        )

    single, outcomes = run_at_once([lambda: _ingest(partner, user, merchant, "held", then=hold), batch])
    assert isinstance(single, Purchase)
    assert outcomes[0].status == 409 and outcomes[0].error.details == {"purchase_id": str(single.id)}
    assert len(runs) in (1, 2), runs  # 2 when the batch read before the commit (the usual order)
    _assert_booked_once(partner, user, "held", purchases=1)
