"""Concurrency hammer: a fixed, seeded mix of operations from many threads at once through the
real API stack (signed webhook deliveries with duplicates, partner confirmations and reversals,
payout requests with retried idempotency keys, staff completing and failing payouts) and the
confirmation job, all racing. Afterwards: no 5xx, every purchase stored once, `verify_ledger`
clean, and every wallet equals what its documents (purchases, payouts) say it must hold.
"""

from __future__ import annotations

import json
import queue
import random
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection
from rest_framework.test import APIClient

from accounts.authentication import signature_header
from accounts.tests.factories import AdminFactory, PartnerFactory, UserFactory
from clicknback.actors import Actor
from clicknback.money import ZERO
from clicknback.testing import bearer_client
from merchants.tests.factories import MerchantFactory
from offers.tests.factories import OfferFactory
from payouts.models import Payout, PayoutStatus
from purchases.models import Purchase, PurchaseStatus
from purchases.services import purchases_confirm_due
from tests.reliability.conftest import RUN_FIGURES
from tests.reliability.invariants import assert_all_invariants, assert_verify_ledger_clean
from wallets.models import Wallet
from wallets.tests.helpers import fund_wallet

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

THREADS = 8
EXTERNAL_IDS = 150
WEBHOOK = "/api/v1/webhooks/purchases"
FUNDED = Decimal("60.00")
ALLOWED = {
    "created": {201, 409},  # 409 DUPLICATE_PURCHASE for the redeliveries
    "confirmed": {200, 404, 409},  # 404 before its creation landed, 409 once reversed
    "reversed": {200, 404},
    "payout": {201, 409},  # 409 INSUFFICIENT_BALANCE or a racing key still being written
    "process": {200, 404, 409},
    "job": {0},
}


def _plan(users: int) -> list[tuple]:
    """The fixed workload: the same operations in the same order for every run."""
    rng = random.Random(20240607)
    ops: list[tuple] = []
    for n in range(EXTERNAL_IDS):
        external_id = f"hammer-{n}"
        body = {
            "user": rng.randrange(users),
            "merchant": rng.randrange(2),
            "amount": f"{rng.randint(5, 400)}.{rng.randint(0, 99):02d}",
        }
        ops += [("created", external_id, body)] * rng.choice([1, 2, 3])  # partners redeliver
        if rng.random() < 0.6:
            ops.append(("confirmed", external_id, None))
        if rng.random() < 0.3:
            ops.append(("reversed", external_id, None))
    for n in range(60):
        key = f"key-{n}"
        body = {"user": rng.randrange(users), "amount": f"{rng.randint(10, 30)}.00"}
        ops += [("payout", key, body)] * rng.choice([1, 2])  # a client retrying with the same key
    ops += [("process", rng.choice(["complete", "fail"]), None) for _ in range(50)]
    ops += [("job", None, None)] * 10
    rng.shuffle(ops)
    return ops


def test_mixed_workload_from_many_threads_keeps_the_ledger_exact() -> None:
    partner, admin = PartnerFactory(), AdminFactory()
    users = [UserFactory() for _ in range(4)]
    for user in users:
        fund_wallet(user, FUNDED)
    merchants = [MerchantFactory(confirmation_days=0), MerchantFactory(confirmation_days=30)]
    OfferFactory(merchant=merchants[0], monthly_cap_per_user=Decimal("40.00"))
    OfferFactory(merchant=merchants[1], cashback_value=Decimal("5.00"))
    user_clients = [bearer_client(user) for user in users]
    admin_client = bearer_client(admin)

    def deliver(event: str, external_id: str, body: dict | None) -> int:
        payload = {"event": f"purchase.{event}", "external_id": external_id}
        if body:
            payload |= {
                "user_id": str(users[body["user"]].id),
                "merchant_id": str(merchants[body["merchant"]].id),
                "amount": body["amount"],
                "currency": "EUR",
            }
        raw = json.dumps(payload).encode()
        return (
            APIClient()
            .post(
                WEBHOOK,
                data=raw,
                content_type="application/json",
                HTTP_X_PARTNER_KEY=partner.key,
                HTTP_X_SIGNATURE=signature_header(partner.secret, raw),
            )
            .status_code
        )

    def request_payout(key: str, body: dict) -> int:
        return (
            user_clients[body["user"]]
            .post(
                "/api/v1/payouts",
                {"amount": body["amount"], "method": "paypal", "destination": "hammer@example.com"},
                format="json",
                HTTP_IDEMPOTENCY_KEY=key,
            )
            .status_code
        )

    def process_payout(action: str) -> int:
        payout = Payout.objects.filter(status=PayoutStatus.REQUESTED).order_by("?").first()
        if payout is None:
            return 404
        data = {"reason": "bank refused"} if action == "fail" else {}
        return admin_client.post(f"/api/v1/payouts/{payout.id}/{action}", data, format="json").status_code

    def run_job() -> int:
        purchases_confirm_due(actor=Actor.job("confirm_due_purchases"))
        return 0  # the job has no status; it must only not raise

    handlers: dict[str, Callable[..., int]] = {
        "created": lambda key, body: deliver("created", key, body),
        "confirmed": lambda key, body: deliver("confirmed", key, None),
        "reversed": lambda key, body: deliver("reversed", key, None),
        "payout": request_payout,
        "process": lambda action, body: process_payout(action),
        "job": lambda key, body: run_job(),
    }

    plan = _plan(len(users))
    work: queue.SimpleQueue = queue.SimpleQueue()
    for op in plan:
        work.put(op)
    results: list[tuple[str, str | None, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker() -> None:
        try:
            start.wait()
            while True:
                try:
                    kind, key, body = work.get_nowait()
                except queue.Empty:
                    return
                results.append((kind, key, handlers[kind](key, body)))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert not errors, errors
    assert len(results) == len(plan)

    # No 5xx and nothing outside the contract for each kind of operation.
    unexpected = [(kind, key, status) for kind, key, status in results if status not in ALLOWED[kind]]
    assert not unexpected, unexpected
    seen = {(kind, status) for kind, _, status in results}
    assert {("created", 201), ("created", 409), ("payout", 201), ("process", 200)} <= seen, seen
    # Every delivered purchase is stored exactly once, and exactly one of its deliveries got the 201.
    created = Counter(key for kind, key, status in results if kind == "created" and status == 201)
    assert set(created.values()) == {1}
    assert set(Purchase.objects.values_list("external_id", flat=True)) == set(created)

    assert_verify_ledger_clean()
    assert_all_invariants()
    # Each wallet holds exactly what its documents say: funding, non-reversed cashback, payouts.
    expected: dict = defaultdict(lambda: [ZERO, FUNDED, ZERO])
    for purchase in Purchase.objects.all():
        if purchase.status == PurchaseStatus.PENDING:
            expected[purchase.user_id][0] += purchase.cashback_amount
        elif purchase.status == PurchaseStatus.CONFIRMED:
            expected[purchase.user_id][1] += purchase.cashback_amount
    for payout in Payout.objects.exclude(status=PayoutStatus.FAILED):
        expected[payout.user_id][1] -= payout.amount
        expected[payout.user_id][2] += payout.amount
    for wallet in Wallet.objects.all():
        assert [wallet.pending, wallet.available, wallet.paid] == expected[wallet.user_id], wallet.user_id

    RUN_FIGURES["hammer operations"] += len(plan)
    RUN_FIGURES["hammer threads"] = THREADS
