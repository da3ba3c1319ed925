from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest

WEBHOOK = "/api/v1/webhooks/purchases"
_external_ids = itertools.count(1)


def next_external_id() -> str:
    return f"ext-{next(_external_ids)}"


@pytest.fixture
def no_review_delay(settings) -> None:
    """MIN_PENDING_HOURS=0: due purchases are confirmed however recently they were reported."""
    settings.MIN_PENDING_HOURS = 0


@pytest.fixture
def created_payload(user, merchant) -> Callable[..., dict[str, Any]]:
    def payload(**overrides: Any) -> dict[str, Any]:
        body = {
            "event": "purchase.created",
            "external_id": next_external_id(),
            "user_id": str(user.id),
            "merchant_id": str(merchant.id),
            "amount": "150.00",
            "currency": "EUR",
        }
        body.update(overrides)
        return body

    return payload
