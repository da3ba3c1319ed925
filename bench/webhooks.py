"""What the load generators send: signed purchase.created webhooks and signed-in reads."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence

from accounts.authentication import signature_header
from bench import datagen
from bench.load import RequestFactory

WEBHOOK_PATH = "/api/v1/webhooks/purchases"
BATCH_PATH = "/api/v1/webhooks/purchases/batch"
READ_PATHS = {
    "wallet": "/api/v1/wallet",
    "wallet_transactions": "/api/v1/wallet/transactions",
    "purchases": "/api/v1/purchases",
}


def signed_headers(body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-Partner-Key": datagen.PARTNER_KEY,
        "X-Signature": signature_header(datagen.PARTNER_SECRET, body),
    }


def purchase_created(rng: random.Random, external_id: str, *, users: int, merchants: int) -> dict[str, str]:
    """A new purchase for a random user at a random merchant."""
    return {
        "event": "purchase.created",
        "external_id": external_id,
        "user_id": str(datagen.user_uuid(rng.randrange(users))),
        "merchant_id": str(datagen.merchant_uuid(rng.randrange(merchants))),
        "amount": f"{rng.randint(500, 50_000) / 100:.2f}",
        "currency": "EUR",
    }


def ingestion_requests(*, run_id: str, users: int, merchants: int, seed: int = 7) -> RequestFactory:
    """A new purchase for a random user at a random merchant each time (never a duplicate)."""

    def make(thread: int, number: int) -> tuple[str, str, bytes, dict[str, str]]:
        rng = random.Random(hash((seed, thread, number)))
        event = purchase_created(rng, f"load-{run_id}-{thread}-{number}", users=users, merchants=merchants)
        body = json.dumps(event).encode()
        return "POST", WEBHOOK_PATH, body, signed_headers(body)

    return make


def batch_requests(*, run_id: str, users: int, merchants: int, size: int, seed: int = 13) -> RequestFactory:
    """`POST /webhooks/purchases/batch` of `size` new purchases each time (never a duplicate),
    signed like the single webhook: the signature covers the whole body."""

    def make(thread: int, number: int) -> tuple[str, str, bytes, dict[str, str]]:
        rng = random.Random(hash((seed, thread, number)))
        events = [
            purchase_created(rng, f"batch-{run_id}-{thread}-{number}-{index}", users=users, merchants=merchants)
            for index in range(size)
        ]
        body = json.dumps({"events": events}).encode()
        return "POST", BATCH_PATH, body, signed_headers(body)

    return make


def batch_outcomes(payload: bytes) -> tuple[int, list[str]]:
    """A batch's answer: the events created (`status` 201), and a line for each other result."""
    results = json.loads(payload)["results"]
    failed = [
        f"event {result.get('index')}: {result.get('status')} {result.get('error', {}).get('code', '')}"
        for result in results
        if result.get("status") != 201
    ]
    return len(results) - len(failed), failed


ANALYTICS_PATHS = {
    "summary": "/api/v1/analytics/summary",
    "daily": "/api/v1/analytics/daily",
    "merchants": "/api/v1/analytics/merchants",
    "campaigns": "/api/v1/analytics/campaigns",
}
TIERS_PATH = "/api/v1/analytics/tiers"
DASHBOARD_PATH = "/admin/"


def same_requests(path: str, headers: dict[str, str]) -> RequestFactory:
    """GET `path` with the same credentials every time (one staff member reading analytics)."""

    def make(thread: int, number: int) -> tuple[str, str, None, dict[str, str]]:
        return "GET", path, None, headers

    return make


def read_requests(path: str, tokens: Sequence[str]) -> RequestFactory:
    """GET `path` as the signed-in users in turn (each thread starts at a different user)."""

    def make(thread: int, number: int) -> tuple[str, str, None, dict[str, str]]:
        token = tokens[(thread * 7 + number) % len(tokens)]
        return "GET", path, None, {"Authorization": f"Bearer {token}"}

    return make


QUOTE_PATH = "/api/v1/cashback/calculate"


def quote_requests(tokens: Sequence[str], *, merchants: int, seed: int = 11) -> RequestFactory:
    """`POST /cashback/calculate` as the signed-in users in turn, at a random merchant."""

    def make(thread: int, number: int) -> tuple[str, str, bytes, dict[str, str]]:
        rng = random.Random(hash((seed, thread, number)))
        token = tokens[(thread * 7 + number) % len(tokens)]
        body = json.dumps(
            {
                "merchant_id": str(datagen.merchant_uuid(rng.randrange(merchants))),
                "amount": f"{rng.randint(500, 50_000) / 100:.2f}",
            }
        ).encode()
        return "POST", QUOTE_PATH, body, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    return make
