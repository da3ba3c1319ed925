"""Claw-backs of many reversals in one call (the batch webhook) equal one call per reversal (the
single webhook), against PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.tests.factories import UserFactory
from events.models import OutboxEvent
from loyalty.models import PointsAccount, PointsEntry, PointsLot, UserLoyalty
from loyalty.selectors import points_discrepancies
from loyalty.services import (
    Confirmation,
    Reversal,
    loyalty_batch_lock,
    loyalty_on_confirmed,
    loyalty_on_reversed,
    points_redeem,
)

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    """Rolls a run back so the next one starts from the same state."""


def _confirmed(user, amount: str, *, days_ago: int = 0) -> Reversal:
    """A purchase (made up: loyalty never reads purchases) confirmed now; its reversal."""
    purchased_at = timezone.now() - timedelta(days=days_ago)
    purchase_id = uuid.uuid4()
    with transaction.atomic():
        loyalty_on_confirmed(
            confirmations=[Confirmation(user.id, purchase_id, Decimal(amount), purchased_at, Decimal("1.00"))]
        )
    return Reversal(user.id, purchase_id, Decimal(amount), purchased_at)


def _state() -> dict[str, Any]:
    """Accounts, loyalty rows, lots, entries and claw-back events, with ids replaced by what they name."""
    lot_purchase = {str(lot.id): str(lot.purchase_id) for lot in PointsLot.objects.all()}
    events = []
    for event in OutboxEvent.objects.filter(type="points.clawed_back").order_by("occurred_at"):
        data = dict(event.data)
        data["lot_id"] = lot_purchase.get(data["lot_id"])
        events.append((event.subject, data))
    return {
        "accounts": sorted(
            PointsAccount.objects.values_list(
                "user_id", "balance", "debt", "lifetime_earned", "lifetime_redeemed", "lifetime_expired"
            )
        ),
        "loyalty": sorted(UserLoyalty.objects.values_list("user_id", "tier_id", "qualifying_spend")),
        "lots": sorted(
            PointsLot.objects.values_list("account__user_id", "purchase_id", "points", "points_left"), key=str
        ),
        "entries": list(
            PointsEntry.objects.order_by("id").values_list(
                "account__user_id", "type", "points_delta", "balance_after", "purchase_id", "lot__purchase_id"
            )
        ),
        "events": events,
    }


def _run(calls: list[list[Reversal]], *, locked: bool = False) -> tuple[dict[str, Any], int]:
    """The state after `calls` and the statements of the last one, then rolled back."""
    got: tuple[dict[str, Any], int] = ({}, 0)
    try:
        with transaction.atomic():
            for reversals in calls:
                if locked:
                    loyalty_batch_lock(user_ids=[r.user_id for r in reversals], confirming=[])
                with CaptureQueriesContext(connection) as queries:
                    loyalty_on_reversed(reversals=reversals, locked=locked)
            assert points_discrepancies() == []
            got = (_state(), len(queries.captured_queries))
            raise _Undo
    except _Undo:
        pass
    return got


@override_settings(MIN_REDEMPTION_POINTS=100)
def test_many_reversals_in_one_call_equal_one_call_each():
    """Three users with several reversals each, lots partly redeemed (debts), purchases older than
    a year (no spend to take back), a reversal that earned nothing and a user with no loyalty rows."""
    ann, bob, cid, dan = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    a1, a2, a3 = _confirmed(ann, "300.00"), _confirmed(ann, "150.00"), _confirmed(ann, "120.00", days_ago=400)
    b1, b2 = _confirmed(bob, "400.00"), _confirmed(bob, "80.00")
    c1, c2 = _confirmed(cid, "200.00", days_ago=380), _confirmed(cid, "90.00")
    points_redeem(user=ann, points=400)  # the first lot (300) and 100 of the second
    points_redeem(user=bob, points=420)  # all of the first lot, 20 of the second
    nothing_earned = Reversal(cid.id, uuid.uuid4(), Decimal("40.00"), timezone.now())
    no_rows = Reversal(dan.id, uuid.uuid4(), Decimal("10.00"), timezone.now())
    reversals = [a2, b1, a1, c1, no_rows, a3, b2, nothing_earned, c2]

    one_by_one, _ = _run([[r] for r in reversals])
    together, _ = _run([reversals])
    in_a_batch, _ = _run([reversals], locked=True)

    assert together == one_by_one
    assert in_a_batch == one_by_one
    accounts = {user_id: (balance, debt) for user_id, balance, debt, *_ in one_by_one["accounts"]}
    assert accounts[ann.id] == (570 - 400 - 570, 300 + 100)  # every point clawed back; redeemed ones owed
    assert accounts[bob.id] == (480 - 420 - 480, 400 + 20)
    assert accounts[cid.id] == (0, 0)
    assert accounts[dan.id] == (0, 0)
    spend = {user_id: spend for user_id, _, spend in one_by_one["loyalty"]}
    assert spend == {ann.id: Decimal("0.00"), bob.id: Decimal("0.00"), cid.id: Decimal("0.00"), dan.id: Decimal("0.00")}
    ann_entries = [e[1:4] for e in one_by_one["entries"] if e[0] == ann.id and e[1] == "clawed_back"]
    assert ann_entries == [
        ("clawed_back", -150, 570 - 400 - 150),
        ("clawed_back", -300, -280),
        ("clawed_back", -120, -400),
    ]
    assert [data["purchase_id"] for _, data in one_by_one["events"]] == [
        str(r.purchase_id) for r in reversals if r not in (no_rows, nothing_earned)
    ]


def test_the_statements_do_not_grow_with_the_reversals():
    """Under the batch's locks: the accounts, loyalty rows, earned entries and lots read, then one
    write each for loyalty rows, lots, accounts, entries and events."""
    users = [UserFactory() for _ in range(5)]
    reversals = [_confirmed(users[i % 5], "50.00") for i in range(30)]
    counts = [_run([reversals[:size]], locked=True)[1] for size in (1, 10, 30)]
    assert counts == [9, 9, 9]
