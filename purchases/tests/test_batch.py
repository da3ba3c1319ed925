"""`POST /webhooks/purchases/batch`: each event's outcome is the single webhook's, in one transaction."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import PartnerWebhookDay
from accounts.tests.factories import UserFactory
from campaigns.tests.factories import make_campaign
from events.models import OutboxEvent
from loyalty.models import PointsEntry, PointsEntryType
from loyalty.selectors import points_discrepancies
from purchases.models import Purchase, PurchaseEvent, PurchaseStatus
from purchases.serializers import WebhookInputSerializer, webhook_events_validate
from purchases.tests.conftest import WEBHOOK, next_external_id
from wallets.models import Wallet

BATCH = "/api/v1/webhooks/purchases/batch"
# The statements of a batch of creations whatever its size: the partner, the rate limit, the
# transaction's reads and writes, the partner's health counter.
STATEMENTS = 29
# The statements of a batch reversing confirmed purchases whatever its size (the claw-backs: the
# accounts, loyalty rows, earned entries and lots read, then one write for each loyalty table).
REVERSAL_STATEMENTS = 24


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_created_confirmed_reversed_in_one_batch(signed_post, created_payload, user):
    first, second = created_payload(), created_payload(amount="80.00")
    events = [
        first,
        second,
        {"event": "purchase.confirmed", "external_id": first["external_id"]},
        {"event": "purchase.reversed", "external_id": second["external_id"], "reason": "returned"},
        {"event": "purchase.confirmed", "external_id": first["external_id"]},
        {"event": "purchase.confirmed", "external_id": second["external_id"]},
    ]
    response = signed_post(BATCH, {"events": events})
    got = results(response)
    assert [r["status"] for r in got] == [201, 201, 200, 200, 200, 409]
    assert [r["index"] for r in got] == list(range(6))
    assert got[2]["purchase"]["status"] == "confirmed"
    assert got[3]["purchase"]["status"] == "reversed"
    assert got[5]["error"]["code"] == "INVALID_STATE_TRANSITION"
    assert got[5]["error"]["details"] == {"current_status": "reversed"}
    wallet = Wallet.objects.get(user=user)
    assert wallet.pending == Decimal("0.00")
    assert wallet.available == Purchase.objects.get(external_id=first["external_id"]).cashback_amount
    assert wallet.entries.count() == 4
    retried = results(signed_post(BATCH, {"events": events}))
    assert [r["status"] for r in retried] == [409, 409, 200, 200, 200, 409]
    assert [r["purchase"] for r in retried[2:5]] == [got[4]["purchase"], got[3]["purchase"], got[4]["purchase"]]
    assert wallet.entries.count() == 4 and PurchaseEvent.objects.count() == 4


def test_a_bad_event_undoes_nothing_and_a_retry_changes_nothing(signed_post, created_payload):
    good, bad = created_payload(), created_payload(user_id=str(UserFactory(is_active=False).id))
    events = [good, bad, {"event": "purchase.confirmed", "external_id": "nope"}, {"event": "purchase.created"}]
    got = results(signed_post(BATCH, {"events": events}))
    assert [r["status"] for r in got] == [201, 422, 404, 400]
    assert got[1]["error"]["code"] == "USER_NOT_ELIGIBLE"
    assert got[3]["error"]["code"] == "VALIDATION_ERROR"
    assert set(got[3]["error"]["details"]["fields"]) == {"external_id"}
    assert Purchase.objects.count() == 1
    again = results(signed_post(BATCH, {"events": events}))
    assert [r["status"] for r in again] == [409, 422, 404, 400]
    assert again[0]["error"]["details"] == {"purchase_id": got[0]["purchase"]["id"]}
    assert Purchase.objects.count() == 1


def test_a_duplicate_inside_the_batch_is_409_with_the_first(signed_post, created_payload):
    event = created_payload()
    got = results(signed_post(BATCH, {"events": [event, event]}))
    assert [r["status"] for r in got] == [201, 409]
    assert got[1]["error"] == {
        "code": "DUPLICATE_PURCHASE",
        "message": got[1]["error"]["message"],
        "details": {"purchase_id": got[0]["purchase"]["id"]},
    }


@pytest.mark.parametrize("events", [[], [{}] * 501, None, "x"])
def test_envelope_of_no_events_or_too_many_is_400(signed_post, events):
    response = signed_post(BATCH, {"events": events})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


def test_body_above_4_mib_is_413_and_below_is_read(signed_post, created_payload):
    padding = "x" * (4 * 1024 * 1024)
    response = signed_post(BATCH, {"events": [created_payload()], "padding": padding})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    big = {"events": [created_payload()], "padding": "x" * (1024 * 1024)}  # above the single webhook's 64 KiB
    assert [r["status"] for r in results(signed_post(BATCH, big))] == [201]


def test_events_past_the_rate_limit_are_429(signed_post, created_payload, settings):
    settings.RATELIMIT_ENABLE = True
    settings.WEBHOOK_RATE_LIMIT = "3/m"
    assert signed_post(WEBHOOK, created_payload()).status_code == 201
    got = results(signed_post(BATCH, {"events": [created_payload() for _ in range(4)]}))
    assert [r["status"] for r in got] == [201, 201, 429, 429]
    assert got[2]["error"]["code"] == "RATE_LIMITED"
    assert Purchase.objects.count() == 3


def _created_events(n: int, users, merchant) -> list[dict]:
    return [
        {
            "event": "purchase.created",
            "external_id": (external_id := next_external_id()),
            "user_id": str(users[i % len(users)].id),
            "merchant_id": str(merchant.id),
            "amount": "25.00",
            "currency": "EUR",
            "order_reference": f"order-{external_id}",
        }
        for i in range(n)
    ]


def test_statement_count_does_not_grow_with_the_batch(signed_post, merchant):
    """Creations, confirmations and reversals, for 1, 10 and 500 events, with a campaign whose
    budget runs out and order references: the same statements."""
    make_campaign(kind="bonus_fixed", value="2.00", budget="300.00", max_uses_per_user=20)
    counts = []
    for size in (1, 10, 500):
        users = [UserFactory() for _ in range(min(size, 20))]
        events = _created_events(size, users, merchant)
        with CaptureQueriesContext(connection) as created:
            assert {r["status"] for r in results(signed_post(BATCH, {"events": events}))} == {201}
        transitions = [
            {"event": "purchase.confirmed" if i % 2 else "purchase.reversed", "external_id": e["external_id"]}
            for i, e in enumerate(events)
        ]
        with CaptureQueriesContext(connection) as moved:
            assert {r["status"] for r in results(signed_post(BATCH, {"events": transitions}))} == {200}
        counts.append((len(created.captured_queries), len(moved.captured_queries)))
    assert Purchase.objects.filter(status=PurchaseStatus.REVERSED).count() == 1 + 5 + 250
    # Creations: exactly STATEMENTS each time. Transitions: fewer; a batch of one event has only a
    # reversal (nothing to confirm: no loyalty, no token payouts), so two fewer again.
    assert [created for created, _ in counts] == [STATEMENTS] * 3, counts
    assert counts[0][1] <= counts[1][1] == counts[2][1] < STATEMENTS, counts


def test_reversals_of_confirmed_purchases_take_the_same_statements_whatever_their_number(
    signed_post, merchant, settings
):
    """1, 10 and 500 confirmed purchases (five a user) reversed in one batch: every claw-back in
    the same statements (`loyalty_on_reversed` under the batch's loyalty locks)."""
    settings.RATELIMIT_ENABLE = False  # 1533 events in a minute
    counts = []
    for size in (1, 10, 500):
        users = [UserFactory() for _ in range(max(size // 5, 1))]  # five a user: under the velocity limit
        events = _created_events(size, users, merchant)
        results(signed_post(BATCH, {"events": events}))
        confirmations = [{"event": "purchase.confirmed", "external_id": e["external_id"]} for e in events]
        confirmed = results(signed_post(BATCH, {"events": confirmations}))
        assert {r["purchase"]["status"] for r in confirmed} == {"confirmed"}
        reversals = [{"event": "purchase.reversed", "external_id": e["external_id"]} for e in events]
        with CaptureQueriesContext(connection) as reversed_:
            assert {r["status"] for r in results(signed_post(BATCH, {"events": reversals}))} == {200}
        counts.append(len(reversed_.captured_queries))
    assert PointsEntry.objects.filter(type=PointsEntryType.CLAWED_BACK).count() == 1 + 10 + 500
    assert OutboxEvent.objects.filter(type="points.clawed_back").count() == 1 + 10 + 500
    assert points_discrepancies() == []
    assert counts == [REVERSAL_STATEMENTS] * 3, counts


def test_each_event_counts_in_the_partners_health(signed_post, created_payload, partner):
    first = created_payload()
    events = [first, first, created_payload(currency="USD"), {"event": "purchase.confirmed", "external_id": "none"}]
    results(
        signed_post(BATCH, {"events": [*events, {"event": "purchase.confirmed", "external_id": first["external_id"]}]})
    )
    counts = {(row.outcome, row.code): row.count for row in PartnerWebhookDay.objects.filter(partner=partner)}
    assert counts == {
        ("created", ""): 1,
        ("duplicate", ""): 1,
        ("rejected", "UNSUPPORTED_CURRENCY"): 1,
        ("rejected", "NOT_FOUND"): 1,
        ("updated", ""): 1,
    }


def test_events_validated_with_one_serializer_as_each_with_its_own(created_payload):
    """`webhook_events_validate` reuses one serializer's fields: each event's data or errors are
    still exactly those of `WebhookInputSerializer(data=event)`, whatever came before it."""
    good = created_payload()
    events = [
        good,
        {**good, "user_id": "not-a-uuid", "amount": "1.001"},
        None,
        [],
        "x",
        {},
        {"event": "purchase.created"},
        {**good, "click_id": "c1"},
        {**good, "external_id": " spaced ", "currency": " EUR ", "purchased_at": "2025-01-15T10:30:00Z"},
        {"event": "purchase.reversed", "external_id": "e", "reason": ""},
        {"event": "purchase.confirmed", "external_id": ""},
        good,
    ]
    expected = []
    for event in events:
        serializer = WebhookInputSerializer(data=event)
        expected.append((serializer.validated_data, None) if serializer.is_valid() else (None, serializer.errors))
    assert webhook_events_validate(events) == expected
    refused = [data is None for data, _ in expected]
    assert refused == [False, True, True, True, True, True, True, True, False, False, True, False]
