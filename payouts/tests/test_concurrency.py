"""Money races, with real threads and real PostgreSQL transactions. Concurrent requests overdrawing
a wallet are tested once, in tests/acceptance/test_concurrency.py."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest

from clicknback.actors import Actor
from clicknback.errors import DomainError
from clicknback.testing import bearer_client, run_at_once
from payouts.models import Payout, PayoutStatus
from payouts.services import payout_complete, payout_fail, payout_request
from payouts.tests.conftest import IBAN
from payouts.tests.helpers import available, payout_entries
from wallets.models import EntryType
from wallets.selectors import ledger_discrepancies
from wallets.tests.helpers import fund_wallet

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_requests_with_one_key_make_one_payout(user):
    fund_wallet(user, Decimal("100.00"))
    clients = [bearer_client(user) for _ in range(8)]
    body = {"amount": "20.00", "method": "bank_transfer", "destination": IBAN}
    responses = run_at_once(
        [lambda c=c: c.post("/api/v1/payouts", body, format="json", HTTP_IDEMPOTENCY_KEY="same") for c in clients]
    )
    assert all(r.status_code == 201 for r in responses), [getattr(r, "content", r) for r in responses]
    assert len({r.content for r in responses}) == 1  # every caller got the first response
    assert Payout.objects.count() == 1
    assert available(user) == Decimal("80.00")
    assert ledger_discrepancies() == []


def test_concurrent_requests_with_one_key_and_other_bodies(user):
    fund_wallet(user, Decimal("100.00"))
    bodies = [{"amount": a, "method": "bank_transfer", "destination": IBAN} for a in ["10.00", "11", 12, "13.00"]]
    responses = run_at_once(
        [
            lambda c=bearer_client(user), b=b: c.post("/api/v1/payouts", b, format="json", HTTP_IDEMPOTENCY_KEY="same")
            for b in bodies
        ]
    )
    codes = Counter(r.json().get("error", {}).get("code", r.status_code) for r in responses)
    assert codes == {201: 1, "IDEMPOTENCY_KEY_REUSED": 3}
    assert Payout.objects.count() == 1


@pytest.mark.parametrize("round_", range(3))
def test_concurrent_complete_and_fail_have_exactly_one_outcome(user, admin_user, round_):
    fund_wallet(user, Decimal("50.00"))
    payout = payout_request(user=user, amount=Decimal("20.00"), method="bank_transfer", destination=IBAN)
    actor = Actor.for_user(admin_user)
    outcomes = run_at_once(
        [
            lambda: payout_complete(payout_id=payout.id, actor=actor),
            lambda: payout_fail(payout_id=payout.id, reason="Bounced", actor=actor),
        ]
    )
    winners = [o for o in outcomes if isinstance(o, tuple) and o[1]]
    losers = [o for o in outcomes if isinstance(o, DomainError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert losers[0].code == "INVALID_STATE_TRANSITION"
    payout.refresh_from_db()
    assert payout.status == winners[0][0].status
    if payout.status == PayoutStatus.FAILED:
        assert payout_entries(payout.id) == [EntryType.PAYOUT_REQUESTED, EntryType.PAYOUT_FAILED]
        assert available(user) == Decimal("50.00")
    else:
        assert payout_entries(payout.id) == [EntryType.PAYOUT_REQUESTED]
        assert available(user) == Decimal("30.00")
    assert ledger_discrepancies() == []


def test_many_concurrent_fails_refund_once(user, admin_user):
    fund_wallet(user, Decimal("50.00"))
    payout = payout_request(user=user, amount=Decimal("20.00"), method="bank_transfer", destination=IBAN)
    actor = Actor.for_user(admin_user)
    outcomes = run_at_once([lambda: payout_fail(payout_id=payout.id, reason="Bounced", actor=actor) for _ in range(6)])
    assert sorted(changed for _, changed in outcomes) == [False] * 5 + [True]
    assert payout_entries(payout.id) == [EntryType.PAYOUT_REQUESTED, EntryType.PAYOUT_FAILED]
    assert available(user) == Decimal("50.00")
